import { useState } from 'preact/hooks';
import { api, type Chat, type Page } from '../api';
import { href } from '../router';
import { ErrorNotice, ScreenHeading, Show, Time, useAction, useInterval, useLoad } from '../ui';

/** Client chat ids seen on the chats list, so the chat screen can title itself without another request. */
export const knownChats = new Map<string, Chat>();

const REFRESH_MS = 5000;

export function Chats({ channelId }: { channelId: string }) {
  const channel = useLoad(() => api.getChannel(channelId), [channelId]);
  // The first page refreshes while the screen is open; "Load more" appends older pages, which do not change order.
  const first = useLoad(() => api.listChats(channelId), [channelId]);
  const [more, setMore] = useState<Page<Chat>[]>([]);
  useInterval(() => void first.reload(), REFRESH_MS);
  const loadMore = useAction(async (cursor: string) => {
    const page = await api.listChats(channelId, cursor);
    setMore((pages) => [...pages, page]);
  });

  return (
    <main>
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href.agents()}>Agents</a> ›{' '}
        {channel.data && <a href={href.agent(channel.data.agentId)}>{channel.data.agentId}</a>} ›
      </nav>
      <ScreenHeading>Chats{channel.data ? ` of ${channel.data.title || 'an untitled channel'}` : ''}</ScreenHeading>
      {channel.state === 'error' && <ErrorNotice error={channel.error} onRetry={() => void channel.reload()} />}
      <p class="muted">Newest activity first. This list refreshes every {REFRESH_MS / 1000} seconds.</p>
      <Show loaded={first} what="chats">
        {(page) => {
          const seen = new Set<string>();
          const chats = [page, ...more]
            .flatMap((p) => p.items)
            .filter((chat) => (seen.has(chat.id) ? false : (seen.add(chat.id), true)));
          for (const chat of chats) knownChats.set(chat.id, chat);
          const cursor = more.length > 0 ? more[more.length - 1].nextCursor : page.nextCursor;
          if (chats.length === 0) return <p class="notice">No chat yet: none has reached this channel.</p>;
          return (
            <>
              <div class="table-wrap">
                <table>
                  <caption class="visually-hidden">Chats of this channel</caption>
                  <thead>
                    <tr>
                      <th scope="col">Chat</th>
                      <th scope="col">Visitor</th>
                      <th scope="col">Last activity</th>
                      <th scope="col">Started</th>
                    </tr>
                  </thead>
                  <tbody>
                    {chats.map((chat) => (
                      <tr key={chat.id}>
                        <td>
                          <a href={href.chat(channelId, chat.id)}>Chat {String(chat.clientChatId)}</a>
                        </td>
                        <td>
                          {chat.variables.name ? `${chat.variables.name} ` : ''}
                          <code>{chat.visitorId}</code>
                        </td>
                        <td>
                          <Time value={chat.lastMessageAt} />
                        </td>
                        <td>
                          <Time value={chat.createdAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {loadMore.error && <ErrorNotice error={loadMore.error} />}
              {cursor && (
                <button
                  type="button"
                  class="secondary"
                  disabled={loadMore.busy}
                  onClick={() => void loadMore.run(cursor)}
                >
                  {loadMore.busy ? 'Loading…' : 'Load more'}
                </button>
              )}
            </>
          );
        }}
      </Show>
    </main>
  );
}
