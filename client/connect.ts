import { Client, Connection } from '@temporalio/client';
import { createPool, type Db } from '../db/pool.js';
import { endpoints } from './config.js';

/** Runs fn with a Temporal client, closing the connection afterwards. */
export async function withTemporal<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const { temporalAddress, namespace } = endpoints();
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: temporalAddress, connectTimeout: '5 seconds' });
  } catch (error) {
    throw new Error(
      `无法连接 Temporal（${temporalAddress}）：${(error as Error).message}。请先运行 npm start，或设置 TEMPORAL_ADDRESS。`,
      { cause: error },
    );
  }
  try {
    return await fn(new Client({ connection, namespace }));
  } finally {
    await connection.close();
  }
}

/** Runs fn with the database, closing the pool afterwards. */
export async function withDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const { databaseUrl } = endpoints();
  if (!databaseUrl) throw new Error('找不到数据库：请先运行 npm start，或设置 DATABASE_URL。');
  const db = createPool(databaseUrl, 2);
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}
