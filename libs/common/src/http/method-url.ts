/**
 * The protocol appends the method name to the path of the configured URL, keeping its query string:
 * `https://c.example/hooks?k=1` + `send_message` → `https://c.example/hooks/send_message?k=1`.
 */
export function methodUrl(base: string, method: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${method}`;
  return url.toString();
}
