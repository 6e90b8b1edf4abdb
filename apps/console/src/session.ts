/**
 * The signed-in credential lives in this tab's sessionStorage only: never in localStorage, a cookie or a URL. It goes
 * with the tab (closing it signs out) and is removed by Sign out, or as soon as the service answers 401 to it.
 */
const KEY = 'channel-service.console.session';

export type Role = 'tenant' | 'operator';
interface Stored {
  token: string;
  role: Role;
}

type Listener = () => void;
const listeners = new Set<Listener>();
let expiredNotice = false;

function read(): Stored | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Stored>;
    return typeof parsed.token === 'string' && (parsed.role === 'tenant' || parsed.role === 'operator')
      ? { token: parsed.token, role: parsed.role }
      : null;
  } catch {
    return null;
  }
}

function notify(): void {
  for (const listener of listeners) listener();
}

export const session = {
  token: (): string | null => read()?.token ?? null,
  role: (): Role | null => read()?.role ?? null,
  signIn(token: string, role: Role): void {
    sessionStorage.setItem(KEY, JSON.stringify({ token, role }));
    expiredNotice = false;
    notify();
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
    expiredNotice = false;
    notify();
  },
  /** The service no longer accepts the credential (a revoked key, a changed operator token). */
  expire(): void {
    if (!read()) return;
    sessionStorage.removeItem(KEY);
    expiredNotice = true;
    notify();
  },
  /** True after expire() until the next sign-in: the sign-in screen says why the user is back there. */
  expired: (): boolean => expiredNotice,
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
