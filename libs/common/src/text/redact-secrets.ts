import { REDACTED } from '../logging/redact.js';

/** Every character but RFC 3986's unreserved ones as %XX: how URLSearchParams, Python and PHP encode `!'()*~`. */
function strictPercentEncoded(secret: string): string {
  return encodeURIComponent(secret).replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** JSON with `<`, `>`, `&`, `'` as \u00XX escapes, as Go's encoding/json and Rails write them. */
function htmlSafeJson(secret: string): string {
  return JSON.stringify(secret)
    .slice(1, -1)
    .replace(/[<>&']/g, (char) => `\\u00${char.charCodeAt(0).toString(16)}`);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * What the HTTP client sends of a header value (OutboundHttpClient applies this to every header it is given): C0
 * controls, DEL and what is beyond Latin-1 dropped, then trimmed. A token stored before webhookToken had to be
 * visible ASCII may differ from what was sent.
 */
export function asSentInHeader(secret: string): string {
  const kept = Array.from(secret).filter((char) => {
    const code = char.codePointAt(0) as number;
    return code <= 0xff && code !== 0x7f && (code >= 0x20 || code === 0x09);
  });
  return kept.join('').trim();
}

/**
 * The forms in which a peer may echo a secret it was sent: as sent (and as an HTTP header carried it), URL- or
 * form-encoded (loose or strict), JSON-escaped (also Go's HTML-safe escapes and `\/`), HTML entities, base64.
 */
function echoedForms(secret: string): string[] {
  const forms: string[] = [];
  for (const value of new Set([secret, asSentInHeader(secret)])) {
    if (!value) continue;
    const encoded = encodeURIComponent(value);
    const strict = strictPercentEncoded(value);
    const escaped = JSON.stringify(value).slice(1, -1);
    forms.push(
      value,
      encoded,
      encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
      encoded.replaceAll('%20', '+'),
      strict,
      strict.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
      strict.replaceAll('%20', '+'),
      escaped,
      escaped.replaceAll('/', '\\/'),
      htmlSafeJson(value),
      htmlSafeJson(value).replace(/\\u00([0-9a-f]{2})/g, (_match, hex: string) => `\\u00${hex.toUpperCase()}`),
      value.replace(/[<>&"']/g, (char) => HTML_ENTITIES[char]),
      Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''),
      Buffer.from(value, 'utf8').toString('base64url'),
    );
  }
  return [...new Set(forms)].filter((form) => form.length > 0).sort((a, b) => b.length - a.length);
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
