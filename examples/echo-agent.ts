// An Agent runtime that echoes, for the compose demo (docs/protocol.md, section 3): every POST /events is answered
// with one reply, "Echo: <the visitor's text>".
//   PORT=8080 HOST=0.0.0.0 node examples/echo-agent.ts      (Node 24 runs TypeScript as is)
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/events') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    let text: string;
    try {
      text = String(
        (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message?: { text?: unknown } }).message?.text,
      );
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid JSON"}');
      return;
    }
    console.log(`event: "${text}"`);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ replies: [{ text: `Echo: ${text}` }] }));
  });
}).listen(port, host, () => console.log(`Echo Agent runtime on http://${host}:${port}/events`));
