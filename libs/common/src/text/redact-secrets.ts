import { REDACTED } from '../logging/redact.js';

/** The forms in which a peer may echo a secret it was sent: as sent, URL- or form-encoded, JSON-escaped, base64. */
function echoedForms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  const escaped = JSON.stringify(secret).slice(1, -1);
  const base64 = Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, '');
  const forms = [
    secret,
    encoded,
    encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    encoded.replaceAll('%20', '+'),
    escaped,
    escaped.replaceAll('/', '\\/'),
    base64,
    Buffer.from(secret, 'utf8').toString('base64url'),
  ];
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every secret in `text`, in each form a peer may echo it back, with [REDACTED]. Do it before an excerpt
 * is cut: a cut made first could leave a prefix of the secret that no later redaction would recognise.
 */
export function redactSecrets(text: string, secrets: readonly (string | null | undefined)[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of echoedForms(secret)) redacted = redacted.replaceAll(form, REDACTED);
  }
  return redacted;
}
