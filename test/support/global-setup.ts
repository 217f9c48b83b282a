// Once per test run: one PostgreSQL server (DATABASE_URL's, else an embedded one) and the
// Temporal binaries in place, so that test files do not race to fetch them.
import type { TestProject } from 'vitest/node';
import { startTemporaryPostgres } from '../../stack/postgres.js';
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
  const pg = await startTemporaryPostgres();
  project.provide('databaseUrl', pg.url);
  return () => pg.stop();
}
