import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import {
  api,
  type Agent as AgentRecord,
  type ApiError,
  type Channel,
  type ChannelCapabilities,
  type ChannelChanges,
  type ChannelHealth,
  type ChannelWarning,
  type DeliveryRateLimit,
} from '../api';
import { href } from '../router';
import {
  ConfirmDialog,
  CopyButton,
  SecretField,
  ErrorNotice,
  Loading,
  ScreenHeading,
  Show,
  Time,
  flashNext,
  useAction,
  useInterval,
  useLoad,
} from '../ui';

/** A channel on the Channels tab: saved (it has `channel`) or a draft added with "Add another channel". */
interface Entry {
  key: string;
  channel?: Channel;
}

interface Form {
  title: string;
  webhookUrl: string;
  /** A new token to set; empty keeps the stored one. */
  token: string;
  clearToken: boolean;
  active: boolean;
  /** The extensions (capabilities), off by default. */
  filesAsFiles: boolean;
  /** Characters, as typed; empty: no limit. */
  maxMessageLength: string;
  /** The number field holds text the browser cannot read as a number (its value is then empty, not the text). */
  maxMessageLengthUnreadable: boolean;
  stripMarkdown: boolean;
  redirectChat: boolean;
  closeChat: boolean;
  /** The client server must sign its posts to the App.Chatbots webhook URL (requireSignedWebhooks). */
  requireSigned: boolean;
  /** send_message calls per second at most (deliveryRateLimit.perSecond), as typed; empty: no limit. */
  deliveryRate: string;
  /** The number field holds text the browser cannot read as a number (its value is then empty, not the text). */
  deliveryRateUnreadable: boolean;
}

/** A signing secret as the API shows it, once: kept on screen until the user says it is stored. */
interface ShownSecret {
  value: string;
  /** Shown by a rotation (the previous secret stays valid for 24 hours), not by the channel's creation. */
  rotated: boolean;
}

/** A client server that speaks only the seed's protocol: what a new channel gets. */
const NO_CAPABILITIES: ChannelCapabilities = {
  files: 'link',
  maxMessageLength: null,
  markdown: 'pass',
  redirectChat: false,
  closeChat: false,
};
const MAX_MESSAGE_LENGTH_LIMIT = 65_536;
/** The API's bounds of deliveryRateLimit.perSecond. */
const MIN_DELIVERY_RATE = 1;
const MAX_DELIVERY_RATE = 10_000;
/** How often a saved channel's endpoint health is read again while the tab is visible. */
const HEALTH_REFRESH_MS = 5_000;
const DAY_MS = 24 * 60 * 60 * 1000;

function formOf(channel: Channel | undefined): Form {
  const capabilities = channel?.capabilities ?? NO_CAPABILITIES;
  return {
    title: channel?.title ?? '',
    webhookUrl: channel?.webhookUrl ?? '',
    token: '',
    clearToken: false,
    active: channel?.active ?? false,
    filesAsFiles: capabilities.files === 'file',
    maxMessageLength: capabilities.maxMessageLength === null ? '' : String(capabilities.maxMessageLength),
    maxMessageLengthUnreadable: false,
    stripMarkdown: capabilities.markdown === 'strip',
    redirectChat: capabilities.redirectChat,
    closeChat: capabilities.closeChat,
    requireSigned: channel?.requireSignedWebhooks ?? false,
    deliveryRate: channel?.deliveryRateLimit ? String(channel.deliveryRateLimit.perSecond) : '',
    deliveryRateUnreadable: false,
  };
}

/**
 * The delivery rate limit the form asks for: null when empty (no limit). A number the API refuses (0, -3, 2.5, 10001)
 * is sent as typed, so the API says why; text the browser cannot read as a number is refused here.
 */
function deliveryRateLimitOf(form: Form): DeliveryRateLimit | null {
  const rate = form.deliveryRate.trim();
  const perSecond = Number(rate);
  if (form.deliveryRateUnreadable || (rate !== '' && !Number.isFinite(perSecond))) {
    throw new Error(
      `Delivery rate limit: enter a whole number of send_message calls per second from ${MIN_DELIVERY_RATE} to ${MAX_DELIVERY_RATE}, or leave it empty for no limit.`,
    );
  }
  return rate === '' ? null : { perSecond };
}

