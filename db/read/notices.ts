// The console's notice register (通知登记) and one notice as the register shows it.
import type { NoticeRow } from '../notices.js';
import type { Queryable } from '../pool.js';

/** A notice as the register lists it. */
export interface NoticeListRow {
  id: number;
  campaign_id: string;
  task_id: string | null;
  unit_id: string | null;
  kind: string;
  document_number: string;
  title: string;
  recipients: { to?: string[]; cc?: string[] } | null;
  issued_at: Date;
}

export interface NoticeRowFilter {
  campaignId?: string;
  kind?: string;
  taskId?: string;
}

/** One page of notices, newest first, each with the number of all that match. */
export async function listNoticeRows(
  db: Queryable,
  filter: NoticeRowFilter,
  page: { limit: number; offset: number },
): Promise<(NoticeListRow & { total: number })[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of [
    ['campaign_id', filter.campaignId],
    ['kind', filter.kind],
    ['task_id', filter.taskId],
  ] as const) {
    if (value) {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
  }
  const { rows } = await db.query<NoticeListRow & { total: number }>(
    `SELECT id, campaign_id, task_id, unit_id, kind, document_number, title, recipients, issued_at, count(*) OVER () AS total
     FROM notices ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY issued_at DESC, id DESC LIMIT ${page.limit} OFFSET ${page.offset}`,
    params,
  );
  return rows;
}

/** A notice as stored, with its campaign's title, zone and office. */
export interface NoticeViewRow extends NoticeRow {
  campaign_title: string;
  time_zone: string;
  office_name: string;
}

export async function findNoticeViewRow(db: Queryable, id: number): Promise<NoticeViewRow | undefined> {
  const { rows } = await db.query<NoticeViewRow>(
    `SELECT n.*, c.title AS campaign_title, c.time_zone, c.office->>'name' AS office_name
     FROM notices n JOIN campaigns c ON c.id = n.campaign_id WHERE n.id = $1`,
    [id],
  );
  return rows[0];
}

export interface IssuedNoticeRow {
  issued_at: Date;
  kind: string;
  document_number: string;
  title: string;
  task_id: string | null;
  recipients: { to: string[]; cc: string[] };
}

/** Every notice of a campaign in the order of issue (the preview's month-by-month list). */
export async function listIssuedNotices(db: Queryable, campaignId: string): Promise<IssuedNoticeRow[]> {
  const { rows } = await db.query<IssuedNoticeRow>(
    'SELECT issued_at, kind, document_number, title, task_id, recipients FROM notices WHERE campaign_id = $1 ORDER BY issued_at, id',
    [campaignId],
  );
  return rows;
}
