// The console's dashboard: counts by status and rung, the overdue and upcoming tasks, each unit's
// tasks counted for its mark. Of one campaign, or of every campaign when campaignId is undefined;
// $1 (now) appears in every query, so PostgreSQL always knows its type.
import type { Queryable } from '../pool.js';
import { TASK_COLUMNS, TASK_FROM, type TaskSummaryRow } from './tasks.js';

function scoped(now: Date, campaignId: string | undefined): { scope: string; params: unknown[] } {
  return campaignId === undefined
    ? { scope: '$1::timestamptz IS NOT NULL', params: [now] }
    : { scope: '$1::timestamptz IS NOT NULL AND t.campaign_id = $2', params: [now, campaignId] };
}

/** Today in each campaign's zone at $1. */
const TODAY = `($1::timestamptz AT TIME ZONE c.time_zone)::date`;

/** A whole number of days, written into SQL. */
function days(n: number): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`天数应为整数：${n}`);
  return n;
}

export interface StatusCountRow {
  status: string;
  n: number;
}

/** Tasks by status. */
export async function countTasksByStatus(db: Queryable, now: Date, campaignId?: string): Promise<StatusCountRow[]> {
  const { scope, params } = scoped(now, campaignId);
  const { rows } = await db.query<StatusCountRow>(
    `SELECT t.status, count(*)::int AS n FROM tasks t JOIN campaigns c ON c.id = t.campaign_id WHERE ${scope} GROUP BY t.status`,
    params,
  );
  return rows;
}

export interface RungCountRow {
  rung: number;
  /** The rung's name on the task's own ladder ('' for a task recorded before names were kept). */
  rung_name: string;
  n: number;
}

/** Open tasks by the rung they are on, named by their own ladder (rung 0 left out). */
export async function countOpenTasksByRung(db: Queryable, now: Date, campaignId?: string): Promise<RungCountRow[]> {
  const { scope, params } = scoped(now, campaignId);
  const { rows } = await db.query<RungCountRow>(
    `SELECT t.rung, t.rung_name, count(*)::int AS n FROM tasks t JOIN campaigns c ON c.id = t.campaign_id
     WHERE ${scope} AND t.rung > 0 AND t.status NOT IN ('closed', 'withdrawn') GROUP BY t.rung, t.rung_name`,
    params,
  );
  return rows;
}

/** Open tasks overdue or on a rung, highest rung first, at most 50. */
export async function listOverdueTaskRows(db: Queryable, now: Date, campaignId?: string): Promise<TaskSummaryRow[]> {
  const { scope, params } = scoped(now, campaignId);
  const { rows } = await db.query<TaskSummaryRow>(
    `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE ${scope} AND t.status NOT IN ('closed', 'withdrawn')
       AND (t.rung > 0 OR t.deadline < ${TODAY})
     ORDER BY t.rung DESC, t.deadline, t.id LIMIT 50`,
    params,
  );
  return rows;
}

/** Open tasks on no rung whose deadline falls within the next `withinDays` days, soonest first, at most 30. */
export async function listUpcomingTaskRows(db: Queryable, now: Date, withinDays: number, campaignId?: string): Promise<TaskSummaryRow[]> {
  const { scope, params } = scoped(now, campaignId);
  const { rows } = await db.query<TaskSummaryRow>(
    `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE ${scope} AND t.status NOT IN ('closed', 'withdrawn') AND t.rung = 0
       AND t.deadline >= ${TODAY} AND t.deadline <= ${TODAY} + ${days(withinDays)}
     ORDER BY t.deadline, t.id LIMIT 30`,
    params,
  );
  return rows;
}

export interface UnitTaskCountsRow {
  campaign_id: string;
  id: string;
  name: string;
  open: number;
  closed: number;
  overdue: number;
  /** Open tasks on no rung due within `dueSoonDays`. */
  due_soon: number;
  /** Assigned tasks whose acknowledgement is overdue. */
  unacknowledged: number;
  /** The highest rung of an open task (0: none). */
  max_rung: number;
}

/** Each unit's tasks (as lead unit) counted, by campaign and unit. */
export async function countTasksByUnit(db: Queryable, now: Date, dueSoonDays: number, campaignId?: string): Promise<UnitTaskCountsRow[]> {
  const params: unknown[] = campaignId === undefined ? [now] : [now, campaignId];
  const { rows } = await db.query<UnitTaskCountsRow>(
    `SELECT u.campaign_id, u.id, u.name,
       count(t.id) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn'))::int AS open,
       count(t.id) FILTER (WHERE t.status IN ('closed', 'withdrawn'))::int AS closed,
       count(t.id) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn') AND (t.rung > 0 OR t.deadline < ${TODAY}))::int AS overdue,
       count(t.id) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn') AND t.rung = 0 AND t.deadline >= ${TODAY}
                           AND t.deadline <= ${TODAY} + ${days(dueSoonDays)})::int AS due_soon,
       count(t.id) FILTER (WHERE t.status = 'assigned' AND COALESCE(t.acknowledge_by < $1::timestamptz, t.start_date < ${TODAY}))::int AS unacknowledged,
       COALESCE(max(t.rung) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn')), 0)::int AS max_rung
     FROM units u JOIN campaigns c ON c.id = u.campaign_id
     LEFT JOIN tasks t ON t.campaign_id = u.campaign_id AND t.lead_unit = u.id
     WHERE ${campaignId === undefined ? 'TRUE' : 'u.campaign_id = $2'}
     GROUP BY u.campaign_id, u.id, u.name
     ORDER BY u.campaign_id, u.id`,
    params,
  );
  return rows;
}
