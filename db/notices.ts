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
  /** The ladder rung this notice is (1-based), or null. */
  rung: number | null;
  /** 发文机关 */
  issuer: string;
  /** 落款 */
  signature: string;
  /** 成文日期, e.g. 2021年6月30日 */
  date_written: string;
  details: Record<string, unknown>;
  calendar_warning: string | null;
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

/**
 * Takes `count` numbers at once for prefix, word and year: answers the last, the first being
 * last − count + 1. Gapless like allocateDocumentNumber: the counter moves with the notices' commit.
 */
export async function allocateDocumentNumbers(tx: pg.PoolClient, prefix: string, word: string, year: number, count: number): Promise<number> {
  const { rows } = await tx.query<{ last_number: number }>(
    `INSERT INTO document_sequences (prefix, word, year, last_number) VALUES ($1, $2, $3, $4)
     ON CONFLICT (prefix, word, year) DO UPDATE SET last_number = document_sequences.last_number + $4
     RETURNING last_number`,
    [prefix, word, year, count],
  );
  return rows[0].last_number;
}

/** The notices already issued under any of these keys. */
export async function findNoticesByKeys(db: Queryable, keys: string[]): Promise<NoticeRow[]> {
  const { rows } = await db.query<NoticeRow>('SELECT * FROM notices WHERE key = ANY ($1)', [keys]);
  return rows;
}

export type NewNotice = Omit<NoticeRow, 'id' | 'issued_at'> & { issued_at: string };

export async function insertNotice(tx: pg.PoolClient, n: NewNotice): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO notices (key, campaign_id, task_id, unit_id, kind, document_number, year, title, addressees, body, recipients, issued_at,
                          rung, issuer, signature, date_written, details, calendar_warning)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
    [
      n.key, n.campaign_id, n.task_id, n.unit_id, n.kind, n.document_number, n.year,
      n.title, n.addressees, n.body, n.recipients, n.issued_at,
      n.rung, n.issuer, n.signature, n.date_written, n.details, n.calendar_warning,
    ],
  );
  return rows[0].id;
}

export async function findNoticeByNumber(db: Queryable, documentNumber: string): Promise<NoticeRow | undefined> {
  const { rows } = await db.query<NoticeRow>('SELECT * FROM notices WHERE document_number = $1', [documentNumber]);
  return rows[0];
}

export async function findNoticeById(db: Queryable, id: number): Promise<NoticeRow | undefined> {
  const { rows } = await db.query<NoticeRow>('SELECT * FROM notices WHERE id = $1', [id]);
  return rows[0];
}

export async function listTaskNotices(db: Queryable, campaignId: string, taskId: string): Promise<NoticeRow[]> {
  const { rows } = await db.query<NoticeRow>(
    'SELECT * FROM notices WHERE campaign_id = $1 AND task_id = $2 ORDER BY issued_at, id',
    [campaignId, taskId],
  );
  return rows;
}

export interface NoticeAttachment {
  name: string;
  content_type: string;
  content: Buffer;
  /** Shown inside the HTML mail (<img src="cid:…">) rather than attached: its Content-ID. */
  content_id?: string | null;
}

export async function insertNoticeAttachment(tx: Queryable, noticeId: number, a: NoticeAttachment): Promise<void> {
  await tx.query(
    `INSERT INTO notice_attachments (notice_id, name, content_type, content, content_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (notice_id, name) DO NOTHING`,
    [noticeId, a.name, a.content_type, a.content, a.content_id ?? null],
  );
}

/** The attachments of several notices, each with its notice. */
export async function listAttachmentsOfNotices(db: Queryable, noticeIds: number[]): Promise<(NoticeAttachment & { notice_id: number })[]> {
  const { rows } = await db.query<NoticeAttachment & { notice_id: number }>(
    'SELECT notice_id, name, content_type, content, content_id FROM notice_attachments WHERE notice_id = ANY ($1) ORDER BY id',
    [noticeIds],
  );
  return rows;
}

export async function listNoticeAttachments(db: Queryable, noticeId: number): Promise<NoticeAttachment[]> {
  const { rows } = await db.query<NoticeAttachment>(
    'SELECT name, content_type, content FROM notice_attachments WHERE notice_id = $1 ORDER BY id',
    [noticeId],
  );
  return rows;
}

/** A deduction (negative points) or score in the year-end performance ledger (年终绩效); a repeated key is a no-op. */
export async function insertLedgerEntry(
  tx: Queryable,
  e: { key: string; campaignId: string; unitId: string; year: number; points: number; reason: string; noticeId?: number; occurredAt: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO performance_ledger (key, campaign_id, unit_id, year, points, reason, notice_id, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key) DO NOTHING`,
    [e.key, e.campaignId, e.unitId, e.year, e.points, e.reason, e.noticeId ?? null, e.occurredAt],
  );
}

export interface OutboxReceipt {
  notice_id: number;
  message_id: string;
  to_addresses: string[];
  cc_addresses: string[];
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
}

/** Delivery receipts of a task's notices, oldest first. */
export async function listTaskOutbox(db: Queryable, campaignId: string, taskId: string): Promise<OutboxReceipt[]> {
  const { rows } = await db.query<OutboxReceipt>(
    `SELECT o.notice_id, o.message_id, o.to_addresses, o.cc_addresses, o.status, o.attempts, o.last_error, o.sent_at
     FROM outbox o JOIN notices n ON n.id = o.notice_id
     WHERE n.campaign_id = $1 AND n.task_id = $2 ORDER BY o.id`,
    [campaignId, taskId],
  );
  return rows;
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

/** Messages of these notices not yet accepted by SMTP, each counted as one more attempt, in the order they were queued. */
export async function claimUnsentMessages(db: Db, noticeIds: number[]): Promise<OutboxMessage[]> {
  const { rows } = await db.query<OutboxMessage>(
    `UPDATE outbox SET attempts = attempts + 1
     WHERE notice_id = ANY ($1) AND status <> 'sent' RETURNING *`,
    [noticeIds],
  );
  return rows.sort((a, b) => a.id - b.id);
}

export async function markMessagesSent(db: Db, ids: number[]): Promise<void> {
  await db.query(`UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = ANY ($1)`, [ids]);
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
