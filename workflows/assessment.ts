// AssessmentWorkflow: one 实地测评 round. Opens a scoring window; assessors enter scores (validated
// update); at the window's end every unit without entered scores gets one computed from the record;
// units are ranked, the last-place rule applied with memory of earlier rounds, results published.
import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { reject } from './refusals.js';
import {
  consequencesByRules,
  DEFAULT_SCORE_FORMULA,
  lastPlaceConsequences,
  nextLastStreaks,
  rankUnits,
  type Consequence,
  type LastPlaceRules,
  type ScoreFormula,
} from '../domain/assessment.js';
import { assessmentStateQuery, enterScoresUpdate, type AssessmentScoreInput, type AssessmentState } from './messages.js';

export interface AssessmentInput {
  campaignId: string;
  timeZone: string;
  round: number;
  /** The period assessed, [periodFrom, periodTo) as ISO instants. */
  periodFrom: string;
  periodTo: string;
  unitIds: string[];
  windowWorkingDays: number;
  /** How many rounds in a row each unit had been last before this one. */
  previousLastStreaks: Record<string, number>;
  formula?: ScoreFormula;
  /** Points off the year-end performance for each consequence. */
  deductions: Record<Consequence, number>;
  /** The plan's last-place rules; rounds started without them apply the seed plans' (通报批评 → 约谈 → 追责). */
  lastPlaceRules?: LastPlaceRules;
  /** 测评结果报送上级: the results notice is copied to the superior body. */
  reportToSuperior?: boolean;
}

export interface AssessmentOutcome {
  round: number;
  ranking: AssessmentState['ranking'];
  lastPlaceStreaks: Record<string, number>;
  documentNumbers: string[];
}

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function AssessmentWorkflow(input: AssessmentInput): Promise<AssessmentOutcome> {
  const { campaignId, round } = input;
  const info = workflowInfo();
  const keyBase = `${info.workflowId}@${info.firstExecutionRunId}`;
  const period = await activities.assessmentPeriod({ campaignId, from: input.periodFrom, to: input.periodTo });
  const state: AssessmentState = { campaignId, round, label: period.label, entered: {} };
  let windowOpen = true;
  const units = new Set(input.unitIds);

  setHandler(assessmentStateQuery, () => state);
  setHandler(
    enterScoresUpdate,
    async ({ assessor, scores }) => {
      await activities.recordAssessmentScores({ campaignId, round, assessor, enteredAt: new Date().toISOString(), scores });
      for (const s of scores) state.entered[s.unitId] = { ...state.entered[s.unitId], [s.item]: s.score };
      return state;
    },
    {
      validator: ({ assessor, scores }) => {
        if (!windowOpen) reject('测评评分已截止', 'InvalidState');
        if (typeof assessor !== 'string' || !assessor.trim()) reject('请填写测评人');
        if (!(scores?.length > 0)) reject('没有评分');
        scores.forEach((s: AssessmentScoreInput['scores'][number], i: number) => {
          if (!units.has(s.unitId)) reject(`第 ${i + 1} 条：未知单位 ${s.unitId}`);
          if (typeof s.item !== 'string' || !s.item.trim()) reject(`第 ${i + 1} 条：缺少测评项目`);
          if (typeof s.score !== 'number' || !Number.isFinite(s.score) || s.score < 0 || s.score > 100) {
            reject(`第 ${i + 1} 条：分数应在 0 到 100 之间（${s.unitId}，${s.item}）`);
          }
        });
      },
    },
  );

  const opened = new Date().toISOString();
  const { lapsesAt } = await activities.addWorkingDays({
    campaignId,
    timeZone: input.timeZone,
    from: opened,
    days: input.windowWorkingDays,
  });
  state.windowClosesAt = lapsesAt;
  await activities.openAssessmentRound({ campaignId, round, periodStart: period.start, periodEnd: period.end, windowCloses: lapsesAt });
  await sleep(Math.max(Date.parse(lapsesAt) - Date.now(), 1));
  windowOpen = false;
  await condition(allHandlersFinished);

  const closedAt = new Date().toISOString();
  const scores = await activities.roundScores({
    campaignId,
    round,
    periodStart: period.start,
    periodEnd: period.end,
    at: closedAt,
    formula: input.formula ?? DEFAULT_SCORE_FORMULA,
  });
  const ranking = rankUnits(scores);
  const consequences = input.lastPlaceRules
    ? consequencesByRules(ranking, input.previousLastStreaks, input.lastPlaceRules)
    : lastPlaceConsequences(ranking, input.previousLastStreaks);
  state.ranking = ranking;
  state.consequences = consequences;
  await activities.saveAssessmentResults({ campaignId, round, publishedAt: closedAt, ranking, consequences });
  const documentNumbers = await activities.publishAssessment({
    key: `${keyBase}/results`,
    campaignId,
    issuedAt: closedAt,
    round,
    label: period.label,
    ranking,
    consequences,
    deductions: input.deductions,
    ...(input.reportToSuperior ? { reportToSuperior: true } : {}),
  });
  return { round, ranking, lastPlaceStreaks: nextLastStreaks(ranking, input.previousLastStreaks), documentNumbers };
}