/** A delivery rate limit in words: `5/s`, or `none`. */
function deliveryRateText(limit: DeliveryRateLimit | null): string {
  return limit ? `${limit.perSecond}/s` : 'none';
}

/** The capabilities the form asks for. A length the API refuses (0, 1.5, 70000) is sent as typed, so it says why. */
function capabilitiesOf(form: Form): ChannelCapabilities {
  if (form.maxMessageLengthUnreadable) {
    throw new Error(
      `Split messages longer than: enter a whole number of characters from 1 to ${MAX_MESSAGE_LENGTH_LIMIT}, or leave it empty for no limit.`,
    );
  }
  const length = form.maxMessageLength.trim();
  return {
    files: form.filesAsFiles ? 'file' : 'link',
    maxMessageLength: length === '' ? null : Number(length),
    markdown: form.stripMarkdown ? 'strip' : 'pass',
    redirectChat: form.redirectChat,
    closeChat: form.closeChat,
  };
}

/** The capabilities of `to` that differ from `from`, or undefined when none does. */
function capabilityChanges(
  from: ChannelCapabilities,
  to: ChannelCapabilities,
): Partial<ChannelCapabilities> | undefined {
  const changes: Partial<ChannelCapabilities> = {};
  if (to.files !== from.files) changes.files = to.files;
  if (to.maxMessageLength !== from.maxMessageLength) changes.maxMessageLength = to.maxMessageLength;
  if (to.markdown !== from.markdown) changes.markdown = to.markdown;
  if (to.redirectChat !== from.redirectChat) changes.redirectChat = to.redirectChat;
  if (to.closeChat !== from.closeChat) changes.closeChat = to.closeChat;
  return Object.keys(changes).length === 0 ? undefined : changes;
}

/** A URL as the service stores it (the WHATWG href), so `https://h` and `https://h/` are one URL; as typed if invalid. */
function normalisedUrl(value: string): string {
  try {
    return new URL(value.trim()).href;
  } catch {
    return value.trim();
  }
}

function urlChanged(saved: Channel, form: Form): boolean {
  return normalisedUrl(form.webhookUrl) !== saved.webhookUrl;
}

/** What Save sends: only what changed, so the PATCH applies exactly the user's edits, all together or none. */
function changesOf(saved: Channel, form: Form): ChannelChanges {
  const changes: ChannelChanges = {};
  const title = form.title.trim() === '' ? null : form.title.trim();
  if (title !== saved.title) changes.title = title;
  if (urlChanged(saved, form)) changes.webhookUrl = form.webhookUrl.trim();
  const token = form.token.trim();
  if (token !== '') changes.webhookToken = token;
  else if (form.clearToken && saved.webhookTokenSet) changes.webhookToken = null;
  if (form.active !== saved.active) changes.active = form.active;
  const capabilities = capabilityChanges(saved.capabilities, capabilitiesOf(form));
  if (capabilities) changes.capabilities = capabilities;
  if (form.requireSigned !== saved.requireSignedWebhooks) changes.requireSignedWebhooks = form.requireSigned;
  const deliveryRateLimit = deliveryRateLimitOf(form);
  if ((deliveryRateLimit?.perSecond ?? null) !== (saved.deliveryRateLimit?.perSecond ?? null)) {
    changes.deliveryRateLimit = deliveryRateLimit;
  }
  return changes;
}

