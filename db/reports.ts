// Queries behind the campaign's digests, bulletins and assessment rounds. Dates are civil dates
// ('YYYY-MM-DD') in the campaign's zone, computed by the caller; instants are ISO strings.
import { DUE_SOON_DAYS } from '../domain/marks.js';
import type { UnitMetrics } from '../domain/assessment.js';
import type { Queryable } from './pool.js';

const OPEN = `t.status NOT IN ('scheduled', 'closed', 'withdrawn')`;

export interface UnitStanding {
  unitId: string;
  unitName: string;
  responsibleLeader: string | null;
  /** Tasks assigned so far (withdrawn ones excluded). */
  tasks: number;
  closed: number;
  overdue: number;
  dueSoon: number;
  unacknowledged: number;
  maxRung: number;
}

/** Where each unit stands on `today`. */
export async function unitStandings(db: Queryable, campaignId: string, today: string): Promise<UnitStanding[]> {
  const { rows } = await db.query(
    `SELECT u.id, u.name, u.responsible_leader,
       count(t.id) FILTER (WHERE t.status NOT IN ('scheduled', 'withdrawn'))::int AS tasks,
       count(t.id) FILTER (WHERE t.status = 'closed')::int AS closed,
       count(t.id) FILTER (WHERE ${OPEN} AND (t.rung > 0 OR t.deadline < $2::date))::int AS overdue,
       count(t.id) FILTER (WHERE ${OPEN} AND t.rung = 0 AND t.deadline BETWEEN $2::date AND $2::date + ${DUE_SOON_DAYS})::int AS due_soon,
       count(t.id) FILTER (WHERE t.status = 'assigned')::int AS unacknowledged,
       COALESCE(max(t.rung) FILTER (WHERE ${OPEN}), 0)::int AS max_rung
     FROM units u LEFT JOIN tasks t ON t.campaign_id = u.campaign_id AND t.lead_unit = u.id
     WHERE u.campaign_id = $1
     GROUP BY u.id, u.name, u.responsible_leader ORDER BY u.id`,
    [campaignId, today],
  );
  return rows.map((r) => ({
    unitId: r.id,
    unitName: r.name,
    responsibleLeader: r.responsible_leader,
    tasks: r.tasks,
    closed: r.closed,
    overdue: r.overdue,
    dueSoon: r.due_soon,
    unacknowledged: r.unacknowledged,
    maxRung: r.max_rung,
  }));
}

export interface OpenTask {
  id: string;
  title: string;
  leadUnit: string;
  leadUnitName: string;
  status: string;
  rung: number;
  rungName: string;
  deadline: string;
  lastProgressAt: Date | null;
}

/** Tasks assigned and not yet closed or withdrawn, most escalated first. */
export async function openTasks(db: Queryable, campaignId: string): Promise<OpenTask[]> {
  const { rows } = await db.query(
    `SELECT t.id, t.title, t.lead_unit, u.name AS unit_name, t.status, t.rung, t.rung_name, t.deadline, t.last_progress_at
     FROM tasks t JOIN units u ON u.campaign_id = t.campaign_id AND u.id = t.lead_unit
     WHERE t.campaign_id = $1 AND ${OPEN}
     ORDER BY t.rung DESC, t.deadline, t.id`,
    [campaignId],
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    leadUnit: r.lead_unit,
    leadUnitName: r.unit_name,
    status: r.status,
    rung: r.rung,
    rungName: r.rung_name,
    deadline: r.deadline,
    lastProgressAt: r.last_progress_at,
  }));
}

/** Notices issued in [from, to), by kind. */
export async function noticeCounts(db: Queryable, campaignId: string, from: string, to: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ kind: string; n: number }>(
    `SELECT kind, count(*)::int AS n FROM notices
     WHERE campaign_id = $1 AND issued_at >= $2 AND issued_at < $3 GROUP BY kind`,
    [campaignId, from, to],
  );
  return new Map(rows.map((r) => [r.kind, r.n]));
}

