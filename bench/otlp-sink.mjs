// An OTLP/HTTP receiver that takes every export and counts it, for measuring the service with tracing on:
//   node bench/otlp-sink.mjs 4318 &  then  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 npm run bench:e2e
// Prints the exports and bytes received when stopped (SIGINT / SIGTERM).
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 4318);
let exports = 0;
let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (chunk) => (bytes += chunk.length));
  req.on('end', () => {
    exports += 1;
    const json = String(req.headers['content-type'] ?? '').includes('json');
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
  });
});
server.listen(port, '127.0.0.1', () => console.log(`otlp sink listening ${port}`));
const stop = () => {
  console.log(JSON.stringify({ exports, bytes }));
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