/** `date` as a datetime-local value, in the browser's time zone, to the minute: `2026-12-06T08:00`. */
function localDateTimeValue(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** A datetime-local value (a local time, no zone) as an ISO 8601 UTC time; undefined when it is not a date and time. */
function isoOfLocal(value: string): string | undefined {
  // Without an offset, a date-time string is read as local time (ECMAScript Date.parse).
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function requeuedText(count: number): string {
  if (count === 0) return 'No failed message in that time: nothing was queued again.';
  return `${count} failed ${count === 1 ? 'message' : 'messages'} queued again`;
}

/**
 * A paused channel (endpoint health), said in words at the top of its card: since when, why, and that its replies are
 * held, with Resume.
 */
function PausedBanner({
  id,
  health,
  busy,
  resuming,
  error,
  onResume,
}: {
  id: string;
  health: ChannelHealth;
  busy: boolean;
  resuming: boolean;
  error: ApiError | null;
  onResume: () => void;
}) {
  const reason = health.reason?.replace(/\.$/, '');
  return (
    <div class="notice warn paused" role="alert">
      <p id={`${id}-paused`}>
        <strong>Paused</strong>
        {health.since && (
          <>
            {' '}
            since <Time value={health.since} />
          </>
        )}
        {reason && <>: {reason}</>}. Replies are held, not lost.
      </p>
      <p class="hint">
        The service no longer sends this channel's replies to the client server: they wait, queued, and one of them is
        tried again now and then (a 2xx answer resumes the channel). Visitor messages still reach the Agent. Resume
        sends the held replies now, each chat's in order.
      </p>
      {error && <ErrorNotice error={error} />}
      <button type="button" disabled={busy} aria-describedby={`${id}-paused`} onClick={onResume}>
        {resuming ? 'Resuming…' : 'Resume'}
      </button>
    </div>
  );
}

/** "Retry all failed since …": bulk replay of the channel's failed messages from a local date and time until now. */
function ReplayFailed({ id, channelId }: { id: string; channelId: string }) {
  const [since, setSince] = useState(() => localDateTimeValue(new Date(Date.now() - DAY_MS)));
  const [requeued, setRequeued] = useState<number | null>(null);
  const replay = useAction(async () => {
    setRequeued(null);
    const iso = isoOfLocal(since);
    if (iso === undefined) throw new Error('Retry all failed since: enter a date and a time.');
    setRequeued((await api.replayFailed(channelId, iso)).requeued);
  });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <form
      class="replay"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void replay.run();
      }}
    >
      <fieldset class="extensions" aria-describedby={`${id}-replay-hint`}>
        <legend>Failed messages</legend>
        <p id={`${id}-replay-hint`} class="hint">
          A failed message (a reply the client server refused, a visitor message the Agent did not answer) stays failed
          until it is retried. Retrying queues every one of this channel's failed messages created since then again,
          each chat's in its order.
        </p>
        <div class="field">
          <label for={`${id}-replay-since`}>Retry all failed since</label>
          <div class="with-button">
            <input
              id={`${id}-replay-since`}
              type="datetime-local"
              value={since}
              aria-describedby={`${id}-replay-zone`}
              onInput={(event) => {
                setSince(event.currentTarget.value);
                setRequeued(null);
                replay.clear();
              }}
            />
            <button type="submit" disabled={replay.busy}>
              {replay.busy ? 'Retrying…' : 'Retry all failed'}
            </button>
          </div>
          <p id={`${id}-replay-zone`} class="hint">
            In your browser's time{zone ? ` (${zone})` : ''}: failed messages from then until now are queued again. It
            starts at 24 hours ago.
          </p>
        </div>
        {replay.error && <ErrorNotice error={replay.error} />}
        {requeued !== null && (
          <p class="notice ok" role="status">
            {requeuedText(requeued)}
          </p>
        )}
      </fieldset>
    </form>
  );
}

