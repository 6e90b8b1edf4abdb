import { useRef, useState } from 'preact/hooks';
import { api, type Message } from '../api';
import { href } from '../router';
import { ErrorNotice, ScreenHeading, Show, Time, useAction, useInterval, useLoad } from '../ui';
import { knownChats } from './Chats';

const REFRESH_MS = 3000;

/** One page of the chat's messages as read, with the cursor that read it (undefined: the first page). */
interface MessagePage {
  cursor: string | undefined;
  items: Message[];
  next: string | null;
}

/** Pages read when the chat opens (of up to 200 messages each), so a long chat's newest messages are on screen. */
const PAGES_AT_OPEN = 10;
const OPEN_STATUSES = new Set(['queued', 'received']);

/**
 * The chat's messages, oldest first, up to `wanted` pages. A refresh (`previous` given) keeps the pages before the
 * first one holding a message that can still change (queued or received) and reads from there on: the last page at
 * least, where new messages arrive. The API's keyset pages never skip or repeat a message while new ones arrive.
 */
async function readChat(
  channelId: string,
  chatId: string,
  previous: MessagePage[] | undefined,
  wanted: number,
): Promise<MessagePage[]> {
  let start = 0;
  if (previous && previous.length > 0) {
    const open = previous.findIndex((page) => page.items.some((message) => OPEN_STATUSES.has(message.status)));
    start = open === -1 ? previous.length - 1 : open;
  }
  const pages = previous ? previous.slice(0, start) : [];
  let cursor = previous && start > 0 ? previous[start].cursor : undefined;
  while (pages.length < wanted) {
    const result = await api.listMessages(channelId, chatId, cursor);
    pages.push({ cursor, items: result.items, next: result.nextCursor });
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return pages;
}

function Content({ message }: { message: Message }) {
  return (
    <>
      {message.text !== null && <p class="text">{message.text}</p>}
      {message.buttons && (
        <ul class="buttons" aria-label="Buttons">
          {message.buttons.flat().map((button) => (
            <li key={button.id}>
              <span class="chip">{button.text}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function MessageItem({ message, onRetried }: { message: Message; onRetried: () => void }) {
  const retry = useAction(async () => {
    await api.retryMessage(message.id);
    onRetried();
  });
  const from = message.direction === 'inbound' ? 'Visitor' : 'Agent';
  return (
    <li
      class={`message ${message.direction} status-${message.status}`}
      aria-label={`${from} message, ${message.status}`}
    >
      <div class="meta">
        <span class="who">{from}</span>
        <span class="kind">{message.kind}</span>
        <span class={`badge status ${message.status}`}>{message.status}</span>
      </div>
      <Content message={message} />
      <dl class="facts">
        <div>
          <dt>Attempts</dt>
          <dd>{message.attempts}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <Time value={message.createdAt} />
          </dd>
        </div>
        {message.direction === 'outbound' && (
          <div>
            <dt>Delivered</dt>
            <dd>
              <Time value={message.deliveredAt} />
            </dd>
          </div>
        )}
        {message.lastError && (
          <div class="last-error">
            <dt>Last error</dt>
            <dd>{message.lastError}</dd>
          </div>
        )}
      </dl>
      {message.status === 'failed' && message.direction === 'outbound' && (
        <button type="button" disabled={retry.busy} onClick={() => void retry.run()}>
          {retry.busy ? 'Retrying…' : 'Retry'}
        </button>
      )}
      {retry.error && <ErrorNotice error={retry.error} />}
    </li>
  );
}

function WriteFirst({ channelId, chatId, onSent }: { channelId: string; chatId: string; onSent: () => void }) {
  const [text, setText] = useState('');
  const send = useAction(async () => {
    await api.writeMessage(channelId, chatId, text);
    setText('');
    onSent();
  });
  return (
    <form
      class="card write"
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim() !== '') void send.run();
      }}
    >
      <label for="write-text">Message from the Agent</label>
      <textarea
        id="write-text"
        rows={2}
        value={text}
        aria-describedby="write-hint"
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <p id="write-hint" class="hint">
        Queued and sent to the client server like an Agent reply.
      </p>
      {send.error && <ErrorNotice error={send.error} />}
      <button type="submit" disabled={send.busy || text.trim() === ''}>
        {send.busy ? 'Sending…' : 'Send'}
      </button>
    </form>
  );
}

export function Chat({ channelId, chatId }: { channelId: string; chatId: string }) {
  const [wanted, setWanted] = useState(PAGES_AT_OPEN);
  const shown = useRef<MessagePage[] | undefined>(undefined);
  const messages = useLoad(async () => {
    const pages = await readChat(channelId, chatId, shown.current, Math.max(wanted, shown.current?.length ?? 0));
    shown.current = pages;
    return pages;
  }, [channelId, chatId, wanted]);
  useInterval(messages.refresh, REFRESH_MS);
  /** After a change made here (a retry, a message written), read everything again. */
  const readAgain = (): void => {
    shown.current = undefined;
    void messages.reload();
  };
  const known = knownChats.get(chatId);
  return (
    <main>
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href.agents()}>Agents</a> › <a href={href.chats(channelId)}>Chats</a> ›
      </nav>
      <ScreenHeading>Chat {known ? String(known.clientChatId) : ''}</ScreenHeading>
      <p class="muted">
        {known ? (
          <>
            Visitor <code>{known.visitorId}</code> ·{' '}
          </>
        ) : null}
        Messages in order. This page refreshes every {REFRESH_MS / 1000} seconds.
      </p>
      <Show loaded={messages} what="messages">
        {(pages) => {
          const list = pages.flatMap((page) => page.items);
          const more = pages.length > 0 && pages[pages.length - 1].next !== null;
          return (
            <>
              {list.length === 0 ? (
                <p class="notice">No message in this chat yet.</p>
              ) : (
                <ol class="messages" aria-label="Messages">
                  {list.map((message) => (
                    <MessageItem key={message.id} message={message} onRetried={readAgain} />
                  ))}
                </ol>
              )}
              {more && (
                <button
                  type="button"
                  class="secondary"
                  disabled={messages.state === 'loading'}
                  onClick={() => setWanted(pages.length + 1)}
                >
                  {messages.state === 'loading' ? 'Loading…' : 'Load more'}
                </button>
              )}
            </>
          );
        }}
      </Show>
      <WriteFirst channelId={channelId} chatId={chatId} onSent={readAgain} />
    </main>
  );
}
