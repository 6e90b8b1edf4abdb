import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/agents/a-1`): the server serves one index.html and a reload keeps the screen. Ids are
 * percent-encoded in the hash; no credential is ever part of a route.
 */
export type Route =
  | { screen: 'agents' }
  | { screen: 'agent'; agentId: string }
  | { screen: 'chats'; channelId: string }
  | { screen: 'chat'; channelId: string; chatId: string }
  | { screen: 'tenants' }
  | { screen: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean);
  let decoded: string[];
  try {
    decoded = parts.map((part) => decodeURIComponent(part));
  } catch {
    return { screen: 'not-found', path };
  }
  const [first, second, third, fourth, fifth] = decoded;
  if (parts.length === 0) return { screen: 'agents' };
  if (first === 'agents' && parts.length === 1) return { screen: 'agents' };
  if (first === 'agents' && parts.length === 2) return { screen: 'agent', agentId: second };
  if (first === 'tenants' && parts.length === 1) return { screen: 'tenants' };
  if (first === 'channels' && third === 'chats' && parts.length === 3) return { screen: 'chats', channelId: second };
  if (first === 'channels' && third === 'chats' && parts.length === 4 && fifth === undefined) {
    return { screen: 'chat', channelId: second, chatId: fourth };
  }
  return { screen: 'not-found', path };
}

export const href = {
  agents: (): string => '#/agents',
  agent: (agentId: string): string => `#/agents/${encodeURIComponent(agentId)}`,
  chats: (channelId: string): string => `#/channels/${encodeURIComponent(channelId)}/chats`,
  chat: (channelId: string, chatId: string): string =>
    `#/channels/${encodeURIComponent(channelId)}/chats/${encodeURIComponent(chatId)}`,
  tenants: (): string => '#/tenants',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
