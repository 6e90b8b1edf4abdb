import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Chat as ChatRecord, type Message, type MessageAction, type MessageFile } from '../api';
import { href } from '../router';
import {
  ConfirmDialog,
  ErrorNotice,
  ScreenHeading,
  Show,
  Time,
  flashNext,
  useAction,
  useInterval,
  useLoad,
} from '../ui';
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

/** Pages of the chats list read to find a chat opened by its link (no list seen in this tab), 50 chats each. */
const LOOKUP_PAGES = 20;

/**
 * The chat as the chats list shows it (its client chat id, its visitor, its state): from the list seen, or read from
 * it (always when `fresh`: the state may have changed since).
 */
async function findChat(channelId: string, chatId: string, fresh: boolean): Promise<ChatRecord | null> {
  const known = knownChats.get(chatId);
  if (known && !fresh) return known;
  let cursor: string | undefined;
  for (let page = 0; page < LOOKUP_PAGES; page += 1) {
    const result = await api.listChats(channelId, cursor);
    for (const chat of result.items) knownChats.set(chat.id, chat);
    const found = result.items.find((chat) => chat.id === chatId);
    if (found) return found;
    if (!result.nextCursor) return null;
    cursor = result.nextCursor;
  }
  return null;
}

/**
 * What of the messages shown can go with a change of the chat's state: a message added (a visitor message opens the
 * chat, the client server's chat_closed closes it) or a status changed (the Agent's close delivered closes it).
 */
function messagesSignature(pages: MessagePage[]): string {
  const list = pages.flatMap((page) => page.items);
  const statuses = new Map<string, number>();
  for (const message of list) statuses.set(message.status, (statuses.get(message.status) ?? 0) + 1);
  return `${list.length} ${list.at(-1)?.id ?? ''} ${[...statuses].sort().join(' ')}`;
}

const CLOSED_BY = { agent: 'the Agent', client: 'the client server' } as const;

