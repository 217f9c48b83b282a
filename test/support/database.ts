// A clean database for each test file (or test): created, migrated, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { migrate } from '../../db/migrate.js';
import { createPool, type Db } from '../../db/pool.js';
import { dropDatabase, ensureDatabase } from '../../stack/postgres.js';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject('databaseUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const url = await ensureDatabase(serverUrl, name);
  const db = createPool(url);
  await migrate(db);
  return {
    url,
    db,
    async drop() {
      await db.end();
      await dropDatabase(serverUrl, name);
    },
  };
}
