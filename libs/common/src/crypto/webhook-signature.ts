import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed requests by the Standard Webhooks specification (docs/protocol.md, "Signed requests"): a secret is
 * `whsec_` and base64 of its key bytes; a signature is `v1,` and base64 of HMAC-SHA256(key, `id.timestamp.body`);
 * several (a rotation's overlap) are sent space-separated in one `webhook-signature` header.
 */
export const SIGNING_SECRET_PREFIX = 'whsec_';
/** A signed request whose timestamp is further than this from now is refused (the specification's tolerance). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** 24 random bytes (192 bits): the specification asks for 24 to 64. */
export function newSigningSecret(): string {
  return `${SIGNING_SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SIGNING_SECRET_PREFIX) ? secret.slice(SIGNING_SECRET_PREFIX.length) : secret,
    'base64',
  );
}

function signature(secret: string, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers of a request signed with each of `secrets` (the current one first). */
export function signWebhook(
  secrets: readonly string[],
  id: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): WebhookSignatureHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => `v1,${signature(secret, id, timestamp, body)}`).join(' '),
  };
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * What is wrong with a request's signature headers before its body is read: one missing, or a timestamp that is not
 * one or is more than 5 minutes away from now; null when they may carry a valid signature.
 */
export function webhookSignatureHeadersProblem(headers: Headers, now = Date.now()): string | null {
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = header(headers, name);
    if (value === undefined || value === '')
      return `The ${name} header is missing: this channel accepts signed webhooks only`;
  }
  const timestamp = header(headers, 'webhook-timestamp') as string;
  if (!/^\d{1,12}$/.test(timestamp)) return 'The webhook-timestamp header is not a time in whole seconds';
  if (Math.abs(now / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS)
    return 'The webhook-timestamp is more than 5 minutes away from now';
  return null;
}

/**
 * Why a request does not carry a valid signature by any of `secrets`, in a sentence for the caller; null when it
 * does. `body` is the request body exactly as received.
 */
export function webhookSignatureProblem(
  secrets: readonly string[],
  headers: Headers,
  body: string,
  now = Date.now(),
): string | null {
  const problem = webhookSignatureHeadersProblem(headers, now);
  if (problem !== null) return problem;
  if (secrets.length === 0)
    return 'This channel has no signing secret yet: rotate it (rotate-signing-secret) and sign with the new one';
  const id = header(headers, 'webhook-id') as string;
  const timestamp = Number(header(headers, 'webhook-timestamp'));
  const given = (header(headers, 'webhook-signature') as string)
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => Buffer.from(part.slice(3), 'base64'));
  for (const secret of secrets) {
    const expected = Buffer.from(signature(secret, id, timestamp, body), 'base64');
    if (given.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected)))
      return null;
  }
  return "The webhook-signature does not match the body with the channel's signing secret";
}
