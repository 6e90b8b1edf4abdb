// The benchmark's yardstick: a bare node:http server doing the least a webhook must do, looking the channel
// up by token hash and INSERTing one row per request with pg. No framework, no validation, no queue.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 });
await pool.query(
  'CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, channel_id uuid NOT NULL, body jsonb NOT NULL)',
);

const server = createServer((req, res) => {
  const match = /^\/([^/]+)\/bot_api_webhook$/.exec(req.url ?? '');
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      if (!match || req.method !== 'POST') return send(res, 404, { error: 'Not found' });
      const hash = createHash('sha256').update(match[1]).digest();
      const found = await pool.query('SELECT id FROM channels WHERE token_hash = $1 AND active', [hash]);
      if (found.rowCount === 0) return send(res, 400, { error: 'There is no active channel for received event.' });
      await pool.query('INSERT INTO bench_baseline (channel_id, body) VALUES ($1, $2)', [
        found.rows[0].id,
        Buffer.concat(chunks).toString('utf8'),
      ]);
      send(res, 200, { result: 'ok' });
    } catch {
      send(res, 500, { error: 'Internal server error' });
    }
  });
});

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
