import pg from 'pg';

// Dates stay 'YYYY-MM-DD' strings: a civil date has no time zone to be shifted into.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
// Counts and sums come back as numbers; ours never approach 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export type Db = pg.Pool;

/** `connectionTimeoutMillis`: give up on a server that does not answer (default: wait as long as the system does). */
export function createPool(connectionString: string, max = 10, options: { connectionTimeoutMillis?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString, max, ...options });
  // A client losing its server (a restart) must not crash the process: an idle one is dropped by the
  // pool, a busy one fails its query (and the activity retries); the next connection reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Runs fn in one transaction. */
export async function inTransaction<T>(db: Db, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** The database answers (`SELECT 1`); rejects with the driver's error when it does not. */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
