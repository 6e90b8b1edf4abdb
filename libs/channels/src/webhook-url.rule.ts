export const WEBHOOK_URL_MAX_LENGTH = 2048;

export type WebhookUrlCheck = { url: string; problem: null } | { url: null; problem: string };

/**
 * docs/admin-api.md: absolute https (http when allowed), no user-info, at most 2048 characters. A valid URL comes back
 * normalised (the WHATWG href: spaces and controls around it trimmed, scheme and host lower-cased, default port and
 * dot segments dropped, the rest percent-encoded), which is what is stored and called, so they never differ.
 */
export function checkWebhookUrl(value: string, allowHttp: boolean): WebhookUrlCheck {
  const refuse = (problem: string): WebhookUrlCheck => ({ url: null, problem });
  const absolute = allowHttp ? 'must be an absolute http or https URL' : 'must be an absolute https URL';
  if (value.length > WEBHOOK_URL_MAX_LENGTH) return refuse(`must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse(absolute);
  }
  const schemes = allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) return refuse(absolute);
  if (url.username !== '' || url.password !== '')
    return refuse('must not contain user info (user:password@); use webhookToken for credentials');
  if (url.hostname === '') return refuse('must name a host');
  if (url.href.length > WEBHOOK_URL_MAX_LENGTH)
    return refuse(`must be at most ${WEBHOOK_URL_MAX_LENGTH} characters once normalised (percent-encoded)`);
  return { url: url.href, problem: null };
}

/** Null when valid; see checkWebhookUrl. */
export function webhookUrlProblem(value: string, allowHttp: boolean): string | null {
  return checkWebhookUrl(value, allowHttp).problem;
}

/** The stored form of a URL that passed checkWebhookUrl (rows saved before normalisation included). */
export function normalWebhookUrl(value: string): string {
  try {
    return new URL(value).href;
  } catch {
    return value;
  }
}
