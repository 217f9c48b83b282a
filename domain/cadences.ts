// Cadences of a campaign (每周一检查、每月一通报、调度、每季一调度、半年一小结、每月报送、每两月测评):
// data in the definition, defaults from the seed plans. The campaign workflow keeps one timer per
// cadence; where a date falls on a holiday, the calendar activity moves it to the next working day.
import { z } from 'zod';
import { EVIDENCE_FORMS, type EvidenceForm } from './task-state.js';
import { addDays, dayOfWeek, daysInMonth } from './calendar.js';
import type { CampaignDefinition } from './definition.js';

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

// ---------------------------------------------------------------------------------------------
// The schedule as the console shows it: phases and cadences with their coming dates.

/** Names of cadences for users, by their key in the definition. */
export const CADENCE_NAMES: Record<string, string> = {
  weeklyCheck: '每周一检查',
  monthlyBulletin: '月通报',
  quarterlyDispatch: '季调度',
  halfYearSummary: '半年小结',
  monthlyMaterials: '每月报送',
  dispatch: '调度',
  officeDispatch: '创建办调度',
  deputyDispatch: '副组长调度',
  leaderDispatch: '主要领导调度',
  assessment: '实地测评',
};

export interface PhaseView {
  name: string;
  start: string;
  end: string;
  state: 'past' | 'current' | 'future';
}

/** The definition's phases, each past, current or future on `today` (a civil date). */
export function phasesOf(def: Pick<CampaignDefinition, 'phases'>, today: string): PhaseView[] {
  return (def.phases ?? []).map((p) => ({
    ...p,
    state: today > p.end ? 'past' : today < p.start ? 'future' : 'current',
  }));
}

export interface CadenceView {
  key: string;
  name: string;
  /** How the campaign defines it, in words. */
  rule: string;
  /** The coming dates (civil dates in the campaign's zone), when they can be told. */
  next: string[];
  /** 'workflow' when running workflows act on it; 'definition' when only the definition says it. */
  source: 'workflow' | 'definition';
}

/**
 * The cadences a campaign runs. The weekly check (每周一检查, Monday 09:00 unless the definition
 * says otherwise) is what every task's workflow acts on today; other cadences are listed as the
 * definition gives them, with their coming dates when the definition states a weekday or day of month.
 */
export function cadencesOf(def: Pick<CampaignDefinition, 'cadences' | 'end'>, today: string, count = 4): CadenceView[] {
  const out: CadenceView[] = [];
  const raw = (def.cadences ?? {}) as Record<string, unknown>;
  const weekly = objectOf(raw.weeklyCheck);
  const weekday = typeof weekly?.weekday === 'number' ? weekly.weekday : 1;
  const time = typeof weekly?.time === 'string' ? weekly.time : '09:00';
  out.push({
    key: 'weeklyCheck',
    name: CADENCE_NAMES.weeklyCheck,
    rule: `每周${'一二三四五六日'[weekday - 1] ?? weekday} ${time} 检查进展，未报送的发催办`,
    next: nextWeekdays(today, weekday, count, def.end),
    source: 'workflow',
  });
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'weeklyCheck') continue;
    const v = objectOf(value);
    const next =
      typeof v?.weekday === 'number'
        ? nextWeekdays(today, v.weekday, count, def.end)
        : typeof v?.day === 'number' || typeof v?.dayOfMonth === 'number'
          ? nextMonthDays(today, Number(v?.day ?? v?.dayOfMonth), monthStep(v), count, def.end)
          : [];
    out.push({ key, name: CADENCE_NAMES[key] ?? key, rule: describeCadence(value), next, source: 'definition' });
  }
  return out;
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function monthStep(v: Record<string, unknown> | undefined): number {
  const every = v?.everyMonths ?? v?.months ?? v?.interval;
  if (typeof every === 'number' && every >= 1) return every;
  const f = v?.frequency ?? v?.every;
  if (f === 'quarterly') return 3;
  if (f === 'halfYearly' || f === 'halfYear') return 6;
  if (f === 'bimonthly') return 2;
  return 1;
}

function describeCadence(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('，');
}

/** Up to `count` dates from `today` on, none after `end`, that fall on an ISO weekday (1 = Monday). */
export function nextWeekdays(today: string, weekday: number, count: number, end: string): string[] {
  const out: string[] = [];
  let d = addDays(today, (weekday - dayOfWeek(today) + 7) % 7);
  while (out.length < count && d <= end) {
    out.push(d);
    d = addDays(d, 7);
  }
  return out;
}

/**
 * Up to `count` dates from `today` on, none after `end`, on a day of the month (the month's last
 * day where it is shorter), every `step` months from today's month; looks 48 steps ahead at most.
 */
export function nextMonthDays(today: string, day: number, step: number, count: number, end: string): string[] {
  if (!Number.isInteger(day) || day < 1 || day > 31) return [];
  const out: string[] = [];
  const first = Number(today.slice(0, 4)) * 12 + Number(today.slice(5, 7)) - 1;
  for (let i = 0; i < 48 && out.length < count; i++) {
    const index = first + i * step;
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    const d = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(day, daysInMonth(year, month))).padStart(2, '0')}`;
    if (d > end) break;
    if (d >= today) out.push(d);
  }
  return out;
}
