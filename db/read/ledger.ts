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

export interface PointLedgerRow {
  inspection: string;
  /** The inspection's day (发现日期). */
  found_on: string;
  number: number;
  location: string;
  category: string;
  unit_id: string;
  deadline: string;
  status: string;
  /** Sent to its unit (交办). */
  dispatched: boolean;
  /** The unit's latest answer, while answered or closed (整改时间). */
  fixed_at: Date | null;
  returns: number;
  /** Its deadline lapsed by `asOf` without an answer before it (pointMetrics' fixed on time, the other way round). */
  overdue: boolean;
  /** The unit disputed it at some time (申辩). */
  disputed: boolean;
}

/** Every point of the campaign, by inspection and 序号, with where it stands at `asOf`. */
export async function listPointLedgerRows(db: Queryable, campaignId: string, asOf: string): Promise<PointLedgerRow[]> {
  const { rows } = await db.query<PointLedgerRow>(
    `SELECT i.title AS inspection, to_char(i.held_on, 'YYYY-MM-DD') AS found_on, p.number, p.location, p.category, p.unit_id,
            to_char(p.deadline, 'YYYY-MM-DD') AS deadline, p.status, p.dispatched_at IS NOT NULL AS dispatched, p.returns,
            CASE WHEN p.status IN ('answered', 'closed') THEN a.answered_at END AS fixed_at,
            (p.dispatched_at IS NOT NULL AND p.status <> 'disputed' AND l.lapses_at <= $2::timestamptz
             AND NOT (p.status IN ('answered', 'closed') AND a.answered_at IS NOT NULL AND a.answered_at < l.lapses_at)) AS overdue,
            EXISTS (SELECT 1 FROM point_events e WHERE e.point_id = p.id AND e.kind = 'disputed') AS disputed
       FROM inspection_points p
       JOIN inspections i ON i.id = p.inspection_id
       JOIN campaigns c ON c.id = p.campaign_id
       CROSS JOIN LATERAL (SELECT (p.deadline + 1)::timestamp AT TIME ZONE c.time_zone AS lapses_at) l
       LEFT JOIN LATERAL (SELECT max(e.occurred_at) AS answered_at FROM point_events e WHERE e.point_id = p.id AND e.kind = 'answered') a ON true
      WHERE p.campaign_id = $1
      ORDER BY i.held_on, i.id, p.number`,
    [campaignId, asOf],
  );
  return rows;
}
