// The end-to-end yardstick: the least a service can do for the whole loop (client webhook → Agent → send_message), as
// a bare node:http + pg process with no framework, no validation and no metrics, on tables of its own in the same
// database. It takes the same lane steps as the service: a one-statement accept (chat upsert making its Agent lane due,
// message insert), a due-time partial index per lane, claims of the top due chats FOR UPDATE SKIP LOCKED with a lease,
// the built-in echo as its Agent (`Echo: <text>`), `POST {STUB_URL}/send_message` with `Authorization: Token …` and an
// `Idempotency-Key`, and settles batched per lane (one statement for the outcomes that came together), wake-ups in
// process and a 250 ms poll. Every benchmark of the loop runs it beside the service to print a ratio: absolute figures
// on a shared machine move by 2× from one day to the next.
// Environment: BENCH_DATABASE_URL (the database), STUB_URL (the client server). Prints `listening <port>` when ready.
import { createServer } from 'node:http';
import { Agent, request } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 });
const stub = new URL(process.env.STUB_URL);
const keepAlive = new Agent({ keepAlive: true, maxSockets: 128 });
const SLOTS = { agent: 64, send: 128 };
const LEASE = "interval '30 seconds'";

await pool.query(`
  CREATE TABLE IF NOT EXISTS bare_chats (
    id bigserial PRIMARY KEY, client_chat_id text NOT NULL UNIQUE, visitor_id text NOT NULL,
    agent_due_at timestamptz, send_due_at timestamptz, inbound_seq bigint NOT NULL DEFAULT 0,
    outbound_seq bigint NOT NULL DEFAULT 0);
  CREATE INDEX IF NOT EXISTS bare_chats_agent_due ON bare_chats (agent_due_at) WHERE agent_due_at IS NOT NULL;
  CREATE INDEX IF NOT EXISTS bare_chats_send_due ON bare_chats (send_due_at) WHERE send_due_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS bare_messages (
    id bigserial PRIMARY KEY, chat_id bigint NOT NULL REFERENCES bare_chats, direction text NOT NULL,
    client_message_id text, text text NOT NULL, status text NOT NULL, attempts int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp());
  CREATE UNIQUE INDEX IF NOT EXISTS bare_messages_client_id ON bare_messages (client_message_id) WHERE client_message_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS bare_messages_pending ON bare_messages (chat_id, id) WHERE status IN ('received', 'queued');`);

const ACCEPT = `WITH chat AS (
    INSERT INTO bare_chats (client_chat_id, visitor_id, agent_due_at, inbound_seq) VALUES ($1, $2, now(), 1)
    ON CONFLICT (client_chat_id) DO UPDATE SET agent_due_at = COALESCE(bare_chats.agent_due_at, now()),
      inbound_seq = bare_chats.inbound_seq + 1
    RETURNING id)
  INSERT INTO bare_messages (chat_id, direction, client_message_id, text, status)
  SELECT id, 'in', $3, $4, 'received' FROM chat ON CONFLICT DO NOTHING RETURNING id`;

const claimSql = (due, pending, seq) => `WITH picked AS (
    SELECT id FROM bare_chats WHERE ${due} <= now() ORDER BY ${due} LIMIT $1 FOR UPDATE SKIP LOCKED)
  UPDATE bare_chats c SET ${due} = now() + ${LEASE} FROM picked WHERE c.id = picked.id
  RETURNING c.id, c.client_chat_id, c.${due}::text AS lease, c.${seq} AS seq,
    (SELECT json_build_object('id', m.id, 'text', m.text) FROM bare_messages m
     WHERE m.chat_id = c.id AND m.status = '${pending}' ORDER BY m.id LIMIT 1) AS message`;

// The next due time: now when another message of the lane waits, or arrived since the claim (the counter on the locked
// row, re-read at its latest, moved past the one claimed); otherwise idle.
const SETTLE_AGENT = `WITH s AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS s(chat_id bigint, lease timestamptz, seq bigint, message_id bigint, reply text)),
  locked AS (SELECT c.id FROM bare_chats c JOIN s ON s.chat_id = c.id AND c.agent_due_at = s.lease ORDER BY c.id FOR UPDATE OF c),
  done AS (UPDATE bare_messages m SET status = 'answered', attempts = attempts + 1 FROM s, locked
           WHERE m.id = s.message_id AND locked.id = s.chat_id RETURNING m.chat_id),
  replies AS (INSERT INTO bare_messages (chat_id, direction, text, status)
              SELECT s.chat_id, 'out', s.reply, 'queued' FROM s JOIN done ON done.chat_id = s.chat_id RETURNING chat_id)
  UPDATE bare_chats c SET
    agent_due_at = CASE WHEN c.inbound_seq <> s.seq OR EXISTS (SELECT 1 FROM bare_messages p WHERE p.chat_id = c.id
      AND p.status = 'received' AND p.id IS DISTINCT FROM s.message_id) THEN now() END,
    send_due_at = CASE WHEN s.reply IS NULL THEN c.send_due_at ELSE COALESCE(c.send_due_at, now()) END,
    outbound_seq = c.outbound_seq + (s.reply IS NOT NULL)::int
  FROM s, (SELECT count(*) FROM replies) n WHERE c.id = s.chat_id AND c.agent_due_at = s.lease
  RETURNING c.id, c.agent_due_at <= now() AS again`;