/** Whether the chat is open, or who closed it and when, in words (a badge beside, not instead). */
function ChatState({ chat }: { chat: ChatRecord }) {
  if (chat.state !== 'closed') {
    return (
      <p class="chat-state">
        <span class="badge open">Open</span>
      </p>
    );
  }
  return (
    <p class="chat-state">
      <span class="badge closed">Closed</span>
      {chat.closedBy ? ` by ${CLOSED_BY[chat.closedBy]}` : ''} at <Time value={chat.closedAt ?? undefined} />
    </p>
  );
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Saves `blob` as a file: the export needs the bearer token, so it is fetched, not linked. */
function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Export and erasure of the chat's visitor: every chat of that visitor.id in this channel, not only this one. */
function VisitorData({
  channelId,
  chat,
  onErasing,
}: {
  channelId: string;
  chat: ChatRecord;
  /** True while the erasure runs (the screen stops refreshing the chat), false again if it failed. */
  onErasing: (erasing: boolean) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const exported = useAction(async () => {
    const blob = await api.exportVisitor(channelId, chat.visitorId);
    saveFile(blob, `visitor-${chat.visitorId.replace(/[^\w.-]+/g, '_')}.json`);
  });
  const erase = useAction(async () => {
    onErasing(true);
    let erased;
    try {
      erased = await api.eraseVisitor(channelId, chat.visitorId);
    } catch (error) {
      onErasing(false);
      throw error;
    }
    knownChats.delete(chat.id);
    flashNext(
      `Visitor ${chat.visitorId} was erased: ${counted(erased.chats, 'chat')} and ${counted(erased.messages, 'message')} removed.`,
    );
    // Replaced, not pushed: Back must not lead to the erased chat.
    location.replace(href.chats(channelId));
  });
  const busy = exported.busy || erase.busy;
  return (
    <section class="card visitor" aria-labelledby="visitor-data-title">
      <h2 id="visitor-data-title">Visitor data</h2>
      <p class="hint">
        Visitor <code>{chat.visitorId}</code>: the export holds every chat of this visitor in this channel with its
        messages; erasing removes them.
      </p>
      <div class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={() => void exported.run()}>
          {exported.busy ? 'Exporting…' : 'Export visitor data'}
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(true)}>
          {erase.busy ? 'Erasing…' : 'Erase visitor'}
        </button>
      </div>
      {exported.error && <ErrorNotice error={exported.error} />}
      {erase.error && <ErrorNotice error={erase.error} />}
      {confirming && (
        <ConfirmDialog
          title="Erase this visitor's data?"
          confirm="Erase visitor"
          danger
          onConfirm={() => void erase.run()}
          onClose={() => setConfirming(false)}
        >
          <p>
            Every chat of visitor <code>{chat.visitorId}</code> in this channel is erased with all its messages, pending
            replies included: not only this chat. Nothing more is sent for them. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The Agent's action in words: where the chat was handed, or that it was closed. */
function actionText(action: MessageAction): string {
  if (action.type === 'close') return 'Chat closed';
  if (action.operatorId !== undefined) return `Handed to operator ${action.operatorId}`;
  if (action.departmentKey !== undefined) return `Handed to department ${action.departmentKey}`;
  return 'Handed to the general queue';
}

/** An inbound message that is the client server's event, not the visitor's, in words; null for a visitor's. */
function eventText(message: Message): string | null {
  if (message.direction === 'inbound' && message.kind === 'chat_closed') return 'The client server closed the chat';
  return null;
}

/** A reply's file: its name (or URL) as a link when the URL is http(s), else as text; its media type beside. */
function FileLine({ file }: { file: MessageFile }) {
  const label = file.name ?? file.url;
  return (
    <p class="file">
      File:{' '}
      {/^https?:\/\//i.test(file.url) ? (
        <a href={file.url} target="_blank" rel="noopener noreferrer">
          {label}
        </a>
      ) : (
        <span>{label}</span>
      )}
      {file.mediaType && <span class="muted"> ({file.mediaType})</span>}
    </p>
  );
}

function Content({ message }: { message: Message }) {
  const event = eventText(message);
  return (
    <>
      {message.action && <p class="text action">{actionText(message.action)}</p>}
      {event !== null && <p class="text action">{event}</p>}
      {event === null && message.text !== null && <p class="text">{message.text}</p>}
      {message.file && <FileLine file={message.file} />}
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
  const event = eventText(message) !== null;
  const from = event ? 'Client server' : message.direction === 'inbound' ? 'Visitor' : 'Agent';
  return (
    <li
      class={`message ${message.direction} status-${message.status}`}
      aria-label={`${from} ${event ? 'event' : 'message'}, ${message.status}`}
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
  // Stops while the visitor is being erased: the chat is about to be gone, and a refresh would only say so.
  const erasing = useRef(false);
  useInterval(() => {
    if (!erasing.current) messages.refresh();
  }, REFRESH_MS);
  // The chat (its state) is read from the list again whenever its messages change, the first read included: every
  // change of state comes with one (a message added, or the Agent's close delivered).
  const [chatReads, setChatReads] = useState(0);
  const chat = useLoad(() => findChat(channelId, chatId, chatReads > 0), [channelId, chatId, chatReads]);
  const signature = messages.data ? messagesSignature(messages.data) : undefined;
  useEffect(() => {
    if (signature !== undefined) setChatReads((reads) => reads + 1);
  }, [signature]);
  /** After a change made here (a retry, a message written), read everything again. */
  const readAgain = (): void => {
    shown.current = undefined;
    void messages.reload();
  };
  const known = chat.data ?? knownChats.get(chatId);
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
      {known && <ChatState chat={known} />}
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
      {known ? (
        <VisitorData channelId={channelId} chat={known} onErasing={(now) => (erasing.current = now)} />
      ) : (
        chat.state === 'ready' && (
          <p class="muted">This chat is not on the channel's chats list, so its visitor is not known here.</p>
        )
      )}
    </main>
  );
}
