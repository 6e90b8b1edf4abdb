import { useState } from 'preact/hooks';
import { api, type Chat } from '../api';
import { href } from '../router';
import { ErrorNotice, Flash, ScreenHeading, Show, Time, readPages, useFlash, useInterval, useLoad } from '../ui';

/** Client chat ids seen on the chats list, so the chat screen can title itself without another request. */
export const knownChats = new Map<string, Chat>();

const REFRESH_MS = 5000;

export function Chats({ channelId }: { channelId: string }) {
  const channel = useLoad(() => api.getChannel(channelId), [channelId]);
  // The pages shown so far are read again on each refresh: new activity moves a chat to the top, so an older page
  // kept as it was fetched could lose a chat that moved out of it.
  const [pages, setPages] = useState(1);
  const chats = useLoad(() => readPages((cursor) => api.listChats(channelId, cursor), pages), [channelId, pages]);
  useInterval(chats.refresh, REFRESH_MS);
  const flash = useFlash();

  return (
    <main>
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href.agents()}>Agents</a> ›{' '}
        {channel.data && <a href={href.agent(channel.data.agentId)}>{channel.data.agentId}</a>} ›
      </nav>
      <ScreenHeading>Chats{channel.data ? ` of ${channel.data.title || 'an untitled channel'}` : ''}</ScreenHeading>
      <Flash message={flash} />
      {channel.error && <ErrorNotice error={channel.error} onRetry={() => void channel.reload()} />}
      <p class="muted">Newest activity first. This list refreshes every {REFRESH_MS / 1000} seconds.</p>
      <Show loaded={chats} what="chats">
        {({ items, more }) => {
          for (const chat of items) knownChats.set(chat.id, chat);
          if (items.length === 0) return <p class="notice">No chat yet: none has reached this channel.</p>;
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
                    {items.map((chat) => (
                      <tr key={chat.id}>
                        <td>
                          <a href={href.chat(channelId, chat.id)}>Chat {String(chat.clientChatId)}</a>
                          {chat.state === 'closed' && (
                            <>
                              {' '}
                              <span class="badge closed">Closed</span>
                            </>
                          )}
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
              {more && (
                <button
                  type="button"
                  class="secondary"
                  disabled={chats.state === 'loading'}
                  onClick={() => setPages(pages + 1)}
                >
                  {chats.state === 'loading' ? 'Loading…' : 'Load more'}
                </button>
              )}
            </>
          );
        }}
      </Show>
    </main>
  );
}
