import { useState } from 'preact/hooks';
import { api, type Message } from '../api';
import { href } from '../router';
import { ErrorNotice, ScreenHeading, Show, Time, useAction, useInterval, useLoad } from '../ui';
import { knownChats } from './Chats';

const REFRESH_MS = 3000;

/**
 * The chat's first `pages` pages of messages, oldest first (the API's keyset pages never skip or repeat a message
 * while new ones arrive). A refresh reads the same pages again, so statuses and new messages show.
 */
async function loadPages(
  channelId: string,
  chatId: string,
  pages: number,
): Promise<{ messages: Message[]; more: boolean }> {
  const messages: Message[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < pages; page += 1) {
    const result = await api.listMessages(channelId, chatId, cursor);
    messages.push(...result.items);
    if (!result.nextCursor) return { messages, more: false };
    cursor = result.nextCursor;
  }
  return { messages, more: true };
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
  const [pages, setPages] = useState(1);
  const messages = useLoad(() => loadPages(channelId, chatId, pages), [channelId, chatId, pages]);
  useInterval(() => void messages.reload(), REFRESH_MS);
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
        {({ messages: list, more }) => (
          <>
            {list.length === 0 ? (
              <p class="notice">No message in this chat yet.</p>
            ) : (
              <ol class="messages" aria-label="Messages">
                {list.map((message) => (
                  <MessageItem key={message.id} message={message} onRetried={() => void messages.reload()} />
                ))}
              </ol>
            )}
            {more && (
              <button type="button" class="secondary" onClick={() => setPages(pages + 1)}>
                Load more
              </button>
            )}
          </>
        )}
      </Show>
      <WriteFirst channelId={channelId} chatId={chatId} onSent={() => void messages.reload()} />
    </main>
  );
}
