export const REDACTED = '[REDACTED]';

/** The channel token is the first path segment of the webhook route; it must never reach a log line. */
const WEBHOOK_TOKEN = /\/(?!:token\/)[^/\s"'?#\\]+\/bot_api_webhook/g;

export function redactWebhookToken(text: string): string {
  return text.replace(WEBHOOK_TOKEN, `/${REDACTED}/bot_api_webhook`);
}

export const REDACTED_HEADER_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

export interface LogDestination {
  write(line: string): unknown;
}

/** Wraps the final log stream, so a token path is redacted whatever field or message carried it. */
export function redactingDestination(target: LogDestination): LogDestination {
  return { write: (line: string) => target.write(redactWebhookToken(line)) };
}
