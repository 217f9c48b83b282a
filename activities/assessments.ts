// 每两月实地测评: the round's record in PostgreSQL — window, entered and computed scores, results.
import { DateTime } from 'luxon';
import { loadCampaignContext } from '../db/campaigns.js';
import { inTransaction, type Db } from '../db/pool.js';
import { unitMetrics } from '../db/reports.js';
import { computedScore, type Consequence, type RankedUnit, type ScoreFormula } from '../domain/assessment.js';

export interface ItemScore {
  unitId: string;
  item: string;
  score: number;
}

export function createAssessmentActivities({ db }: { db: Db }) {
  return {
    /** The civil dates of a round's period [from, to) and its name, e.g. 2027年1—2月. */
    async assessmentPeriod(input: { campaignId: string; from: string; to: string }): Promise<{ start: string; end: string; label: string }> {
      const { timeZone } = await loadCampaignContext(db, input.campaignId);
      const start = DateTime.fromISO(input.from).setZone(timeZone);
      const end = DateTime.fromISO(input.to).setZone(timeZone).minus({ days: 1 });
      const label =
        start.year === end.year && start.month === end.month
          ? `${start.year}年${start.month}月`
          : start.year === end.year
            ? `${start.year}年${start.month}—${end.month}月`
            : `${start.year}年${start.month}月—${end.year}年${end.month}月`;
      return { start: start.toISODate()!, end: end.toISODate()!, label };
    },

    async openAssessmentRound(input: { campaignId: string; round: number; periodStart: string; periodEnd: string; windowCloses: string }): Promise<void> {
      await db.query(
        `INSERT INTO assessment_rounds (campaign_id, round, period_start, period_end, window_closes)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [input.campaignId, input.round, input.periodStart, input.periodEnd, input.windowCloses],
      );
    },

    /** Scores entered by an assessor; a later entry for the same unit and item replaces the earlier one. */
    async recordAssessmentScores(input: { campaignId: string; round: number; assessor: string; enteredAt: string; scores: ItemScore[] }): Promise<void> {
      await inTransaction(db, async (tx) => {
        for (const s of input.scores) {
          await tx.query(
            `INSERT INTO assessment_item_scores (campaign_id, round, unit_id, item, score, source, assessor, entered_at)
             VALUES ($1, $2, $3, $4, $5, 'entered', $6, $7)
             ON CONFLICT (campaign_id, round, unit_id, item)
             DO UPDATE SET score = EXCLUDED.score, source = 'entered', assessor = EXCLUDED.assessor, entered_at = EXCLUDED.entered_at`,
            [input.campaignId, input.round, s.unitId, s.item, s.score, input.assessor, input.enteredAt],
          );
        }
      });
    },

    /**
     * Each unit's score for the round: the mean of its entered items, or, where none were entered,
     * computed from the record (domain/assessment.ts computedScore), which is stored as item 记录评分.
     */
    async roundScores(input: { campaignId: string; round: number; periodStart: string; periodEnd: string; at: string; formula?: ScoreFormula }): Promise<{ unitId: string; score: number }[]> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const zone = ctx.timeZone;
      const metrics = await unitMetrics(db, input.campaignId, {
        start: input.periodStart,
        end: input.periodEnd,
        startsAt: DateTime.fromISO(input.periodStart, { zone }).toUTC().toISO()!,
        endsAt: DateTime.fromISO(input.periodEnd, { zone }).plus({ days: 1 }).toUTC().toISO()!,
      });
      const { rows } = await db.query<{ unit_id: string; score: number }>(
        `SELECT unit_id, round(avg(score), 1)::float8 AS score FROM assessment_item_scores
         WHERE campaign_id = $1 AND round = $2 AND source = 'entered' GROUP BY unit_id`,
        [input.campaignId, input.round],
      );
      const entered = new Map(rows.map((r) => [r.unit_id, Number(r.score)]));
      const scores = metrics.map((m) => ({ unitId: m.unitId, score: entered.get(m.unitId) ?? computedScore(m, input.formula) }));
      for (const s of scores.filter((x) => !entered.has(x.unitId))) {
        await db.query(
          `INSERT INTO assessment_item_scores (campaign_id, round, unit_id, item, score, source, entered_at)
           VALUES ($1, $2, $3, '记录评分', $4, 'computed', $5) ON CONFLICT DO NOTHING`,
          [input.campaignId, input.round, s.unitId, s.score, input.at],
        );
      }
      return scores;
    },

    async saveAssessmentResults(input: {
      campaignId: string;
      round: number;
      publishedAt: string;
      ranking: RankedUnit[];
      consequences: { unitId: string; consequence: Consequence }[];
    }): Promise<void> {
      const consequence = new Map(input.consequences.map((c) => [c.unitId, c.consequence]));
      await inTransaction(db, async (tx) => {
        for (const r of input.ranking) {
          await tx.query(
            `INSERT INTO assessment_scores (campaign_id, round, unit_id, score, rank, last, consequence)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
            [input.campaignId, input.round, r.unitId, r.score, r.rank, r.last, consequence.get(r.unitId) ?? null],
          );
        }
        await tx.query('UPDATE assessment_rounds SET published_at = $3 WHERE campaign_id = $1 AND round = $2', [
          input.campaignId,
          input.round,
          input.publishedAt,
        ]);
      });
    },
  };
}
