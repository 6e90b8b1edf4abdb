import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Page } from './api';

export type Loaded<T> =
  | { state: 'loading'; data?: T; error?: ApiError }
  | { state: 'error'; error: ApiError; data?: T }
  | { state: 'ready'; data: T };

export interface Load<T> {
  state: Loaded<T>['state'];
  data?: T;
  error?: ApiError;
  /** Runs the load again now (Try again, after a change). */
  reload: () => Promise<void>;
  /** Runs it again unless a run is still under way: for timers, so slow answers never pile up. */
  refresh: () => void;
}

/**
 * Runs `load` now and whenever `deps` change; `reload()` runs it again while the last data stays on screen (so a
 * refresh never blanks the page), and so does the last error until a run succeeds (so an alert does not flash). An
 * answer that arrives after a newer run started is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Load<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const generation = useRef(0);
  const running = useRef(false);
  const run = useCallback(async () => {
    const mine = ++generation.current;
    running.current = true;
    setLoaded((previous) => ({
      state: 'loading',
      data: previous.data,
      error: previous.state === 'error' ? previous.error : undefined,
    }));
    try {
      const data = await load();
      if (mine === generation.current) setLoaded({ state: 'ready', data });
    } catch (error) {
      if (mine === generation.current) {
        setLoaded((previous) => ({ state: 'error', error: asApiError(error), data: previous.data }));
      }
    } finally {
      if (mine === generation.current) running.current = false;
    }
  }, deps);
  useEffect(() => {
    void run();
    return () => {
      generation.current += 1;
      running.current = false;
    };
  }, [run]);
  return {
    state: loaded.state,
    data: loaded.data,
    error: loaded.state === 'ready' ? undefined : loaded.error,
    reload: run,
    refresh: () => {
      if (!running.current) void run();
    },
  };
}

/** Calls `tick` every `ms` while the page is visible. */
export function useInterval(tick: () => void, ms: number): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') latest.current();
    }, ms);
    return () => clearInterval(timer);
  }, [ms]);
}

/**
 * Pages of a keyset-paginated list: the first `count` pages, read in order by following `nextCursor`. `more` tells
 * whether the API has a page after them.
 */
export async function readPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  count: number,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < count; page += 1) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (!result.nextCursor) return { items, more: false };
    cursor = result.nextCursor;
  }
  return { items, more: true };
}

/** A submit or click that calls the API: `busy` while it runs, the failure kept for display. */
export function useAction<A extends unknown[], R>(
  action: (...args: A) => Promise<R>,
): { run: (...args: A) => Promise<R | undefined>; busy: boolean; error: ApiError | null; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action(...args);
    } catch (caught) {
      setError(asApiError(caught));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clear: () => setError(null) };
}

/** What an action did before it moved to another screen, for that screen to say once. */
let flashed: string | null = null;

/** Keeps `message` for the next screen that calls useFlash (e.g. the list a deleted record was on). */
export function flashNext(message: string): void {
  flashed = message;
}

/** The message flashNext kept, taken when this screen opens (so a later screen does not repeat it). */
export function useFlash(): string | null {
  const [message] = useState(() => {
    const taken = flashed;
    flashed = null;
    return taken;
  });
  return message;
}

/** A notice that a flash (or another result) left: a status, so screen readers read it after the heading. */
export function Flash({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p class="notice ok" role="status">
      {message}
    </p>
  );
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'CONSOLE', error instanceof Error ? error.message : String(error));
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** An API failure in words: the API's sentence, then its field details. */
export function ErrorNotice({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div class="notice error" role="alert">
      <p>{error.message}</p>
      {error.details.length > 0 && (
        <ul>
          {error.details.map((detail) => (
            <li key={`${detail.field}:${detail.message}`}>
              <strong>{detail.field}</strong>: {detail.message}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" class="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Shows what a load holds: the data (also while it refreshes), a first load, or its failure with Try again. */
export function Show<T>({
  loaded,
  what,
  children,
}: {
  loaded: Load<T>;
  what: string;
  children: (data: T) => ComponentChildren;
}) {
  return (
    <>
      {loaded.error && <ErrorNotice error={loaded.error} onRetry={() => void loaded.reload()} />}
      {loaded.data !== undefined ? children(loaded.data) : loaded.state === 'loading' && <Loading what={what} />}
    </>
  );
}

/** Copies `value` to the clipboard and says so; `label` names what is copied for screen readers. */
/**
 * A secret shown once, read-only, with its Copy button (a new API key, a channel's signing secret); `copyLabel` names
 * it in the button's accessible name ("Copy <copyLabel>").
 */
export function SecretField({
  id,
  label,
  copyLabel,
  value,
}: {
  id: string;
  label: string;
  copyLabel: string;
  value: string;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="with-button">
        <input id={id} readOnly value={value} spellcheck={false} autocomplete="off" />
        <CopyButton value={value} label={copyLabel} />
      </div>
    </div>
  );
}

export function CopyButton({ value, label }: { value: string; label: string }) {
  const [said, setSaid] = useState('');
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(value);
      setSaid('Copied');
    } catch {
      setSaid('Copy failed: select the text and copy it');
    }
    setTimeout(() => setSaid(''), 3000);
  };
  return (
    <span class="copy">
      <button type="button" class="secondary" aria-label={`Copy ${label}`} onClick={() => void copy()}>
        Copy
      </button>
      <span role="status" class="copy-status">
        {said}
      </span>
    </span>
  );
}

/**
 * A modal question (the native <dialog>: focus moves into it, Escape cancels, focus returns to the opener).
 * `confirm` is the label of the button that goes ahead.
 */
export function ConfirmDialog({
  title,
  children,
  confirm,
  danger,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ComponentChildren;
  confirm: string;
  danger?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`dialog-${Math.random().toString(36).slice(2)}`).current;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      {children}
      <div class="actions">
        <button type="button" class="secondary" onClick={() => ref.current?.close()} autofocus>
          Cancel
        </button>
        <button
          type="button"
          class={danger ? 'danger' : undefined}
          onClick={() => {
            onConfirm();
            ref.current?.close();
          }}
        >
          {confirm}
        </button>
      </div>
    </dialog>
  );
}

/** The heading of a screen; it takes focus when the screen opens so screen readers announce the new page. */
export function ScreenHeading({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function Time({ value }: { value: string | undefined }) {
  if (!value) return <span class="muted">—</span>;
  return <time dateTime={value}>{TIME.format(new Date(value))}</time>;
}
