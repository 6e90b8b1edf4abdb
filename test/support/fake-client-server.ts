import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  /** Date.now() when the request had arrived in full. */
  receivedAt: number;
  /** The status it was answered with; undefined while (or if) it hangs. */
  answeredStatus?: number;
}

export type Responder = (
  request: RecordedRequest,
) => { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number } | 'hang';

export interface FakeClientServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** TCP connections accepted, including those that never sent a request. */
  connections: number;
  respondWith(responder: Responder): void;
  close(): Promise<void>;
}

/** A client server on loopback that records every request and answers as told (200 {} by default); `port` 0: any. */
export async function startFakeClientServer(port = 0): Promise<FakeClientServer> {
  let responder: Responder = () => ({ status: 200, body: {} });
  const sockets = new Set<Socket>();
  const state = { requests: [] as RecordedRequest[], connections: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        json,
        receivedAt: Date.now(),
      };
      state.requests.push(recorded);
      const answer = responder(recorded);
      if (answer === 'hang') return;
      const send = (): void => {
        recorded.answeredStatus = answer.status;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.on('connection', (socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('fake client server is not listening');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    get requests() {
      return state.requests;
    },
    get connections() {
      return state.connections;
    },
    respondWith: (next) => {
      responder = next;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening: connections are refused (and a server may take it). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}
