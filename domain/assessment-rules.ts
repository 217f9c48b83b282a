// The definition's `assessment:` — the plan's own rules for the ranking of an assessment round
// (排名末位的通报批评；连续两次末位的约谈主要负责人；仍整改不得力的追究责任), where its results are
// reported, and the points each consequence costs. Checked strictly: an unknown rule is an error.
// Workflows read the parsed data through lastPlaceRulesOf (domain/assessment.ts), never this schema.
import { z } from 'zod';

const annotations = {
  line: z.number().int().min(1).optional(),
  lines: z.array(z.number().int().min(1)).optional(),
};
/** What last place brings, by the ladder's names: 通报批评, 约谈, 追责. */
export const LAST_PLACE_ACTIONS = ['criticismNotice', 'interview', 'accountabilityReferral'] as const;
const action = z.enum(LAST_PLACE_ACTIONS, { message: `应为 ${LAST_PLACE_ACTIONS.join('、')} 之一（通报批评、约谈、追责）` });
const points = z.number().min(0, '扣分不能为负').max(100, '扣分不能超过 100');

/** The rules that act on an assessment round's ranking: they need rounds (cadences.bimonthlyAssessment). */
export const ROUND_RULES = ['lastPlace', 'consecutiveLastPlace', 'stillFailing', 'publishResults', 'reportTo'] as const;

export const assessmentRulesSchema = z.strictObject({
  /** 排名最后一位的 → action. */
  lastPlace: z.strictObject({ action, ...annotations }).optional(),
  /** 连续 N 次排名最后 → action (约谈: target names whom). */
  consecutiveLastPlace: z
    .strictObject({ times: z.number().int().min(2).max(6).default(2), action, target: z.string().trim().min(1).optional(), ...annotations })
    .optional(),
  /** 仍整改不得力的 (last again after that) → action. */
  stillFailing: z.strictObject({ action, ...annotations }).optional(),
  /** 测评结果通报 (scope in words, e.g. 全区). */
  publishResults: z.strictObject({ scope: z.string().trim().min(1).optional(), ...annotations }).optional(),
  /** 测评结果报送 the superior body: the results notice is copied to office.superior. */
  reportTo: z.strictObject({ to: z.string().trim().min(1), ...annotations }).optional(),
  /** 纳入年终绩效考核: results and consequences count in the year-end performance. */
  performance: z
    .strictObject({ period: z.enum(['yearEnd', 'yearly']).default('yearEnd'), usedFor: z.array(z.string().trim().min(1)).optional(), ...annotations })
    .optional(),
  /** 扣分 on a 通报 (the trigger in the plan's words). */
  performanceDeduction: z.strictObject({ trigger: z.string().trim().min(1).optional(), ...annotations }).optional(),
  /** Points off the year-end performance for each consequence. */
  deductions: z.strictObject({ criticism: points.optional(), interview: points.optional(), accountability: points.optional() }).optional(),
});
export type AssessmentRules = z.output<typeof assessmentRulesSchema>;
