// Cadences of a campaign (每周一检查、每月一通报、调度、每季一调度、半年一小结、每月报送、每两月测评):
// data in the definition, defaults from the seed plans. The campaign workflow keeps one timer per
// cadence; where a date falls on a holiday, the calendar activity moves it to the next working day.
import { z } from 'zod';
import { EVIDENCE_FORMS, type EvidenceForm } from './task-state.js';

const time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:mm')
  .default('09:00');
const weekday = z.number().int().min(1, '星期应为 1（周一）到 7（周日）').max(7, '星期应为 1（周一）到 7（周日）');
const dayOfMonth = z.number().int().min(1, '日期应为 1 到 31').max(31, '日期应为 1 到 31');
export const FREQUENCIES = ['weekly', 'halfMonthly', 'monthly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

const FORMS = Object.keys(EVIDENCE_FORMS) as [EvidenceForm, ...EvidenceForm[]];

// Imported plans carry extra keys (the line a rule was read from); they are kept, not refused.
export const cadencesSchema = z.object({
  /** 每周一检查: a digest to the office of tasks without progress, acknowledgements outstanding, deadlines next week. */
  weeklyCheck: z.looseObject({ weekday: weekday.default(1), time }).optional(),
  /** 每月一通报: completion per unit, overdue tasks, notices issued, a red/yellow/green mark per unit. */
  monthlyBulletin: z.looseObject({ day: dayOfMonth.default(1), time }).optional(),
  /** 调度: office weekly, deputy leaders half-monthly, main leaders monthly. */
  dispatch: z
    .looseObject({
      office: z.enum(FREQUENCIES).optional(),
      deputies: z.enum(FREQUENCIES).optional(),
      leaders: z.enum(FREQUENCIES).optional(),
      weekday: weekday.default(5),
      time,
    })
    .optional(),
  /** 每季一调度: on the first working day of each quarter, for the quarter before. */
  quarterlyDispatch: z.looseObject({ time }).optional(),
  /** 半年一小结: on the first working day of January and July, for the half-year before. */
  halfYearSummary: z.looseObject({ time }).optional(),
  /** 每月定时报送: each unit's materials in the four forms, due on a set day. */
  monthlyMaterials: z
    .looseObject({
      day: dayOfMonth.default(25),
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('17:00'),
      forms: z.array(z.enum(FORMS)).min(1).default([...FORMS]),
      /** Working days after the due day before missing materials count as late. */
      graceWorkingDays: z.number().int().min(0).max(30).default(3),
    })
    .optional(),
  /** 每两月实地测评: one assessment round every N months, with a scoring window. */
  bimonthlyAssessment: z
    .looseObject({
      everyMonths: z.number().int().min(1).max(12).default(2),
      windowWorkingDays: z.number().int().min(1).max(30).default(5),
    })
    .optional(),
});
export type Cadences = z.output<typeof cadencesSchema>;

/** What a campaign runs when its definition names no cadences: everything the seed plans prescribe. */
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
