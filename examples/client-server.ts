// A minimal Omnichannel client server, to try channel-service by hand (README "Try it yourself").
// It answers the activation probe and set_webhook, prints every send_message it receives, and, once it knows the
// channel's platform webhook URL (from set_webhook), sends each line typed on stdin as a visitor message (`/bye`:
// closes the chat, a chat_closed event).
//   npm run example:client                 listens on 127.0.0.1:4000
//   PORT=4100 TOKEN=s3cret npm run example:client   another port; require `Authorization: Token s3cret`
//   HOST=0.0.0.0 GREETING=Hello …            listen on every interface (in a container); send GREETING as a visitor
//                                            message as soon as set_webhook arrives (the compose demo has no stdin)
//   SIGNING_SECRET=whsec_… npm run example:client   verify every request's Standard Webhooks signature, and sign the
//                                            visitor messages sent (for a channel with requireSignedWebhooks); or
//                                            type `/secret whsec_…` once the channel's creation has shown the secret
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import { createHmac, timingSafeEqual } from 'node:crypto';

const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? '127.0.0.1';
const token = process.env.TOKEN;
const greeting = process.env.GREETING;
let signingSecret: string | null = process.env.SIGNING_SECRET ?? null;

/**
 * Standard Webhooks, with nothing but node:crypto (this file runs without node_modules in the compose demo; the npm
 * packages `standardwebhooks` and `svix` do the same): base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the
 * base64 after `whsec_`.
 */
function sign(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}
let platformWebhookUrl: string | null = null;
let sent = 0;

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parsed(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** With a signing secret: whether the request is signed with it (docs/protocol.md, "Signed requests"). */
function signatureNote(req: IncomingMessage, text: string): string {
  if (signingSecret === null) return '';
  const id = String(req.headers['webhook-id'] ?? '');
  const timestamp = String(req.headers['webhook-timestamp'] ?? '');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 5 * 60) return '   [SIGNATURE INVALID: stale or no timestamp]';
  const expected = Buffer.from(sign(signingSecret, id, timestamp, text), 'base64');
  // Several signatures, space-separated, after a rotation: one that matches is enough.
  const matches = String(req.headers['webhook-signature'] ?? '')
    .split(' ')
    .map((part) => Buffer.from(part.replace(/^v1,/, ''), 'base64'))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
  return matches ? '   [signature ok]' : '   [SIGNATURE INVALID]';
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://client').pathname;
  if (req.method === 'GET') return reply(res, 200, { ok: true });
  if (token !== undefined && req.headers.authorization !== `Token ${token}`) {
    console.log(`${req.method} ${path}: refused, wrong or missing Authorization header`);
    return reply(res, 401, { error: 'unauthorized' });
  }
  const text = await readText(req);
  const body = parsed(text);
  const signed = signatureNote(req, text);
  if (path.endsWith('/set_webhook') && typeof body?.url === 'string') {
    platformWebhookUrl = body.url;
    console.log(
      `set_webhook: visitor messages go to ${platformWebhookUrl}${signed}\nType a line and press Enter to send it as a visitor message (/bye closes the chat).`,
    );
    reply(res, 200, { result: 'ok' });
    // Sent after the answer: the service is still activating the channel until set_webhook has been answered.
    if (greeting) setTimeout(() => void sendVisitorMessage(greeting), 500);
    return;
  }
  // Actions (docs/protocol.md, Extensions): only on a channel with capabilities.redirectChat / closeChat.
  if (path.endsWith('/redirect_chat') || path.endsWith('/close_chat')) {
    const to =
      body?.operator_id !== undefined
        ? ` to operator ${JSON.stringify(body.operator_id)}`
        : body?.dep_key !== undefined
          ? ` to department ${JSON.stringify(body.dep_key)}`
          : path.endsWith('/redirect_chat')
            ? ' to the general queue'
            : '';
    console.log(
      `${path.split('/').at(-1)} for chat ${JSON.stringify(body?.chat_id)}${to}   (Idempotency-Key ${req.headers['idempotency-key']})${signed}`,
    );
    return reply(res, 200, { result: 'ok' });
  }
  if (path.endsWith('/send_message')) {
    const message = (body?.message ?? {}) as { kind?: string; text?: string; buttons?: unknown; data?: unknown };
    // file_operator: only on a channel with capabilities.files "file" (docs/protocol.md, Extensions).
    const content =
      message.kind === 'keyboard'
        ? `buttons ${JSON.stringify(message.buttons)}`
        : message.kind === 'file_operator'
          ? `file ${JSON.stringify(message.data)}`
          : message.text;
    console.log(
      `send_message to chat ${JSON.stringify(body?.chat_id)} [${message.kind}] ${content}   (Idempotency-Key ${req.headers['idempotency-key']})${signed}`,
    );
    return reply(res, 200, { result: 'ok' });
  }
  reply(res, 404, { error: 'unknown method' });
});

async function sendVisitorMessage(text: string): Promise<void> {
  if (platformWebhookUrl === null) {
    console.log('No channel yet: create an active channel whose webhookUrl is this server, then type again.');
    return;
  }
  sent += 1;
  // `/bye` closes the chat from this side (docs/protocol.md, row 6b: the Agent runtime is told); anything else is a
  // visitor message, which also reopens a closed chat.
  const event =
    text.trim() === '/bye'
      ? { event: 'chat_closed', chat_id: 1 }
      : {
          event: 'new_message',
          chat_id: 1,
          visitor: { id: 'visitor-1', fields: { name: 'You' } },
          message: { id: `example-${Date.now()}-${sent}`, kind: 'visitor', text },
        };
  const payload = JSON.stringify(event);
  // Signed as the service signs (Standard Webhooks), for a channel with requireSignedWebhooks.
  const id = `example-${Date.now()}-${sent}`;
  const now = new Date();
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature: Record<string, string> =
    signingSecret === null
      ? {}
      : {
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': `v1,${sign(signingSecret, id, timestamp, payload)}`,
        };
  const res = await fetch(platformWebhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signature },
    body: payload,
  }).catch((error: Error) => error);
  console.log(
    res instanceof Error
      ? `visitor message not sent: ${res.message}`
      : `${event.event === 'chat_closed' ? 'chat_closed' : `visitor message "${text}"`} → ${res.status} ${await res.text()}`,
  );
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const secret = /^\/secret\s+(\S+)$/.exec(line.trim());
  if (secret) {
    signingSecret = secret[1];
    console.log('Signing secret set: requests are verified, and visitor messages signed, with it.');
  } else if (line.trim()) void sendVisitorMessage(line);
});

server.listen(port, host, () =>
  console.log(`Example client server on http://${host}:${port} (use it as the channel's webhookUrl)`),
);
