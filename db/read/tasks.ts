// The console's tasks: lists with filters, one task, its timeline. $1 is always `now`, which tells
// whether a task is overdue in its campaign's zone.
import type { Queryable } from '../pool.js';

/** A task as lists show it. */
export interface TaskSummaryRow {
  campaign_id: string;
  id: string;
  title: string;
  lead_unit: string;
  /** The lead unit's name, or its id when the unit is unknown. */
  lead_unit_name: string;
  cooperating_units: string[];
  start_date: string;
  deadline: string;
  status: string;
  rung: number;
  rung_name: string;
  next_deadline_at: Date | null;
  last_progress_at: Date | null;
  updated_at: Date;
  next_escalation_at: Date | null;
  /** Open and past its deadline (in the campaign's zone at $1) or on a rung. */
  overdue: boolean;
}

/** Columns of TaskSummaryRow over TASK_FROM, for the task queries of the console (db/read/). */
export const TASK_COLUMNS = `t.campaign_id, t.id, t.title, t.lead_unit, COALESCE(u.name, t.lead_unit) AS lead_unit_name,
  t.cooperating_units, t.start_date, t.deadline, t.status, t.rung, t.rung_name, t.next_deadline_at, t.last_progress_at, t.updated_at,
  t.next_escalation_at,
  (t.status NOT IN ('closed', 'withdrawn') AND (t.rung > 0 OR t.deadline < ($1::timestamptz AT TIME ZONE c.time_zone)::date)) AS overdue`;
export const TASK_FROM = `tasks t JOIN campaigns c ON c.id = t.campaign_id
  LEFT JOIN units u ON u.campaign_id = t.campaign_id AND u.id = t.lead_unit`;

export interface TaskRowFilter {
  status?: string;
  /** Lead or cooperating unit. */
  unit?: string;
  overdue?: boolean;
  /** Words in the title or id. */
  q?: string;
}

function taskWhere(campaignId: string, now: Date, filter: TaskRowFilter): { where: string; params: unknown[] } {
  const where = ['t.campaign_id = $2'];
  const params: unknown[] = [now, campaignId];
  if (filter.status) {
    params.push(filter.status);
    where.push(`t.status = $${params.length}`);
  }
  if (filter.unit) {
    params.push(filter.unit);
    where.push(`(t.lead_unit = $${params.length} OR $${params.length} = ANY (t.cooperating_units))`);
  }
  if (filter.overdue) {
    where.push(`t.status NOT IN ('closed', 'withdrawn') AND (t.rung > 0 OR t.deadline < ($1::timestamptz AT TIME ZONE c.time_zone)::date)`);
  }
  if (filter.q) {
    params.push(`%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(t.title ILIKE $${params.length} OR t.id ILIKE $${params.length})`);
  }
  return { where: where.join(' AND '), params };
}

/** One page of a campaign's tasks by deadline, each with the number of all that match. */
export async function listTaskRows(
  db: Queryable,
  campaignId: string,
  now: Date,
  filter: TaskRowFilter,
  page: { limit: number; offset: number },
): Promise<(TaskSummaryRow & { total: number })[]> {
  const { where, params } = taskWhere(campaignId, now, filter);
  const { rows } = await db.query<TaskSummaryRow & { total: number }>(
    `SELECT ${TASK_COLUMNS}, count(*) OVER () AS total FROM ${TASK_FROM}
     WHERE ${where} ORDER BY t.deadline, t.id LIMIT ${page.limit} OFFSET ${page.offset}`,
    params,
  );
  return rows;
}

/** How many of a campaign's tasks match (for a page past the last). */
export async function countTaskRows(db: Queryable, campaignId: string, now: Date, filter: TaskRowFilter): Promise<number> {
  const { where, params } = taskWhere(campaignId, now, filter);
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TASK_FROM} WHERE ${where}`, params);
  return rows[0].n;
}

export async function findTaskRow(
  db: Queryable,
  campaignId: string,
  taskId: string,
  now: Date,
): Promise<(TaskSummaryRow & { description: string }) | undefined> {
  const { rows } = await db.query<TaskSummaryRow & { description: string }>(
    `SELECT ${TASK_COLUMNS}, t.description FROM ${TASK_FROM} WHERE t.campaign_id = $2 AND t.id = $3`,
    [now, campaignId, taskId],
  );
  return rows[0];
}

export interface TimelineRow {
  occurred_at: Date;
  kind: string;
  actor: string | null;
  detail: Record<string, unknown> | null;
  /** The notice the event names by its document number, if stored. */
  notice_id: number | null;
}

/** Every event of a task, oldest first, with the notice each names. */
export async function listTimelineRows(db: Queryable, campaignId: string, taskId: string): Promise<TimelineRow[]> {
  const { rows } = await db.query<TimelineRow>(
    `SELECT e.occurred_at, e.kind, e.actor, e.detail, n.id AS notice_id
     FROM task_events e
     LEFT JOIN notices n ON n.campaign_id = e.campaign_id AND n.document_number = e.detail->>'documentNumber'
     WHERE e.campaign_id = $1 AND e.task_id = $2 ORDER BY e.occurred_at, e.id`,
    [campaignId, taskId],
  );
  return rows;
}