/** Tasks closed (销号) in [from, to). */
export async function tasksClosedBetween(db: Queryable, campaignId: string, from: string, to: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(DISTINCT task_id)::int AS n FROM task_events
     WHERE campaign_id = $1 AND kind = 'verified' AND occurred_at >= $2 AND occurred_at < $3`,
    [campaignId, from, to],
  );
  return rows[0].n;
}

/**
 * What the record says about each unit for an assessment period [periodStart, periodEnd]
 * (civil dates; `periodEndsAt` is the instant the period's last day ends).
 */
export async function unitMetrics(
  db: Queryable,
  campaignId: string,
  period: { start: string; end: string; startsAt: string; endsAt: string },
): Promise<UnitMetrics[]> {
  const { rows } = await db.query(
    `WITH closed AS (
       SELECT task_id, min(occurred_at) AS at FROM task_events
       WHERE campaign_id = $1 AND kind = 'verified' GROUP BY task_id
     ),
     due AS (
       SELECT t.lead_unit, t.id, t.deadline, c.at AS closed_at
       FROM tasks t LEFT JOIN closed c ON c.task_id = t.id
       WHERE t.campaign_id = $1 AND t.status <> 'withdrawn' AND t.deadline BETWEEN $2::date AND $3::date
     ),
     -- Days past the deadline that fall in the period: from the day after the deadline (or the
     -- period's first day) to the day of 销号 (or the period's last day).
     late AS (
       SELECT t.lead_unit,
         GREATEST(0, LEAST($3::date, COALESCE((c.at AT TIME ZONE cp.time_zone)::date, $3::date))
                     - GREATEST(t.deadline, $2::date - 1)) AS days
       FROM tasks t JOIN campaigns cp ON cp.id = t.campaign_id LEFT JOIN closed c ON c.task_id = t.id
       WHERE t.campaign_id = $1 AND t.status <> 'withdrawn' AND t.deadline < $3::date
     ),
     rungs AS (
       SELECT unit_id, sum(rung)::int AS n FROM notices
       WHERE campaign_id = $1 AND rung IS NOT NULL AND issued_at >= $4 AND issued_at < $5 GROUP BY unit_id
     ),
     materials AS (
       SELECT unit_id, count(*)::int AS due, count(*) FILTER (WHERE on_time)::int AS on_time FROM materials_checks
       WHERE campaign_id = $1 AND due_date BETWEEN $2::date AND $3::date GROUP BY unit_id
     )
     SELECT u.id,
       (SELECT count(*) FROM due WHERE due.lead_unit = u.id)::int AS tasks_due,
       (SELECT count(*) FROM due WHERE due.lead_unit = u.id AND due.closed_at < (due.deadline + 1)::timestamp AT TIME ZONE c.time_zone)::int AS on_time,
       COALESCE((SELECT sum(days) FROM late WHERE late.lead_unit = u.id), 0)::int AS overdue_days,
       COALESCE(r.n, 0) AS rungs,
       COALESCE(m.due, 0) AS materials_due,
       COALESCE(m.on_time, 0) AS materials_on_time
     FROM units u JOIN campaigns c ON c.id = u.campaign_id
     LEFT JOIN rungs r ON r.unit_id = u.id
     LEFT JOIN materials m ON m.unit_id = u.id
     WHERE u.campaign_id = $1 ORDER BY u.id`,
    [campaignId, period.start, period.end, period.startsAt, period.endsAt],
  );
  return rows.map((r) => ({
    unitId: r.id,
    tasksDue: r.tasks_due,
    tasksClosedOnTime: r.on_time,
    overdueDays: r.overdue_days,
    rungsReached: r.rungs,
    materialsDue: r.materials_due,
    materialsOnTime: r.materials_on_time,
  }));
}

/**
 * The forms each unit submitted in [from, to): as evidence on any task, or as monthly materials
 * without a task (task_id NULL, through the unit portal). One submission serves every request.
 */
export async function formsSubmitted(db: Queryable, campaignId: string, from: string, to: string): Promise<Map<string, Set<string>>> {
  const { rows } = await db.query<{ unit_id: string; form: string }>(
    `SELECT DISTINCT unit_id, form FROM evidence_submissions
     WHERE campaign_id = $1 AND submitted_at >= $2 AND submitted_at < $3`,
    [campaignId, from, to],
  );
  const byUnit = new Map<string, Set<string>>();
  for (const r of rows) byUnit.set(r.unit_id, (byUnit.get(r.unit_id) ?? new Set()).add(r.form));
  return byUnit;
}

/**
 * Records whether a unit's material of a form came by its due day (plus grace); false when the
 * month's check of that form was recorded before (a retry), and nothing changes.
 */
export async function insertMaterialsCheck(
  db: Queryable,
  c: { campaignId: string; unitId: string; month: string; form: string; dueDate: string; onTime: boolean; checkedAt: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO materials_checks (campaign_id, unit_id, month, form, due_date, on_time, checked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [c.campaignId, c.unitId, c.month, c.form, c.dueDate, c.onTime, c.checkedAt],
  );
  return Boolean(rowCount);
}

export interface PerformanceRow {
  campaignId: string;
  unitId: string;
  unitName: string;
  /** Mean of the unit's assessment scores in the year; null without rounds. */
  assessmentAverage: number | null;
  rounds: number;
  /** Sum of the ledger's entries (deductions are negative). */
  ledgerPoints: number;
  ledgerEntries: number;
  /** 年终绩效: the assessment average (100 without rounds) plus the ledger's points. */
  total: number;
}

/** The year-end performance (年终绩效) of every unit, worst first; one campaign or all. */
export async function performanceForYear(db: Queryable, year: number, campaignId?: string): Promise<PerformanceRow[]> {
  const { rows } = await db.query(
    `SELECT u.campaign_id, u.id, u.name,
       (SELECT avg(s.score)::float8 FROM assessment_scores s JOIN assessment_rounds r USING (campaign_id, round)
         WHERE s.campaign_id = u.campaign_id AND s.unit_id = u.id AND extract(year FROM r.period_end) = $1) AS average,
       (SELECT count(*)::int FROM assessment_scores s JOIN assessment_rounds r USING (campaign_id, round)
         WHERE s.campaign_id = u.campaign_id AND s.unit_id = u.id AND extract(year FROM r.period_end) = $1) AS rounds,
       (SELECT COALESCE(sum(points), 0)::float8 FROM performance_ledger l
         WHERE l.campaign_id = u.campaign_id AND l.unit_id = u.id AND l.year = $1) AS points,
       (SELECT count(*)::int FROM performance_ledger l
         WHERE l.campaign_id = u.campaign_id AND l.unit_id = u.id AND l.year = $1) AS entries
     FROM units u WHERE ($2::text IS NULL OR u.campaign_id = $2)`,
    [year, campaignId ?? null],
  );
  return rows
    .map((r) => {
      const average = r.average === null ? null : Math.round(r.average * 10) / 10;
      return {
        campaignId: r.campaign_id,
        unitId: r.id,
        unitName: r.name,
        assessmentAverage: average,
        rounds: r.rounds,
        ledgerPoints: r.points,
        ledgerEntries: r.entries,
        total: Math.round(((average ?? 100) + r.points) * 10) / 10,
      };
    })
    .sort((a, b) => a.total - b.total || a.unitId.localeCompare(b.unitId));
}
