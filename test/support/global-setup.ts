// Once per test run: one PostgreSQL server (DATABASE_URL's, else an embedded one) and the
// Temporal binaries in place, so that test files do not race to fetch them.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../stack/ports.js';
import { startEmbeddedPostgres } from '../../stack/postgres.js';
import { resolveTestServer } from '../../stack/temporal-binaries.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  await resolveTestServer();
  if (process.env.DATABASE_URL) {
    project.provide('databaseUrl', process.env.DATABASE_URL);
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-test-'));
  await chmod(dir, 0o755); // the embedded server may run as the `postgres` user
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
  project.provide('databaseUrl', pg.url);
  return async () => {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
