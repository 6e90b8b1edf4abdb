import type { MessageDto } from './chats.dto.js';

/** A message as every query that returns messages reads it (MESSAGE_COLUMNS). */
export interface MessageRow {
  id: string;
  direction: string;
  kind: string;
  text: string | null;
  buttons: unknown[] | null;
  payload: {
    file?: { url: string; name?: string; mediaType?: string };
    operatorId?: string;
    departmentKey?: string;
  } | null;
  clientMessageId: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  /** created_at in whole microseconds since the epoch, for keyset pages. */
  position: string;
}

/** Timestamps compared in whole microseconds, exactly as a page cursor carries them. */
export const MICROS_OF = (column: string): string => `(extract(epoch from ${column}) * 1000000)::bigint::text`;

/** The columns of a MessageRow, qualified by `alias`. */
export function messageColumns(alias = 'messages'): string {
  const a = (column: string): string => `${alias}.${column}`;
  return [
    `${a('id')}`,
    `${a('direction')}`,
    `${a('kind')}`,
    `${a('text')}`,
    `${a('buttons')}`,
    `${a('payload')}`,
    `${a('client_message_id')} AS "clientMessageId"`,
    `${a('status')}`,
    `${a('attempts')}`,
    `${a('last_error')} AS "lastError"`,
    `${a('created_at')} AS "createdAt"`,
    `${a('delivered_at')} AS "deliveredAt"`,
    `${MICROS_OF(a('created_at'))} AS position`,
  ].join(', ');
}

export function toMessage(row: MessageRow): MessageDto {
  return {
    id: row.id,
    direction: row.direction,
    kind: row.kind,
    text: row.text,
    ...(row.buttons === null ? {} : { buttons: row.buttons }),
    ...(row.payload?.file ? { file: row.payload.file } : {}),
    ...(row.kind === 'redirect' || row.kind === 'close' ? { action: { type: row.kind, ...(row.payload ?? {}) } } : {}),
    ...(row.clientMessageId === null ? {} : { clientMessageId: row.clientMessageId }),
    status: row.status,
    attempts: row.attempts,
    ...(row.lastError === null ? {} : { lastError: row.lastError }),
    createdAt: row.createdAt,
    ...(row.deliveredAt === null ? {} : { deliveredAt: row.deliveredAt }),
  };
}
