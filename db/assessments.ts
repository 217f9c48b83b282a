// 每两月实地测评: a round's record — its window, the scores entered and computed, its results.
import type { Consequence, RankedUnit } from '../domain/assessment.js';
import type { Queryable } from './pool.js';

/** The round opens for scoring; a repeat is a no-op. */
export async function insertAssessmentRound(
  db: Queryable,
  r: { campaignId: string; round: number; periodStart: string; periodEnd: string; windowCloses: string },
): Promise<void> {
  await db.query(
    `INSERT INTO assessment_rounds (campaign_id, round, period_start, period_end, window_closes)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [r.campaignId, r.round, r.periodStart, r.periodEnd, r.windowCloses],
  );
}

/** A score entered by an assessor; a later entry for the same unit and item replaces the earlier one. */
export async function upsertEnteredScore(
  db: Queryable,
  s: { campaignId: string; round: number; unitId: string; item: string; score: number; assessor: string; enteredAt: string },
): Promise<void> {
  await db.query(
    `INSERT INTO assessment_item_scores (campaign_id, round, unit_id, item, score, source, assessor, entered_at)
     VALUES ($1, $2, $3, $4, $5, 'entered', $6, $7)
     ON CONFLICT (campaign_id, round, unit_id, item)
     DO UPDATE SET score = EXCLUDED.score, source = 'entered', assessor = EXCLUDED.assessor, entered_at = EXCLUDED.entered_at`,
    [s.campaignId, s.round, s.unitId, s.item, s.score, s.assessor, s.enteredAt],
  );
}

export interface EnteredScoreRow {
  unit_id: string;
  /** The mean of the unit's entered items, to one decimal. */
  score: number;
}

/** Each unit's mean entered score in the round (units with none entered are absent). */
export async function enteredScoreMeans(db: Queryable, campaignId: string, round: number): Promise<EnteredScoreRow[]> {
  const { rows } = await db.query<EnteredScoreRow>(
    `SELECT unit_id, round(avg(score), 1)::float8 AS score FROM assessment_item_scores
     WHERE campaign_id = $1 AND round = $2 AND source = 'entered' GROUP BY unit_id`,
    [campaignId, round],
  );
  return rows;
}

/** A score computed from the record, stored as the item 记录评分; a repeat is a no-op. */
export async function insertComputedScore(
  db: Queryable,
  s: { campaignId: string; round: number; unitId: string; score: number; at: string },
): Promise<void> {
  await db.query(
    `INSERT INTO assessment_item_scores (campaign_id, round, unit_id, item, score, source, entered_at)
     VALUES ($1, $2, $3, '记录评分', $4, 'computed', $5) ON CONFLICT DO NOTHING`,
    [s.campaignId, s.round, s.unitId, s.score, s.at],
  );
}

/** A unit's published result in the round and what last place brought it; a repeat is a no-op. */
export async function insertRoundResult(
  db: Queryable,
  r: { campaignId: string; round: number; unit: RankedUnit; consequence: Consequence | null },
): Promise<void> {
  await db.query(
    `INSERT INTO assessment_scores (campaign_id, round, unit_id, score, rank, last, consequence)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [r.campaignId, r.round, r.unit.unitId, r.unit.score, r.unit.rank, r.unit.last, r.consequence],
  );
}

export async function markRoundPublished(db: Queryable, campaignId: string, round: number, publishedAt: string): Promise<void> {
  await db.query('UPDATE assessment_rounds SET published_at = $3 WHERE campaign_id = $1 AND round = $2', [campaignId, round, publishedAt]);
}