const SETTLE_SEND = `WITH s AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS s(chat_id bigint, lease timestamptz, seq bigint, message_id bigint)),
  locked AS (SELECT c.id FROM bare_chats c JOIN s ON s.chat_id = c.id AND c.send_due_at = s.lease ORDER BY c.id FOR UPDATE OF c),
  done AS (UPDATE bare_messages m SET status = 'delivered', attempts = attempts + 1 FROM s, locked
           WHERE m.id = s.message_id AND locked.id = s.chat_id RETURNING m.chat_id)
  UPDATE bare_chats c SET
    send_due_at = CASE WHEN c.outbound_seq <> s.seq OR EXISTS (SELECT 1 FROM bare_messages p WHERE p.chat_id = c.id
      AND p.status = 'queued' AND p.id IS DISTINCT FROM s.message_id) THEN now() END
  FROM s, (SELECT count(*) FROM done) n WHERE c.id = s.chat_id AND c.send_due_at = s.lease
  RETURNING c.id, c.send_due_at <= now() AS again`;

/** One lane: claim → work each chat → settle (outcomes that end within 2 ms of each other in one statement). */
function lane(name, due, pending, seq, slots, work, settleSql, after) {
  let active = 0;
  let pumping = false;
  let again = false;
  let batch = [];
  let timer = null;
  const flush = async () => {
    const items = batch;
    batch = [];
    timer = null;
    try {
      const { rows } = await pool.query(settleSql, [JSON.stringify(items.map((i) => i.row))]);
      for (const row of rows) if (row.again) again = true;
      after?.();
    } catch (error) {
      process.stderr.write(`${name} settle: ${error.message}\n`);
    }
    for (const item of items) item.done();
    wake();
  };
  const settle = (row) =>
    new Promise((done) => {
      batch.push({ row, done });
      timer ??= setTimeout(flush, 2);
    });
  const pump = async () => {
    pumping = true;
    try {
      do {
        again = false;
        const free = slots - active;
        if (free <= 0) break;
        const { rows } = await pool.query(claimSql(due, pending, seq), [Math.min(free, 50)]);
        for (const claim of rows) {
          active += 1;
          work(claim)
            .then((row) => settle(row))
            .catch((error) => process.stderr.write(`${name} work: ${error.message}\n`))
            .finally(() => {
              active -= 1;
            });
        }
        if (rows.length === Math.min(free, 50)) again = true;
      } while (again);
    } catch (error) {
      process.stderr.write(`${name} claim: ${error.message}\n`);
    } finally {
      pumping = false;
    }
  };
  const wake = () => {
    if (pumping) again = true;
    else void pump();
  };
  setInterval(wake, 250).unref();
  return wake;
}

let wakeSend = () => undefined;
const wakeAgent = lane(
  'agent',
  'agent_due_at',
  'received',
  'inbound_seq',
  SLOTS.agent,
  async (claim) => ({
    chat_id: claim.id,
    lease: claim.lease,
    seq: claim.seq,
    message_id: claim.message?.id ?? null,
    reply: claim.message ? `Echo: ${claim.message.text}` : null,
  }),
  SETTLE_AGENT,
  () => wakeSend(),
);
wakeSend = lane(
  'send',
  'send_due_at',
  'queued',
  'outbound_seq',
  SLOTS.send,
  async (claim) => {
    if (claim.message) await sendMessage(claim);
    return { chat_id: claim.id, lease: claim.lease, seq: claim.seq, message_id: claim.message?.id ?? null };
  },
  SETTLE_SEND,
);

function sendMessage(claim) {
  const body = JSON.stringify({
    chat_id: claim.client_chat_id,
    message: { id: String(claim.message.id), kind: 'operator', text: claim.message.text },
  });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent: keepAlive,
        host: stub.hostname,
        port: stub.port,
        path: '/send_message',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: 'Token bare',
          'idempotency-key': String(claim.message.id),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      if (!/^\/[^/]+\/bot_api_webhook$/.test(req.url ?? '') || req.method !== 'POST') return send(res, 404, {});
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      await pool.query(ACCEPT, [String(event.chat_id), event.visitor.id, event.message.id, event.message.text]);
      wakeAgent();
      send(res, 200, {});
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
