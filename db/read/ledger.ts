// The task register (台账): what the record says of each task beyond its row.
import type { Queryable } from '../pool.js';

export interface TaskLedgerFactsRow {
  id: string;
  /** The first 签收. */
  acknowledged_at: Date | null;
  /** The last 销号 (verified). */
  closed_at: Date | null;
  /** The text of the latest progress report. */
  last_progress: string | null;
  /** Notices issued on the task. */
  notices: number;
  /** The 交办通知's document number. */
  assignment_number: string | null;
  /** Evidence submissions. */
  evidence: number;
}

/** Each task of the campaign with its facts from events, notices and evidence. */
export async function listTaskLedgerFacts(db: Queryable, campaignId: string): Promise<TaskLedgerFactsRow[]> {
  const { rows } = await db.query<TaskLedgerFactsRow>(
    `SELECT t.id,
       min(e.occurred_at) FILTER (WHERE e.kind = 'acknowledged') AS acknowledged_at,
       max(e.occurred_at) FILTER (WHERE e.kind = 'verified') AS closed_at,
       (array_agg(e.detail->>'text' ORDER BY e.occurred_at DESC, e.id DESC) FILTER (WHERE e.kind = 'progress'))[1] AS last_progress,
       count(e.id) FILTER (WHERE e.kind LIKE 'notice.%')::int AS notices,
       (SELECT n.document_number FROM notices n WHERE n.campaign_id = t.campaign_id AND n.task_id = t.id AND n.kind = 'assignment'
        ORDER BY n.id LIMIT 1) AS assignment_number,
       (SELECT count(*)::int FROM evidence_submissions s WHERE s.campaign_id = t.campaign_id AND s.task_id = t.id) AS evidence
     FROM tasks t LEFT JOIN task_events e ON e.campaign_id = t.campaign_id AND e.task_id = t.id
     WHERE t.campaign_id = $1 GROUP BY t.campaign_id, t.id`,
    [campaignId],
  );
  return rows;
}
