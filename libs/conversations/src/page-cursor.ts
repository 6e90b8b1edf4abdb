import { AppError, ErrorCode } from '#common';

/** Keyset position: a timestamp in whole microseconds since the epoch (exact, unlike a JS Date) and a row id. */
export interface PagePosition {
  micros: string;
  id: string;
}

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(`${position.micros}:${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): PagePosition {
  const match = /^(\d{1,19}):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is invalid: check cursor.', [
      { field: 'cursor', message: 'cursor must be a nextCursor value from a previous page' },
    ]);
  return { micros: match[1], id: match[2] };
}
