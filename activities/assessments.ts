// 每两月实地测评: the round's record in PostgreSQL — window, entered and computed scores, results.
import { DateTime } from 'luxon';
import { loadCampaignContext, loadCampaignSettings } from '../db/campaigns.js';
import { pointMetrics } from '../db/inspections.js';
import {
  enteredScoreMeans,
  insertAssessmentRound,
  insertComputedScore,
  insertRoundResult,
  markRoundPublished,
  upsertEnteredScore,
} from '../db/assessments.js';
import { inTransaction, type Db } from '../db/pool.js';
import { unitMetrics } from '../db/reports.js';
import { computedScore, DEFAULT_SCORE_FORMULA, periodLabel, type Consequence, type RankedUnit, type ScoreFormula } from '../domain/assessment.js';

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
      return { start: start.toISODate()!, end: end.toISODate()!, label: periodLabel(start.toISODate()!, end.toISODate()!) };
    },

    async openAssessmentRound(input: { campaignId: string; round: number; periodStart: string; periodEnd: string; windowCloses: string }): Promise<void> {
      await insertAssessmentRound(db, input);
    },

    /** Scores entered by an assessor; a later entry for the same unit and item replaces the earlier one. */
    async recordAssessmentScores(input: { campaignId: string; round: number; assessor: string; enteredAt: string; scores: ItemScore[] }): Promise<void> {
      await inTransaction(db, async (tx) => {
        for (const s of input.scores) {
          await upsertEnteredScore(tx, { campaignId: input.campaignId, round: input.round, ...s, assessor: input.assessor, enteredAt: input.enteredAt });
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
      const period = {
        start: input.periodStart,
        end: input.periodEnd,
        startsAt: DateTime.fromISO(input.periodStart, { zone }).toUTC().toISO()!,
        endsAt: DateTime.fromISO(input.periodEnd, { zone }).plus({ days: 1 }).toUTC().toISO()!,
      };
      const metrics = await unitMetrics(db, input.campaignId, period);
      const rows = await enteredScoreMeans(db, input.campaignId, input.round);
      const entered = new Map(rows.map((r) => [r.unit_id, Number(r.score)]));
      // 点位测评: where the campaign scores its problem points, they count too (docs/inspections.md).
      const scoring = (await loadCampaignSettings(db, input.campaignId))?.inspections?.scoring;
      let formula = input.formula;
      if (scoring) {
        formula = { ...(input.formula ?? DEFAULT_SCORE_FORMULA), latePointPenalty: scoring.latePoints, returnedPointPenalty: scoring.returnedPoint, returnedPointCap: scoring.returnedCap };
        const points = new Map((await pointMetrics(db, input.campaignId, period)).map((p) => [p.unit_id, p]));
        for (const m of metrics) {
          const p = points.get(m.unitId);
          Object.assign(m, { pointsDue: p?.due ?? 0, pointsFixedOnTime: p?.fixed_on_time ?? 0, pointsReturned: p?.returned ?? 0 });
        }
      }
      const scores = metrics.map((m) => ({ unitId: m.unitId, score: entered.get(m.unitId) ?? computedScore(m, formula) }));
      for (const s of scores.filter((x) => !entered.has(x.unitId))) {
        await insertComputedScore(db, { campaignId: input.campaignId, round: input.round, unitId: s.unitId, score: s.score, at: input.at });
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
          await insertRoundResult(tx, { campaignId: input.campaignId, round: input.round, unit: r, consequence: consequence.get(r.unitId) ?? null });
        }
        await markRoundPublished(tx, input.campaignId, input.round, input.publishedAt);
      });
    },
  };
}
