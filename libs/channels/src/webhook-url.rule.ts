export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** docs/admin-api.md: absolute https (http when allowed), no user-info, at most 2048 characters. Null when valid. */
export function webhookUrlProblem(value: string, allowHttp: boolean): string | null {
  if (value.length > WEBHOOK_URL_MAX_LENGTH) return `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return allowHttp ? 'must be an absolute http or https URL' : 'must be an absolute https URL';
  }
  const schemes = allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol))
    return allowHttp ? 'must be an absolute http or https URL' : 'must be an absolute https URL';
  if (url.username !== '' || url.password !== '')
    return 'must not contain user info (user:password@); use webhookToken for credentials';
  if (url.hostname === '') return 'must name a host';
  return null;
}
