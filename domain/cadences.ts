// Cadences of a campaign (每周一检查、每月一通报、每月抽查、日常巡查、调度、每季一调度、半年一小结、
// 年终总结、每月报送、每两月测评): data in the definition. A campaign runs exactly the cadences its
// definition names (the importer writes those the plan states, and proposes others marked as such);
// the campaign workflow keeps one timer per cadence, moved off holidays by the calendar activity.
import { z } from 'zod';
import { EVIDENCE_FORMS, type EvidenceForm } from './task-state.js';
import { recipientListSchema } from './ladder.js';

const time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:mm')
  .default('09:00');
const weekday = z.number().int().min(1, '星期应为 1（周一）到 7（周日）').max(7, '星期应为 1（周一）到 7（周日）');
const dayOfMonth = z.number().int().min(1, '日期应为 1 到 31').max(31, '日期应为 1 到 31');
const month = z.number().int().min(1, '月份应为 1 到 12').max(12, '月份应为 1 到 12');
export const FREQUENCIES = ['weekly', 'halfMonthly', 'monthly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

const FORMS = Object.keys(EVIDENCE_FORMS) as [EvidenceForm, ...EvidenceForm[]];

/** Who receives a digest, when the plan names its audience (e.g. 报送分管领导); else the kind's own. */
const recipients = recipientListSchema;

/**
 * Fields every cadence may carry besides its own: where the plan states it (`line`, `lines`), that
 * the importer only proposes it (`proposed`), the plan's word for it (`method`: 检查、督查、抽查).
 */
const annotations = {
  line: z.number().int().min(1).optional(),
  lines: z.array(z.number().int().min(1)).optional(),
  proposed: z.boolean().optional(),
  method: z.string().trim().min(1).max(20).optional(),
};

// One shape per cadence. The definition is checked strictly (an unknown key is an error with its
// line); the campaign workflow reads the same shapes loosely, so that definitions of campaigns
// started before a key was known still replay.
const shapes = {
  /** 每周一检查: a digest to the office of tasks without progress, acknowledgements outstanding, deadlines next week. */
  weeklyCheck: { weekday: weekday.default(1), time, recipients: recipients.optional(), ...annotations },
  /** 每月一通报: completion per unit, overdue tasks, notices issued, a red/yellow/green mark per unit. */
  monthlyBulletin: { day: dayOfMonth.default(1), time, recipients: recipients.optional(), ...annotations },
  /** 每月抽查 (督查、暗访): the month's spot check and its bulletin, on a set day. */
  monthlyCheck: { day: dayOfMonth.default(25), time, recipients: recipients.optional(), ...annotations },
  /** 日常巡查: a reminder to every unit to patrol its area, weekly or monthly. */
  routinePatrol: {
    frequency: z.enum(['weekly', 'monthly']).default('weekly'),
    weekday: weekday.default(1),
    day: dayOfMonth.default(1),
    time,
    recipients: recipients.optional(),
    ...annotations,
  },
  /** 调度: office weekly, deputy leaders half-monthly, main leaders monthly. */
  dispatch: {
    office: z.enum(FREQUENCIES).optional(),
    deputies: z.enum(FREQUENCIES).optional(),
    leaders: z.enum(FREQUENCIES).optional(),
    weekday: weekday.default(5),
    time,
    ...annotations,
  },
  /** 每季一调度: on the first working day of each quarter, for the quarter before. */
  quarterlyDispatch: { time, recipients: recipients.optional(), ...annotations },
  /** 半年一小结: on the first working day of January and July, for the half-year before. */
  halfYearSummary: { time, recipients: recipients.optional(), ...annotations },
  /** 年终总结: once a year on a set day (20 December unless named), for the year so far. */
  yearEndSummary: { month: month.default(12), day: dayOfMonth.default(20), time, recipients: recipients.optional(), ...annotations },
  /** 每月定时报送: each unit's materials in the four forms, due on a set day. */
  monthlyMaterials: {
    day: dayOfMonth.default(25),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('17:00'),
    forms: z.array(z.enum(FORMS)).min(1).default([...FORMS]),
    /** Working days after the due day before missing materials count as late. */
    graceWorkingDays: z.number().int().min(0).max(30).default(3),
    /** 报送至: where the plan sends the materials (named in each 催报). */
    recipient: z.string().trim().min(1).max(100).optional(),
    ...annotations,
  },
  /** 每两月实地测评: one assessment round every N months, with a scoring window. */
  bimonthlyAssessment: {
    everyMonths: z.number().int().min(1).max(12).default(2),
    windowWorkingDays: z.number().int().min(1).max(30).default(5),
    ...annotations,
  },
};
type Shapes = typeof shapes;
export type CadenceKey = keyof Shapes;
export const CADENCE_KEYS = Object.keys(shapes) as CadenceKey[];

function schemaOf(strict: boolean) {
  const entries = Object.entries(shapes).map(([key, shape]) => [key, (strict ? z.strictObject(shape) : z.looseObject(shape)).optional()]);
  return (strict ? z.strictObject : z.looseObject)(Object.fromEntries(entries) as { [K in CadenceKey]: z.ZodOptional<z.ZodObject<Shapes[K]>> });
}

/** Each cadence's name for users (the console, plan validate, the editor). */
export const CADENCE_NAMES: Record<CadenceKey, string> = {
  weeklyCheck: '每周一检查',
  monthlyBulletin: '月通报',
  monthlyCheck: '每月抽查',
  routinePatrol: '日常巡查',
  dispatch: '调度',
  quarterlyDispatch: '季调度',
  halfYearSummary: '半年小结',
  yearEndSummary: '年终总结',
  monthlyMaterials: '每月报送',
  bimonthlyAssessment: '实地测评',
};

/** The definition's `cadences:`, checked strictly: unknown cadences and fields are errors. */
export const cadencesSchema = schemaOf(true);
/** The same read leniently, as a running campaign reads the definition it started with. */
export const storedCadencesSchema = schemaOf(false);
export type Cadences = z.output<typeof cadencesSchema>;

/**
 * What campaigns started before definitions had to name their cadences ran when theirs named none
 * (the seed plans' rhythm); kept for them alone. A definition without cadences runs none.
 */
export const DEFAULT_CADENCES: Cadences = cadencesSchema.parse({
  weeklyCheck: {},
  monthlyBulletin: {},
  dispatch: { office: 'weekly', deputies: 'halfMonthly', leaders: 'monthly' },
  quarterlyDispatch: {},
  halfYearSummary: {},
  monthlyMaterials: {},
  bimonthlyAssessment: {},
});

export const DISPATCH_AUDIENCE_NAMES = { office: '创建办', deputies: '分管领导', leaders: '主要领导' } as const;
export type DispatchAudience = keyof typeof DISPATCH_AUDIENCE_NAMES;
