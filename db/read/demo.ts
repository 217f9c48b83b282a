// What the demo prints of a campaign it ran: the year's record in order, each round's ranking, and
// the counts of its summary.
import type { Consequence } from '../../domain/assessment.js';
import type { Queryable } from '../pool.js';

export interface DemoTimelineRow {
  at: Date;
  /** The task's title; null for the campaign's own notices. */
  task: string | null;
  /** The unit a notice of no task is about (问题点位, a unit's 催办), if any. */
  unit: string | null;
  /** A task event's kind, or `campaign.<notice kind>` for a campaign notice. */
  kind: string;
  actor: string | null;
  detail: Record<string, unknown>;
}

/** Every task event but those a notice already shows, and the campaign's own notices (digests, rounds), in order. */
export async function listDemoTimeline(db: Queryable, campaignId: string): Promise<DemoTimelineRow[]> {
  const { rows } = await db.query<DemoTimelineRow>(
    `SELECT e.occurred_at AS at, t.title AS task, NULL AS unit, e.kind, COALESCE(u.name, e.actor) AS actor, e.detail, 1 AS source, e.id
       FROM task_events e
       JOIN tasks t ON t.campaign_id = e.campaign_id AND t.id = e.task_id
       LEFT JOIN units u ON u.campaign_id = e.campaign_id AND u.id = e.actor
      WHERE e.campaign_id = $1
        AND e.kind NOT IN ('assigned', 'overdue', 'supervisionLetter', 'interview', 'accountabilityReferral', 'acknowledgementOverdue', 'calendarWarning')
     UNION ALL
     SELECT n.issued_at, NULL, nu.name, 'campaign.' || n.kind, NULL,
            jsonb_build_object('to', n.recipients -> 'to', 'cc', n.recipients -> 'cc', 'documentNumber', n.document_number, 'title', n.title),
            0, n.id
       FROM notices n LEFT JOIN units nu ON nu.campaign_id = n.campaign_id AND nu.id = n.unit_id
      WHERE n.campaign_id = $1 AND n.task_id IS NULL
      ORDER BY 1, 7, 8`,
    [campaignId],
  );
  return rows;
}

export interface RoundScoreRow {
  published_at: Date;
  name: string;
  score: number;
  rank: number;
  last: boolean;
  consequence: Consequence | null;
}

/** Each published round's scores, by round and rank. */
export async function listRoundScores(db: Queryable, campaignId: string): Promise<RoundScoreRow[]> {
  const { rows } = await db.query<RoundScoreRow>(
    `SELECT r.published_at, u.name, s.score::float8 AS score, s.rank, s.last, s.consequence
       FROM assessment_rounds r
       JOIN assessment_scores s ON s.campaign_id = r.campaign_id AND s.round = r.round
       JOIN units u ON u.campaign_id = s.campaign_id AND u.id = s.unit_id
      WHERE r.campaign_id = $1 ORDER BY r.round, s.rank, s.unit_id`,
    [campaignId],
  );
  return rows;
}

/** Notices issued per kind, in the order each kind first appeared. */
export async function countNoticesByKind(db: Queryable, campaignId: string): Promise<{ kind: string; n: number }[]> {
  const { rows } = await db.query<{ kind: string; n: number }>(
    'SELECT kind, count(*)::int AS n FROM notices WHERE campaign_id = $1 GROUP BY kind ORDER BY min(id)',
    [campaignId],
  );
  return rows;
}

/** Tasks per status. */
export async function countTasksByStatus(db: Queryable, campaignId: string): Promise<{ status: string; n: number }[]> {
  const { rows } = await db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM tasks WHERE campaign_id = $1 GROUP BY status',
    [campaignId],
  );
  return rows;
}

/** The units that came last, round by round, with what it brought them. */
export async function listLastPlaces(db: Queryable, campaignId: string): Promise<{ round: number; name: string; consequence: Consequence }[]> {
  const { rows } = await db.query<{ round: number; name: string; consequence: Consequence }>(
    `SELECT s.round, u.name, s.consequence FROM assessment_scores s
       JOIN units u ON u.campaign_id = s.campaign_id AND u.id = s.unit_id
      WHERE s.campaign_id = $1 AND s.consequence IS NOT NULL ORDER BY s.round, s.unit_id`,
    [campaignId],
  );
  return rows;
}
