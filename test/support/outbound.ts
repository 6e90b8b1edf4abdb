import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FakeClientServer, RecordedRequest } from './fake-client-server.js';

/** Polls `probe` until it returns a value other than undefined (or throws after `timeoutMs`). */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  what = 'the condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function sendMessages(client: FakeClientServer): RecordedRequest[] {
  return client.requests.filter((request) => request.url.split('?')[0].endsWith('/send_message'));
}

export interface AgentCall {
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export type AgentResponder = (
  call: AgentCall,
) => { status: number; body?: unknown; delayMs?: number } | 'hang' | 'close';

export interface FakeAgentStats {
  inFlight: number;
  maxInFlight: number;
}

export interface FakeAgentRuntime {
  url: string;
  calls: AgentCall[];
  /** Calls being answered right now, and the most there ever were at once. */
  stats: FakeAgentStats;
  respondWith(responder: AgentResponder): void;
  close(): Promise<void>;
}

/** The fake runtime's default answer: one reply, `Agent: <the visitor's text>`. */
export const agentEcho: AgentResponder = (call) => ({
  status: 200,
  body: { replies: [{ text: `Agent: ${(call.body.message as { text: string }).text}` }] },
});

/** The Agent runtime on loopback: records every POST /events and answers as told (one echo reply by default). */
export async function startFakeAgentRuntime(port = 0): Promise<FakeAgentRuntime> {
  let responder = agentEcho;
  const calls: AgentCall[] = [];
  const stats: FakeAgentStats = { inFlight: 0, maxInFlight: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url !== '/events' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const call = {
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        headers: req.headers,
      };
      calls.push(call);
      const answer = responder(call);
      if (answer === 'hang') return;
      if (answer === 'close') {
        req.socket.destroy();
        return;
      }
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      setTimeout(() => {
        stats.inFlight -= 1;
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      }, answer.delayMs ?? 0);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('fake agent runtime is not listening');
  return {
    url: `http://127.0.0.1:${address.port}`,
    calls,
    stats,
    respondWith: (next) => {
      responder = next;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
