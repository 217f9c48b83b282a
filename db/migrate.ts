// Applies db/migrations/NNNN_name.sql in order, each once, all in one transaction; creates the
// database itself on a fresh server.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any constant works; it only keeps two processes from migrating at once.
const MIGRATION_LOCK = 7_310_001;

export async function migrate(pool: pg.Pool): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.name));
    const pending = files.filter((f) => !applied.has(f));
    for (const file of pending) {
      await client.query(await readFile(MIGRATIONS_DIR + file, 'utf8'));
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
    }
    await client.query('COMMIT');
    return pending;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Creates the database `name` unless it exists, over a connection to another database of the server (postgres). */
/** Drops a database and ends the sessions still on it (a sandbox's, a test's). */
export async function dropDatabaseIfExists(server: Pick<pg.Client, 'query'>, name: string): Promise<void> {
  await server.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
}

export async function createDatabaseUnlessExists(server: Pick<pg.Client, 'query'>, name: string, options: { throwaway?: boolean } = {}): Promise<void> {
  const quoted = `"${name.replace(/"/g, '""')}"`;
  const { rowCount } = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (!rowCount) await server.query(`CREATE DATABASE ${quoted}`);
  // A sandbox dropped after use need not wait for its commits to reach the disk.
  if (options.throwaway) await server.query(`ALTER DATABASE ${quoted} SET synchronous_commit TO off`);
}