function Warnings({ warnings }: { warnings: ChannelWarning[] }) {
  if (warnings.length === 0) return null;
  return (
    <div class="notice warn" role="status">
      <p>Saved. The channel is active despite these problems:</p>
      <ul>
        {warnings.map((warning) => (
          <li key={warning.code}>
            <strong>{warning.message}</strong>
            {warning.code === 'CHANNEL_UNREACHABLE'
              ? ': the client server did not answer at the Channel webhook URL.'
              : ': the client server did not accept set_webhook with the App.Chatbots webhook URL.'}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** One switch of the Extensions group: a checkbox, its label, and a hint marked as an extension of the protocol. */
function ExtensionCheck({
  id,
  checked,
  onChange,
  label,
  children,
}: {
  /** The hint's element id, which the checkbox is described by. */
  id: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label class="check">
        <input
          type="checkbox"
          checked={checked}
          aria-describedby={id}
          onChange={(event) => onChange(event.currentTarget.checked)}
        />
        {label}
      </label>
      <p id={id} class="hint">
        <span class="badge">Extension</span> {children}
      </p>
    </div>
  );
}

/**
 * The signing secret the API just answered (creation or rotation), the only time it is shown. Takes focus when it
 * appears, so it is announced and seen; it stays until Done.
 */
function NewSigningSecret({ id, shown, onDone }: { id: string; shown: ShownSecret; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView?.({ block: 'nearest' });
  }, [shown]);
  return (
    <section class="notice warn new-secret" aria-labelledby={`${id}-secret-title`}>
      <h3 id={`${id}-secret-title`} ref={heading} tabIndex={-1}>
        {shown.rotated ? 'New signing secret' : 'Signing secret'}: shown once — copy it now
      </h3>
      <p>
        This is the only time it is shown: the console cannot show it again. Give it to the client server through a safe
        channel; it checks the service's requests with it (Standard Webhooks) and, when Require signed webhooks is on,
        signs its own posts with it.
      </p>
      {shown.rotated && (
        <p>
          The previous secret stays valid for 24 hours: until then requests are signed with both, and posts signed with
          either are accepted.
        </p>
      )}
      <SecretField id={`${id}-secret`} label="Signing secret" copyLabel="signing secret" value={shown.value} />
      <button type="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function ChannelEditor({ agent, entry, onDeleted }: { agent: AgentRecord; entry: Entry; onDeleted: () => void }) {
  const id = useId();
  const [saved, setSaved] = useState<Channel | undefined>(entry.channel);
  const [form, setForm] = useState<Form>(() => formOf(entry.channel));
  const [warnings, setWarnings] = useState<ChannelWarning[]>([]);
  const [notice, setNotice] = useState('');
  const [secret, setSecret] = useState<ShownSecret | null>(null);
  const [confirm, setConfirm] = useState<'rotate' | 'rotate-secret' | 'delete' | null>(null);
  /** Resume succeeded and the channel read again is active: said where the paused banner was. */
  const [resumed, setResumed] = useState(false);
  const resumedRef = useRef<HTMLParagraphElement>(null);
  /** Counts channel reads: a health refresh answered after a newer read (an action's answer) is dropped. */
  const reads = useRef(0);
  const refreshing = useRef(false);
  const set = (patch: Partial<Form>): void => {
    setForm((previous) => ({ ...previous, ...patch }));
    setNotice('');
  };
  /** The channel as an action's answer has it. */
  const adopt = (channel: Channel): void => {
    reads.current += 1;
    setSaved(channel);
  };

  const save = useAction(async () => {
    setWarnings([]);
    setNotice('');
    let result: Channel & { signingSecret?: string };
    if (!saved) {
      const capabilities = capabilityChanges(NO_CAPABILITIES, capabilitiesOf(form));
      const deliveryRateLimit = deliveryRateLimitOf(form);
      result = await api.createChannel(agent.agentId, {
        type: 'omnichannel',
        ...(form.title.trim() === '' ? {} : { title: form.title.trim() }),
        webhookUrl: form.webhookUrl.trim(),
        ...(form.token.trim() === '' ? {} : { webhookToken: form.token.trim() }),
        active: form.active,
        ...(capabilities ? { capabilities } : {}),
        ...(form.requireSigned ? { requireSignedWebhooks: true } : {}),
        // Empty is no limit, the API's default: not sent.
        ...(deliveryRateLimit ? { deliveryRateLimit } : {}),
      });
    } else {
      const changes = changesOf(saved, form);
      if (Object.keys(changes).length === 0) {
        setNotice('Nothing to save: no field was changed.');
        return;
      }
      result = await api.updateChannel(saved.id, changes);
    }
    const { warnings: found = [], signingSecret, ...channel } = result;
    adopt(channel);
    setForm(formOf(channel));
    setWarnings(found);
    if (found.length === 0) setNotice('Saved.');
    if (signingSecret) setSecret({ value: signingSecret, rotated: false });
  });
  const rotate = useAction(async (channelId: string) => {
    const channel = await api.rotateToken(channelId);
    adopt(channel);
    setNotice('The platform token was rotated: give the client server the new App.Chatbots webhook URL.');
  });
  const rotateSecret = useAction(async (channelId: string) => {
    const { signingSecret, ...channel } = await api.rotateSigningSecret(channelId);
    adopt(channel);
    setSecret({ value: signingSecret, rotated: true });
  });
  const remove = useAction(async (channelId: string) => {
    await api.deleteChannel(channelId);
    onDeleted();
  });
  // Resume, then read the channel again: it shows what the service holds now (paused again if the client server
  // refused the first held reply at once).
  const resume = useAction(async (channelId: string) => {
    setResumed(false);
    await api.resumeChannel(channelId);
    const channel = await api.getChannel(channelId);
    adopt(channel);
    setResumed(channel.health.state === 'active');
  });

  const name = saved ? saved.title || 'Untitled channel' : 'New channel';
  const changedUrl = saved !== undefined && urlChanged(saved, form);
  const error = save.error ?? rotate.error ?? rotateSecret.error ?? remove.error;
  // One request at a time per channel: a late Save answer must not overwrite a rotation, nor wipe what was typed.
  const busy = save.busy || rotate.busy || rotateSecret.busy || remove.busy || resume.busy;
  const titleRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!entry.channel) titleRef.current?.focus();
  }, []);
  // The Resume button is gone once resumed: the focus goes to the sentence that says so.
  useEffect(() => {
    if (resumed) resumedRef.current?.focus();
  }, [resumed]);
  // Endpoint health changes on its own (a pause, a probe's 2xx): read it again while the tab is visible. Only the
  // health is taken, so Save still compares the form with the channel as last loaded or saved.
  useInterval(() => {
    if (!saved || busy || refreshing.current) return;
    const mine = ++reads.current;
    refreshing.current = true;
    api
      .getChannel(saved.id)
      .then(
        (fresh) => {
          if (mine !== reads.current) return;
          setSaved((current) => (current && current.id === fresh.id ? { ...current, health: fresh.health } : current));
          if (fresh.health.state === 'paused') setResumed(false);
        },
        () => {
          // Nothing changes on screen; the next refresh tries again.
        },
      )
      .finally(() => {
        refreshing.current = false;
      });
  }, HEALTH_REFRESH_MS);
  const paused = saved?.health.state === 'paused';
  return (
    <section class="card channel" aria-labelledby={`${id}-name`}>
      <h2 id={`${id}-name`} class="channel-name">
        {name}{' '}
        {saved && <span class={saved.active ? 'badge ok' : 'badge'}>{saved.active ? 'Active' : 'Inactive'}</span>}
      </h2>
      {saved && paused && (
        <PausedBanner
          id={id}
          health={saved.health}
          busy={busy}
          resuming={resume.busy}
          error={resume.error}
          onResume={() => void resume.run(saved.id)}
        />
      )}
      {saved && !paused && resumed && (
        <p class="notice ok" role="status" tabIndex={-1} ref={resumedRef}>
          Resumed: the held replies are being sent, each chat's in order.
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void save.run();
        }}
        noValidate
      >
        <fieldset class="plain" disabled={busy}>
          <div class="field">
            <label for={`${id}-connector`}>Channel</label>
            <select id={`${id}-connector`} disabled>
              <option>Omnichannel</option>
            </select>
          </div>
          <div class="field">
            <label for={`${id}-title`}>Title</label>
            <input
              id={`${id}-title`}
              ref={titleRef}
              value={form.title}
              maxLength={255}
              aria-describedby={`${id}-title-hint`}
              onInput={(event) => set({ title: event.currentTarget.value })}
            />
            <p id={`${id}-title-hint`} class="hint">
              Optional. Different channels may have the same title.
            </p>
          </div>
          <div class="field">
            <label for={`${id}-platform-url`}>App.Chatbots webhook: URL</label>
            {saved ? (
              <>
                <div class="with-button">
                  <input id={`${id}-platform-url`} readOnly value={saved.platformWebhookUrl} spellcheck={false} />
                  <CopyButton value={saved.platformWebhookUrl} label="App.Chatbots webhook URL" />
                </div>
                <p class="hint">
                  The client server sends visitor messages to this URL. It contains the channel's secret.
                </p>
              </>
            ) : (
              <p class="hint" id={`${id}-platform-url`}>
                Available after saving.
              </p>
            )}
          </div>
          <div class="field">
            <label for={`${id}-webhook-url`}>Channel webhook: URL</label>
            <input
              id={`${id}-webhook-url`}
              type="url"
              inputMode="url"
              value={form.webhookUrl}
              placeholder="https://client.example.com/chat"
              spellcheck={false}
              aria-describedby={`${id}-webhook-url-hint`}
              onInput={(event) => set({ webhookUrl: event.currentTarget.value })}
            />
            <p id={`${id}-webhook-url-hint`} class="hint">
              Your client server. The Agent's replies go to this address followed by <code>/send_message</code>.
            </p>
          </div>
          <div class="field">
            <label for={`${id}-token`}>Channel webhook: Token</label>
            <input
              id={`${id}-token`}
              type="password"
              autocomplete="off"
              value={form.token}
              spellcheck={false}
              aria-describedby={`${id}-token-state`}
              onInput={(event) => set({ token: event.currentTarget.value, clearToken: false })}
            />
            <p id={`${id}-token-state`} class="hint">
              {saved?.webhookTokenSet
                ? changedUrl && form.token === ''
                  ? 'A token is set, but changing the URL clears it: enter the token again to keep one.'
                  : form.clearToken
                    ? 'A token is set; it will be cleared when you save.'
                    : 'A token is set. It is never shown; type a new one to replace it.'
                : 'No token is set. Needed when the client server checks the Authorization header.'}
            </p>
            {saved?.webhookTokenSet && !changedUrl && (
              <label class="check">
                <input
                  type="checkbox"
                  checked={form.clearToken}
                  disabled={form.token !== ''}
                  onChange={(event) => set({ clearToken: event.currentTarget.checked })}
                />
                Clear the token
              </label>
            )}
          </div>
          <fieldset class="extensions" aria-describedby={`${id}-signing-hint`}>
            <legend>Signed requests</legend>
            <p id={`${id}-signing-hint`} class="hint">
              The service signs its requests to the client server with the channel's signing secret (Standard Webhooks).
              The secret is shown once, when the channel is created or the secret rotated.
            </p>
            {saved && (
              <div class="field signing-state">
                <p>
                  Requests signed:{' '}
                  {saved.signingSecretSet ? <strong>yes</strong> : <strong>no (rotate to get a secret)</strong>}
                </p>
                <button
                  type="button"
                  class="secondary"
                  disabled={busy || secret !== null}
                  aria-describedby={secret !== null ? `${id}-secret-title` : undefined}
                  onClick={() => setConfirm('rotate-secret')}
                >
                  {rotateSecret.busy ? 'Rotating…' : 'Rotate signing secret'}
                </button>
              </div>
            )}
            <div class="field">
              <label class="check">
                <input
                  type="checkbox"
                  checked={form.requireSigned}
                  aria-describedby={`${id}-require-signed-hint`}
                  onChange={(event) => set({ requireSigned: event.currentTarget.checked })}
                />
                Require signed webhooks
              </label>
              <p id={`${id}-require-signed-hint`} class="hint">
                The client server must sign its posts to the App.Chatbots webhook URL with the signing secret; unsigned
                or badly signed ones are refused (HTTP 401).
                {form.requireSigned && saved && !saved.signingSecretSet && (
                  <strong> This channel has no signing secret yet: every post is refused until you rotate one.</strong>
                )}
              </p>
            </div>
          </fieldset>
          <div class="field switch-field">
            <label class="switch">
              <input
                type="checkbox"
                role="switch"
                checked={form.active}
                onChange={(event) => set({ active: event.currentTarget.checked })}
              />
              <span>Active</span>
            </label>
            <p class="hint">The Agent answers an active channel after you save. Activation needs a trained agent.</p>
          </div>
          <div class="field">
            <label for={`${id}-rate`}>Delivery rate limit (send_message calls per second)</label>
            <div class="with-unit">
              <input
                id={`${id}-rate`}
                type="number"
                inputMode="numeric"
                min={MIN_DELIVERY_RATE}
                max={MAX_DELIVERY_RATE}
                step={1}
                value={form.deliveryRate}
                aria-describedby={`${id}-rate-hint${saved ? ` ${id}-rate-state` : ''}`}
                onInput={(event) =>
                  set({
                    deliveryRate: event.currentTarget.value,
                    deliveryRateUnreadable: event.currentTarget.validity.badInput,
                  })
                }
              />
            </div>
            <p id={`${id}-rate-hint`} class="hint">
              Empty: no limit. Otherwise at most this many <code>send_message</code> calls a second go to the client
              server, across all the channel's chats (spaced evenly), from {MIN_DELIVERY_RATE} to {MAX_DELIVERY_RATE}.
            </p>
            {saved && (
              <p id={`${id}-rate-state`} class="hint">
                Delivery rate limit: <strong>{deliveryRateText(saved.deliveryRateLimit)}</strong>
              </p>
            )}
          </div>
          <fieldset class="extensions" aria-describedby={`${id}-extensions-hint`}>
            <legend>Extensions</legend>
            <p id={`${id}-extensions-hint`} class="hint">
              Beyond the seed's protocol, all off by default: turn one on only if the client server accepts it.
            </p>
            <ExtensionCheck
              id={`${id}-files-hint`}
              checked={form.filesAsFiles}
              onChange={(checked) => set({ filesAsFiles: checked })}
              label="Send files as files"
            >
              A reply's file is sent as a <code>file_operator</code> message, not as its link in a text.
            </ExtensionCheck>
            <div class="field">
              <label for={`${id}-split`}>Split messages longer than</label>
              <div class="with-unit">
                <input
                  id={`${id}-split`}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={MAX_MESSAGE_LENGTH_LIMIT}
                  step={1}
                  value={form.maxMessageLength}
                  aria-describedby={`${id}-split-unit ${id}-split-hint`}
                  onInput={(event) =>
                    set({
                      maxMessageLength: event.currentTarget.value,
                      maxMessageLengthUnreadable: event.currentTarget.validity.badInput,
                    })
                  }
                />
                <span id={`${id}-split-unit`}>characters</span>
              </div>
              <p id={`${id}-split-hint`} class="hint">
                <span class="badge">Extension</span> A longer text reply is sent as several messages, split between
                words. Empty: no limit, every reply is sent whole.
              </p>
            </div>
            <ExtensionCheck
              id={`${id}-markdown-hint`}
              checked={form.stripMarkdown}
              onChange={(checked) => set({ stripMarkdown: checked })}
              label="Strip Markdown"
            >
              The Agent's Markdown is sent as plain text; links keep their URL.
            </ExtensionCheck>
            <ExtensionCheck
              id={`${id}-redirect-hint`}
              checked={form.redirectChat}
              onChange={(checked) => set({ redirectChat: checked })}
              label={
                <>
                  Hand chats to a human (<code>redirect_chat</code>)
                </>
              }
            >
              When the Agent hands a chat over, to an operator, a department or the general queue, it is sent as{' '}
              <code>redirect_chat</code>. Off: the handover is only recorded, as skipped.
            </ExtensionCheck>
            <ExtensionCheck
              id={`${id}-close-hint`}
              checked={form.closeChat}
              onChange={(checked) => set({ closeChat: checked })}
              label={
                <>
                  Close chats (<code>close_chat</code>)
                </>
              }
            >
              When the Agent closes a chat, it is sent as <code>close_chat</code>. Off: the closing is only recorded, as
              skipped.
            </ExtensionCheck>
          </fieldset>
        </fieldset>
        {error && <ErrorNotice error={error} />}
        {save.error?.code === 'AGENT_NOT_TRAINED' && (
          <p class="notice" role="status">
            Nothing was saved.
          </p>
        )}
        <Warnings warnings={warnings} />
        {notice && (
          <p class="notice ok" role="status">
            {notice}
          </p>
        )}
        {secret && <NewSigningSecret id={id} shown={secret} onDone={() => setSecret(null)} />}
        <div class="actions">
          <button type="submit" disabled={busy}>
            {save.busy ? 'Saving…' : 'Save'}
          </button>
          {saved && (
            <>
              <a class="button secondary" href={href.chats(saved.id)}>
                Chats
              </a>
              <button type="button" class="secondary" disabled={busy} onClick={() => setConfirm('rotate')}>
                Rotate token
              </button>
              <button type="button" class="danger" disabled={busy} onClick={() => setConfirm('delete')}>
                Delete
              </button>
            </>
          )}
          {!saved && (
            <button type="button" class="secondary" onClick={onDeleted}>
              Discard
            </button>
          )}
        </div>
      </form>
      {saved && <ReplayFailed id={id} channelId={saved.id} />}
      {saved && confirm === 'rotate' && (
        <ConfirmDialog
          title="Rotate the platform token?"
          confirm="Rotate token"
          danger
          onConfirm={() => void rotate.run(saved.id)}
          onClose={() => setConfirm(null)}
        >
          <p>
            The App.Chatbots webhook URL gets a new token. The current URL stops working at once: the client server's
            requests to it are refused until it uses the new URL.
          </p>
        </ConfirmDialog>
      )}
      {saved && confirm === 'rotate-secret' && (
        <ConfirmDialog
          title="Rotate the signing secret?"
          confirm="Rotate signing secret"
          danger
          onConfirm={() => void rotateSecret.run(saved.id)}
          onClose={() => setConfirm(null)}
        >
          {saved.signingSecretSet ? (
            <p>
              A new signing secret is issued and shown once. The current one stays valid for 24 hours: requests are
              signed with both, and the client server's posts signed with either are accepted, so it can switch over. If
              the secret was already rotated in the last 24 hours, the one before it stops working at once.
            </p>
          ) : (
            <p>
              The channel gets its first signing secret, shown once: from then on the service signs its requests to the
              client server with it.
            </p>
          )}
        </ConfirmDialog>
      )}
      {saved && confirm === 'delete' && (
        <ConfirmDialog
          title="Delete this channel?"
          confirm="Delete channel"
          danger
          onConfirm={() => void remove.run(saved.id)}
          onClose={() => setConfirm(null)}
        >
          <p>“{name}” is deleted with its chats and messages. Its App.Chatbots webhook URL stops working at once.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function ChannelsTab({ agent }: { agent: AgentRecord }) {
  const loaded = useLoad(() => api.listChannels(agent.agentId), [agent.agentId]);
  // Built once from the first list; from then on each editor owns its channel, so nothing typed is lost to a reload.
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [drafts, setDrafts] = useState(0);
  const addRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (entries === null && loaded.state === 'ready' && loaded.data) {
      setEntries(loaded.data.map((channel) => ({ key: channel.id, channel })));
    }
  }, [loaded.state, loaded.data, entries]);

  const add = (): void => {
    setEntries((list) => [...(list ?? []), { key: `draft-${drafts}` }]);
    setDrafts(drafts + 1);
  };
  const drop = (key: string): void => {
    setEntries((list) => (list ?? []).filter((entry) => entry.key !== key));
    addRef.current?.focus();
  };

  return (
    <>
      <div class="card inline-form">
        <div class="field">
          <label for="channel-type">Channel type</label>
          <select id="channel-type">
            <option value="omnichannel">Omnichannel</option>
          </select>
        </div>
        <button type="button" ref={addRef} onClick={add} disabled={entries === null}>
          Add another channel
        </button>
      </div>
      {entries === null ? (
        <Show loaded={loaded} what="channels">
          {() => <Loading what="channels" />}
        </Show>
      ) : entries.length === 0 ? (
        <p class="muted">This agent has no Omnichannel channel yet: add one.</p>
      ) : (
        entries.map((entry) => (
          <ChannelEditor key={entry.key} agent={agent} entry={entry} onDeleted={() => drop(entry.key)} />
        ))
      )}
    </>
  );
}

export function Agent({ agentId }: { agentId: string }) {
  const agent = useLoad(() => api.getAgent(agentId), [agentId]);
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(async (record: AgentRecord) => {
    await api.deleteAgent(record.agentId);
    flashNext(`The agent “${record.title ?? record.agentId}” was deleted with its channels.`);
    // Replaced, not pushed: Back must not lead to the deleted agent.
    location.replace(href.agents());
  });
  return (
    <main>
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href.agents()}>Agents</a> ›
      </nav>
      <Show loaded={agent} what="the agent">
        {(record) => (
          <>
            <ScreenHeading>{record.title ?? record.agentId}</ScreenHeading>
            <p class="muted">
              Agent <code>{record.agentId}</code> ·{' '}
              {record.trained ? (
                'trained'
              ) : (
                <span class="badge warn">not trained: its channels cannot be activated</span>
              )}
            </p>
            <div class="actions">
              <button type="button" class="danger" disabled={remove.busy} onClick={() => setConfirming(true)}>
                {remove.busy ? 'Deleting…' : 'Delete agent'}
              </button>
            </div>
            {remove.error && <ErrorNotice error={remove.error} />}
            {confirming && (
              <ConfirmDialog
                title="Delete this agent?"
                confirm="Delete agent"
                danger
                onConfirm={() => void remove.run(record)}
                onClose={() => setConfirming(false)}
              >
                <p>
                  “{record.title ?? record.agentId}” is deleted with all its channels, their chats and messages. The
                  channels' App.Chatbots webhook URLs stop working at once. This cannot be undone.
                </p>
              </ConfirmDialog>
            )}
            <div role="tablist" aria-label="Agent settings" class="tabs">
              <button type="button" role="tab" id="tab-channels" aria-selected="true" aria-controls="panel-channels">
                Channels
              </button>
            </div>
            <div role="tabpanel" id="panel-channels" aria-labelledby="tab-channels">
              <ChannelsTab agent={record} />
            </div>
          </>
        )}
      </Show>
    </main>
  );
}
