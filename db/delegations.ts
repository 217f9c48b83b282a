// 转办 (migration 0019): parts of tasks a lead unit handed to its sub-units. Rows follow the task's
// events (writeTaskEvent): written with 'delegated', closed with 'delegationCompleted', ended with
// the task's reassignment, withdrawal, 销号 or the campaign's end, when the sub-unit's links go too.
import type { Queryable } from './pool.js';
import { bumpLinkVersion, delegationLinkKey } from './unit-links.js';

export interface DelegationRow {
  campaign_id: string;
  task_id: string;
  seq: number;
  lead_unit: string;
  sub_unit: string;
  part: string;
  /** YYYY-MM-DD */
  due: string;
  delegated_at: Date;
  delegated_by: string | null;
  status: 'open' | 'completed' | 'ended';
  last_report_at: Date | null;
  completed_at: Date | null;
  ended_at: Date | null;
}

/** The task events that end its open delegations. */
const ENDING_EVENTS = ['reassigned', 'withdrawn', 'verified', 'campaignEnded'];

interface EventFacts {
  campaignId: string;
  taskId: string;
  occurredAt: string;
  kind: string;
  actor?: string;
  detail?: Record<string, unknown>;
}

/** What a task event does to its delegations, in the event's transaction (writeTaskEvent). */
export async function applyDelegationEvent(tx: Queryable, e: EventFacts): Promise<void> {
  const d = e.detail ?? {};
  if (e.kind === 'delegated') {
    await tx.query(
      `INSERT INTO task_delegations (campaign_id, task_id, seq, lead_unit, sub_unit, part, due, delegated_at, delegated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [e.campaignId, e.taskId, d.seq, d.from, d.to, d.part, d.due, e.occurredAt, d.by ?? null],
    );
  } else if (e.kind === 'delegationProgress' || e.kind === 'delegationCompleted') {
    const completed = e.kind === 'delegationCompleted';
    await tx.query(
      `UPDATE task_delegations SET last_report_at = $4,
              status = CASE WHEN $5 THEN 'completed' ELSE status END,
              completed_at = CASE WHEN $5 THEN $4::timestamptz ELSE completed_at END
       WHERE campaign_id = $1 AND task_id = $2 AND seq = $3 AND status = 'open'`,
      [e.campaignId, e.taskId, d.seq, e.occurredAt, completed],
    );
  } else if (ENDING_EVENTS.includes(e.kind)) {
    await endDelegations(tx, { campaignId: e.campaignId, taskId: e.taskId }, e.occurredAt, e.kind);
  }
}

/**
 * Ends the open delegations of a task (or, no task given, of the whole campaign) and withdraws the
 * sub-units' links to them (any sub-unit ever handed a part: a completed part's link goes too, there
 * is nothing left to do on it).
 */
export async function endDelegations(
  tx: Queryable,
  of: { campaignId: string; taskId?: string },
  at: string,
  reason: string,
): Promise<void> {
  const { campaignId } = of;
  const taskId = of.taskId ?? null;
  await tx.query(
    `UPDATE task_delegations SET status = 'ended', ended_at = $3, ended_reason = $4
     WHERE campaign_id = $1 AND ($2::text IS NULL OR task_id = $2) AND status = 'open'`,
    [campaignId, taskId, at, reason],
  );
  const { rows } = await tx.query<{ task_id: string; sub_unit: string }>(
    `SELECT DISTINCT task_id, sub_unit FROM task_delegations
     WHERE campaign_id = $1 AND ($2::text IS NULL OR task_id = $2) ORDER BY task_id, sub_unit`,
    [campaignId, taskId],
  );
  for (const row of rows) {
    await bumpLinkVersion(tx, { ...delegationLinkKey(campaignId, row.task_id, row.sub_unit), reason, at: new Date(at) });
  }
}

/** What one sub-unit was handed of one task, in order. */
export async function delegationsOfSubUnit(db: Queryable, campaignId: string, taskId: string, unitId: string): Promise<DelegationRow[]> {
  const { rows } = await db.query<DelegationRow>(
    'SELECT * FROM task_delegations WHERE campaign_id = $1 AND task_id = $2 AND sub_unit = $3 ORDER BY seq',
    [campaignId, taskId, unitId],
  );
  return rows;
}

/** A task's delegations, in order (the lead unit's page, the console). */
export async function delegationsOfTask(db: Queryable, campaignId: string, taskId: string): Promise<DelegationRow[]> {
  const { rows } = await db.query<DelegationRow>(
    'SELECT * FROM task_delegations WHERE campaign_id = $1 AND task_id = $2 ORDER BY seq',
    [campaignId, taskId],
  );
  return rows;
}

export interface OverdueDelegation extends DelegationRow {
  task_title: string;
  sub_unit_name: string;
}

/** Open delegations of a campaign whose due date is before `today` (YYYY-MM-DD): overdue, by lead unit. */
export async function overdueDelegations(db: Queryable, campaignId: string, today: string): Promise<OverdueDelegation[]> {
  const { rows } = await db.query<OverdueDelegation>(
    `SELECT d.*, t.title AS task_title, COALESCE(u.name, d.sub_unit) AS sub_unit_name
     FROM task_delegations d
     JOIN tasks t ON t.campaign_id = d.campaign_id AND t.id = d.task_id
     LEFT JOIN units u ON u.campaign_id = d.campaign_id AND u.id = d.sub_unit
     WHERE d.campaign_id = $1 AND d.status = 'open' AND d.due < $2::date
     ORDER BY d.lead_unit, d.due, d.task_id, d.seq`,
    [campaignId, today],
  );
  return rows;
}

/**
 * Units of a campaign whose 通讯录 entry's parent is another unit of the campaign (街道 → 社区):
 * the directory's part of who is whose sub-unit (a definition's `parent` is the other).
 */
export async function directoryParentsOfCampaign(db: Queryable, campaignId: string): Promise<{ unitId: string; parentId: string }[]> {
  const { rows } = await db.query<{ unit_id: string; parent_id: string }>(
    `SELECT u.id AS unit_id, p.id AS parent_id
     FROM units u
     JOIN directory_units d ON d.id = u.directory_id
     JOIN units p ON p.campaign_id = u.campaign_id AND p.directory_id = d.parent_id
     WHERE u.campaign_id = $1
     ORDER BY u.id, p.id`,
    [campaignId],
  );
  return rows.map((r) => ({ unitId: r.unit_id, parentId: r.parent_id }));
}

/** Whose sub-unit each unit of a campaign is: the definition's `parent`, else its 通讯录 entry's parent. */
export async function parentsOfUnits(
  db: Queryable,
  campaignId: string,
  units: readonly { id: string; parent?: string }[],
): Promise<Map<string, string>> {
  const parents = new Map((await directoryParentsOfCampaign(db, campaignId)).map((p) => [p.unitId, p.parentId]));
  for (const u of units) if (u.parent) parents.set(u.id, u.parent);
  return parents;
}
