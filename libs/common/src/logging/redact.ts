export const REDACTED = '[REDACTED]';

/** The channel token is the first path segment of the webhook route; it must never reach a log line. */
const WEBHOOK_TOKEN = /\/(?!:token\/)[^/\s"'?#\\]+\/bot_api_webhook/g;

export function redactWebhookToken(text: string): string {
  return text.replace(WEBHOOK_TOKEN, `/${REDACTED}/bot_api_webhook`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Channel tokens are 43 characters and API keys 47: a segment this long may be a secret, unless it is a UUID. */
const TOKEN_LIKE_MIN = 20;
const LOGGED_URL_MAX = 512;

function redactSegment(segment: string): string {
  if (segment.length < TOKEN_LIKE_MIN && !/^csk_/i.test(segment)) return segment;
  return UUID.test(segment) ? segment : REDACTED;
}

/**
 * A request URL as it may be logged, whether or not it matched a route: every query value is replaced (an API key
 * may ride in `?key=`), and so is every path segment that could be a token (20 characters or more, except UUIDs),
 * so a client server that misspells its webhook path (`/{token}/bot_api_hook`, `/{token}%2Fbot_api_webhook`,
 * `/{token}`) does not leak its channel token. The route template is logged beside it.
 */
export function redactRequestUrl(url: string): string {
  const queryAt = url.search(/[?#]/);
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt + 1).replace(/#.*$/, '');
  const safePath = path.split('/').map(redactSegment).join('/');
  const safeQuery = query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const name = pair.split('=', 1)[0];
      const safeName = redactSegment(name);
      return pair.includes('=') || safeName !== name ? `${safeName}=${REDACTED}` : safeName;
    })
    .join('&');
  const safe = safeQuery === '' ? safePath : `${safePath}?${safeQuery}`;
  return safe.length > LOGGED_URL_MAX ? `${safe.slice(0, LOGGED_URL_MAX)}…` : safe;
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

/** Secrets shorter than this are not scrubbed from lines: they would match ordinary words. */
const SECRET_MIN = 8;

/**
 * Wraps the final log stream, so a token path is redacted whatever field or message carried it, and so are the
 * known secrets (the operator token), as written and as JSON escapes them, wherever a line carries them.
 */
export function redactingDestination(target: LogDestination, secrets: readonly string[] = []): LogDestination {
  const forms = [
    ...new Set(
      secrets
        .filter((secret) => secret.length >= SECRET_MIN)
        .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]),
    ),
  ];
  return {
    write: (line: string) => {
      let safe = redactWebhookToken(line);
      for (const form of forms) if (safe.includes(form)) safe = safe.replaceAll(form, REDACTED);
      return target.write(safe);
    },
  };
}
