import { inTransaction, type Db, type Queryable } from './pool.js';
import { applyDelegationEvent } from './delegations.js';
import { bumpLinkVersion } from './unit-links.js';

export interface TaskEvent {
  /** Stable per event, so a retried write is a no-op. */
  key: string;
  campaignId: string;
  taskId: string;
  occurredAt: string;
  kind: string;
  actor?: string;
  detail?: Record<string, unknown>;
  /** The task as it stands after the event. */
  status: string;
  rung: number;
  rungName?: string;
  nextDeadlineAt?: string;
  lastProgressAt?: string;
  nextEscalationAt?: string;
  acknowledgeBy?: string;
  /** The current 完成时限 (civil date), when it changed (extension, complaint, reassignment). */
  deadline?: string;
  /** The lead unit, when it changed (reassignment). */
  leadUnit?: string;
}

/** Appends the event and updates the task row in one transaction. */
export async function recordTaskEvent(db: Db, e: TaskEvent): Promise<void> {
  await inTransaction(db, (tx) => writeTaskEvent(tx, e));
}

/** Appends the event and updates the task row, inside the caller's transaction; a repeated key is a no-op. */
export async function writeTaskEvent(tx: Queryable, e: TaskEvent): Promise<void> {
  if (!(await appendTaskEvent(tx, e))) return;
  // A reassignment withdraws the former lead unit's links to the task (migration 0014), once: the
  // event's key makes a retried write a no-op, and the bump commits or rolls back with the event.
  const from = e.detail?.from;
  if (e.kind === 'reassigned' && typeof from === 'string' && from !== e.leadUnit) {
    await bumpLinkVersion(tx, { campaignId: e.campaignId, taskId: e.taskId, unitId: from, reason: 'reassigned', at: new Date(e.occurredAt) });
  }
  // 转办 (migration 0019): the delegation rows and the sub-units' links follow the task's events.
  await applyDelegationEvent(tx, e);
  await tx.query(
    `UPDATE tasks SET status = $3, rung = $4, next_deadline_at = $5, last_progress_at = $6,
            rung_name = COALESCE($7, rung_name), next_escalation_at = $8, acknowledge_by = $9,
            deadline = COALESCE($10::date, deadline), lead_unit = COALESCE($11, lead_unit), updated_at = now()
     WHERE campaign_id = $1 AND id = $2`,
    [
      e.campaignId, e.taskId, e.status, e.rung, e.nextDeadlineAt ?? null, e.lastProgressAt ?? null,
      e.rungName ?? null, e.nextEscalationAt ?? null, e.acknowledgeBy ?? null, e.deadline ?? null, e.leadUnit ?? null,
    ],
  );
}

/**
 * Appends an event to a task's record without touching the task row (a notice issued on it, say);
 * false when the key was written before (a retry), and nothing changes.
 */
export async function appendTaskEvent(
  tx: Queryable,
  e: Pick<TaskEvent, 'key' | 'campaignId' | 'taskId' | 'occurredAt' | 'kind' | 'actor' | 'detail'>,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO task_events (key, campaign_id, task_id, occurred_at, kind, actor, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
    [e.key, e.campaignId, e.taskId, e.occurredAt, e.kind, e.actor ?? null, e.detail ?? {}],
  );
  return Boolean(rowCount);
}

export interface TaskEventRow {
  occurred_at: Date;
  kind: string;
  actor: string | null;
  detail: Record<string, unknown>;
}

export async function listTaskEvents(db: Queryable, campaignId: string, taskId: string): Promise<TaskEventRow[]> {
  const { rows } = await db.query<TaskEventRow>(
    `SELECT occurred_at, kind, actor, detail FROM task_events
     WHERE campaign_id = $1 AND task_id = $2 ORDER BY occurred_at, id`,
    [campaignId, taskId],
  );
  return rows;
}
