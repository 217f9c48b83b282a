// The console's assessment rounds (测评) as the round workflows recorded them, and the
// performance ledger (年终绩效) of a campaign.
import type { Queryable } from '../pool.js';

export interface LedgerRow {
  unit_id: string;
  year: number;
  points: number;
  reason: string;
  occurred_at: Date;
}

/** The campaign's performance ledger, oldest first. */
export async function listLedgerRows(db: Queryable, campaignId: string): Promise<LedgerRow[]> {
  const { rows } = await db.query<LedgerRow>(
    `SELECT unit_id, year, points, reason, occurred_at FROM performance_ledger
     WHERE campaign_id = $1 ORDER BY occurred_at, id`,
    [campaignId],
  );
  return rows;
}

export interface AssessmentRoundRow {
  campaign_id: string;
  round: number;
  period_start: string;
  period_end: string;
  window_closes: Date;
  published_at: Date | null;
}

export async function listAssessmentRoundRows(db: Queryable, campaignId: string): Promise<AssessmentRoundRow[]> {
  const { rows } = await db.query<AssessmentRoundRow>('SELECT * FROM assessment_rounds WHERE campaign_id = $1 ORDER BY round', [campaignId]);
  return rows;
}

/** A unit's published result in a round. */
export interface AssessmentScoreRow {
  campaign_id: string;
  round: number;
  unit_id: string;
  score: number;
  rank: number;
  last: boolean;
  /** What last place brought (domain/assessment.ts Consequence), or null. */
  consequence: string | null;
}

export async function listAssessmentScoreRows(db: Queryable, campaignId: string): Promise<AssessmentScoreRow[]> {
  const { rows } = await db.query<AssessmentScoreRow>(
    'SELECT * FROM assessment_scores WHERE campaign_id = $1 ORDER BY round, rank, unit_id',
    [campaignId],
  );
  return rows;
}

/** A unit's score on one item of a round: entered by an assessor, or computed from the record. */
export interface AssessmentItemScoreRow {
  campaign_id: string;
  round: number;
  unit_id: string;
  item: string;
  score: number;
  source: 'entered' | 'computed';
  assessor: string | null;
  entered_at: Date;
}

export async function listAssessmentItemScoreRows(db: Queryable, campaignId: string): Promise<AssessmentItemScoreRow[]> {
  const { rows } = await db.query<AssessmentItemScoreRow>(
    'SELECT * FROM assessment_item_scores WHERE campaign_id = $1 ORDER BY round, entered_at, item, unit_id',
    [campaignId],
  );
  return rows;
}
