// Rung notices gathered per unit and day (migration 0020, docs/notices.md): the batch, its member
// tasks, and the lock that keeps a join and a seal apart.
import type pg from 'pg';
import type { Queryable } from './pool.js';

/** Serialises joins and the seal of one gather, until the caller's transaction ends. */
export async function lockGather(tx: pg.PoolClient, gatherKey: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [gatherKey]);
}

export interface BatchMembership {
  notice_id: number;
  gather_key: string;
  document_number: string;
  /** This member opened the batch: its activity seals and sends it. */
  sender: boolean;
}

/** The batch a task's notice key joined, if it did. */
export async function findBatchMembership(db: Queryable, key: string): Promise<BatchMembership | undefined> {
  const { rows } = await db.query<BatchMembership>(
    `SELECT m.notice_id, b.gather_key, n.document_number, b.sender_key = m.key AS sender
     FROM notice_batch_members m JOIN notices n ON n.id = m.notice_id JOIN notice_batches b ON b.notice_id = m.notice_id
     WHERE m.key = $1`,
    [key],
  );
  return rows[0];
}

/** The gather's batch still open for members (under lockGather: and stays open until the caller commits). */
export async function findOpenBatch(db: Queryable, gatherKey: string): Promise<{ notice_id: number; document_number: string } | undefined> {
  const { rows } = await db.query<{ notice_id: number; document_number: string }>(
    `SELECT b.notice_id, n.document_number FROM notice_batches b JOIN notices n ON n.id = b.notice_id
     WHERE b.gather_key = $1 AND b.sealed_at IS NULL`,
    [gatherKey],
  );
  return rows[0];
}

export async function insertNoticeBatch(tx: pg.PoolClient, b: { noticeId: number; gatherKey: string; senderKey: string }): Promise<void> {
  await tx.query('INSERT INTO notice_batches (notice_id, gather_key, sender_key) VALUES ($1, $2, $3)', [b.noticeId, b.gatherKey, b.senderKey]);
}

/** Adds a task to a batch and restarts the batch's quiet window. */
export async function insertBatchMember(
  tx: pg.PoolClient,
  m: { key: string; noticeId: number; taskId: string; request: Record<string, unknown> },
): Promise<void> {
  await tx.query(
    `WITH joined AS (
       INSERT INTO notice_batch_members (key, notice_id, task_id, request) VALUES ($1, $2, $3, $4) RETURNING notice_id
     )
     UPDATE notice_batches SET last_joined_at = now() WHERE notice_id IN (SELECT notice_id FROM joined)`,
    [m.key, m.noticeId, m.taskId, m.request],
  );
}

export interface BatchClock {
  /** Milliseconds since the batch opened and since its last member joined, by the database's clock. */
  open_ms: number;
  quiet_ms: number;
  sealed: boolean;
}

export async function batchClock(db: Queryable, noticeId: number): Promise<BatchClock> {
  const { rows } = await db.query<BatchClock>(
    `SELECT (extract(epoch FROM clock_timestamp() - opened_at) * 1000)::float8 AS open_ms,
            (extract(epoch FROM clock_timestamp() - last_joined_at) * 1000)::float8 AS quiet_ms,
            sealed_at IS NOT NULL AS sealed
     FROM notice_batches WHERE notice_id = $1`,
    [noticeId],
  );
  return rows[0];
}

/** Closes the batch to new members; false when it was sealed before (a retried sender). */
export async function sealBatch(tx: pg.PoolClient, noticeId: number): Promise<boolean> {
  const { rowCount } = await tx.query('UPDATE notice_batches SET sealed_at = now() WHERE notice_id = $1 AND sealed_at IS NULL', [noticeId]);
  return Boolean(rowCount);
}

export interface BatchMember {
  key: string;
  task_id: string;
  request: Record<string, unknown>;
}

/** The batch's tasks in the order they joined. */
export async function listBatchMembers(db: Queryable, noticeId: number): Promise<BatchMember[]> {
  const { rows } = await db.query<BatchMember>(
    'SELECT key, task_id, request FROM notice_batch_members WHERE notice_id = $1 ORDER BY joined_at, key',
    [noticeId],
  );
  return rows;
}

/** The sealed batch's document, listing every member, replaces the one its first task opened it with. */
export async function updateNoticeDocument(
  tx: pg.PoolClient,
  noticeId: number,
  d: {
    /** The task, when the batch holds one; null when it lists several. */
    task_id: string | null;
    title: string;
    addressees: string;
    body: string;
    recipients: { to: string[]; cc: string[] };
    details: Record<string, unknown>;
  },
): Promise<void> {
  await tx.query(
    'UPDATE notices SET task_id = $2, title = $3, addressees = $4, body = $5, recipients = $6, details = $7 WHERE id = $1',
    [noticeId, d.task_id, d.title, d.addressees, d.body, d.recipients, d.details],
  );
}
