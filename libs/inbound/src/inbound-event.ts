export const MESSAGE_KINDS = ['visitor', 'file_visitor', 'keyboard_response'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The variables handed to the Agent, from `visitor.fields`. */
export const VISITOR_FIELDS = ['name', 'login', 'phone', 'email', 'site'] as const;

/** A `new_message` event that passed every row of the status table. */
export interface InboundEvent {
  /** As received, with its JSON type, so replies echo it exactly. */
  chatId: number | string;
  visitorId: string;
  visitorFields: Record<string, string>;
  clientMessageId: string;
  kind: MessageKind;
  /** What the Agent receives: the text, the file line, or the button's label. */
  text: string;
  /** The kind-specific data as received (file data or the pressed button), for the record. */
  payload: Record<string, unknown> | null;
}

/** Each outcome of parsing is one row (or group of rows) of the status table in docs/protocol.md (section 1). */
export type ParsedEvent =
  | { outcome: 'invalid-json' }
  | { outcome: 'missing'; path: string }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'malformed'; path: string; problem: string }
  | { outcome: 'accepted'; event: InboundEvent }
  /** The client server closed the chat (`{"event": "chat_closed", "chat_id"}`): a documented addition, row 6b. */
  | { outcome: 'chat-closed'; chatId: number | string };
