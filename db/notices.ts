import type pg from 'pg';
import type { Db, Queryable } from './pool.js';

export interface NoticeRow {
  id: number;
  key: string;
  campaign_id: string;
  task_id: string | null;
  unit_id: string | null;
  kind: string;
  document_number: string;
  year: number;
  title: string;
  addressees: string;
  body: string;
  recipients: { to: string[]; cc: string[] };
  issued_at: Date;
}

export async function findNoticeByKey(db: Queryable, key: string): Promise<NoticeRow | undefined> {
  const { rows } = await db.query<NoticeRow>('SELECT * FROM notices WHERE key = $1', [key]);
  return rows[0];
}

/** The next number for prefix, word and year; gapless because it commits or rolls back with the notice. */
export async function allocateDocumentNumber(
  tx: pg.PoolClient,
  prefix: string,
  word: string,
  year: number,
): Promise<number> {
  const { rows } = await tx.query<{ last_number: number }>(
    `INSERT INTO document_sequences (prefix, word, year, last_number) VALUES ($1, $2, $3, 1)
     ON CONFLICT (prefix, word, year) DO UPDATE SET last_number = document_sequences.last_number + 1
     RETURNING last_number`,
    [prefix, word, year],
  );
  return rows[0].last_number;
}

export type NewNotice = Omit<NoticeRow, 'id' | 'issued_at'> & { issued_at: string };

export async function insertNotice(tx: pg.PoolClient, n: NewNotice): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO notices (key, campaign_id, task_id, unit_id, kind, document_number, year, title, addressees, body, recipients, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [
      n.key, n.campaign_id, n.task_id, n.unit_id, n.kind, n.document_number, n.year,
      n.title, n.addressees, n.body, n.recipients, n.issued_at,
    ],
  );
  return rows[0].id;
}

export interface OutboxMessage {
  id: number;
  notice_id: number;
  message_id: string;
  to_addresses: string[];
  cc_addresses: string[];
  subject: string;
  text_body: string;
  html_body: string;
  status: string;
  attempts: number;
}

export async function insertOutboxMessage(
  tx: pg.PoolClient,
  m: Pick<OutboxMessage, 'notice_id' | 'message_id' | 'to_addresses' | 'cc_addresses' | 'subject' | 'text_body' | 'html_body'>,
): Promise<void> {
  await tx.query(
    `INSERT INTO outbox (notice_id, message_id, to_addresses, cc_addresses, subject, text_body, html_body)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING`,
    [m.notice_id, m.message_id, m.to_addresses, m.cc_addresses, m.subject, m.text_body, m.html_body],
  );
}

/** Messages of a notice not yet accepted by SMTP, each counted as one more attempt. */
export async function claimUnsentMessages(db: Db, noticeId: number): Promise<OutboxMessage[]> {
  const { rows } = await db.query<OutboxMessage>(
    `UPDATE outbox SET attempts = attempts + 1
     WHERE notice_id = $1 AND status <> 'sent' RETURNING *`,
    [noticeId],
  );
  return rows;
}

export async function markMessageSent(db: Db, id: number): Promise<void> {
  await db.query(`UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1`, [id]);
}

export async function markMessageFailed(db: Db, id: number, error: string): Promise<void> {
  await db.query(`UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1`, [id, error]);
}

export async function listNotices(db: Queryable, campaignId: string): Promise<NoticeRow[]> {
  const { rows } = await db.query<NoticeRow>(
    'SELECT * FROM notices WHERE campaign_id = $1 ORDER BY issued_at, id',
    [campaignId],
  );
  return rows;
}
