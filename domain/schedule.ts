// The schedule as the console shows it: the phases, every cadence that runs with its coming dates,
// and every rule of the plan — those the engine carries out and those it leaves to the office
// (不自动执行), each with the line of the plan it was read from.
import { CONSEQUENCE_NAMES, lastPlaceRulesOf } from './assessment.js';
import { addDays, dayOfWeek, daysInMonth } from './calendar.js';
import { CADENCE_NAMES, DISPATCH_AUDIENCE_NAMES, storedCadencesSchema, type Cadences } from './cadences.js';
import type { CampaignDefinition } from './definition.js';
import { RUNG_INFO } from './ladder.js';

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
  /** What it does and when, in words. */
  rule: string;
  /** Coming dates (civil dates in the campaign's zone; a holiday moves one to the next working day). */
  next: string[];
  /** `plan`: read from the plan (line); `proposed`: proposed at import and kept; `set`: written by hand; `tasks`: each task's own reminder. */
  source: 'plan' | 'proposed' | 'set' | 'tasks';
  line?: number;
}

const WEEKDAYS = '一二三四五六日';
const FREQUENCY_WORDS = { weekly: '每周', halfMonthly: '每半月', monthly: '每月' } as const;

/**
 * The cadences a campaign runs: those its definition names, none other, and the weekly 催办 that
 * goes to each unit for all its tasks without progress (on the weekly check's day, else Monday).
 */
export function cadencesOf(def: Pick<CampaignDefinition, 'cadences' | 'start' | 'end'>, today: string, count = 4): CadenceView[] {
  const parsed = storedCadencesSchema.safeParse(def.cadences ?? {});
  const c: Cadences = parsed.success ? (parsed.data as Cadences) : {};
  const from = today > def.start ? today : def.start;
  const weekly = (weekday: number) => nextWeekdays(from, weekday, count, def.end);
  const monthly = (day: number, months?: number[]) => nextMonthDays(from, day, count, def.end, months);
  const out: CadenceView[] = [];
  const add = (key: string, name: string, rule: string, next: string[], meta: { line?: number; proposed?: boolean }) =>
    out.push({ key, name, rule, next, source: meta.proposed ? 'proposed' : meta.line ? 'plan' : 'set', ...(meta.line ? { line: meta.line } : {}) });
  const to = (r: { recipients?: { to: string[] } } | undefined, fallback: string) => (r?.recipients ? `发${r.recipients.to.join('、')}` : fallback);

  if (c.weeklyCheck) {
    const w = c.weeklyCheck;
    add('weeklyCheck', CADENCE_NAMES.weeklyCheck, `每周${WEEKDAYS[w.weekday - 1]} ${w.time} ${w.method ?? '检查'}，${to(w, '情况发创建办')}`, weekly(w.weekday), w);
  }
  out.push({
    key: 'taskReminder',
    name: '任务催办',
    rule: `每周${WEEKDAYS[(c.weeklyCheck?.weekday ?? 1) - 1]} ${c.weeklyCheck?.time ?? '09:00'} 检查各任务，向每个牵头单位发一份催办，列出其一周未报送进展的全部任务`,
    next: weekly(c.weeklyCheck?.weekday ?? 1),
    source: 'tasks',
  });
  if (c.monthlyBulletin) {
    const m = c.monthlyBulletin;
    add('monthlyBulletin', CADENCE_NAMES.monthlyBulletin, `每月${m.day}日 ${m.time} 通报各单位完成情况，${to(m, '发各单位和领导')}`, monthly(m.day), m);
  }
  if (c.monthlyCheck) {
    const m = c.monthlyCheck;
    add('monthlyCheck', `每月${m.method ?? '抽查'}`, `每月${m.day}日 ${m.time} 发${m.method ?? '抽查'}情况通报，${to(m, '发各单位和领导')}`, monthly(m.day), m);
  }
  if (c.routinePatrol) {
    const p = c.routinePatrol;
    const when = p.frequency === 'weekly' ? `每周${WEEKDAYS[p.weekday - 1]}` : `每月${p.day}日`;
    add('routinePatrol', CADENCE_NAMES.routinePatrol, `${when} ${p.time} 提醒各单位开展日常${p.method ?? '巡查'}`, p.frequency === 'weekly' ? weekly(p.weekday) : monthly(p.day), p);
  }
  if (c.dispatch) {
    const d = c.dispatch;
    for (const audience of ['office', 'deputies', 'leaders'] as const) {
      const frequency = d[audience];
      if (!frequency) continue;
      const next =
        frequency === 'weekly' ? weekly(d.weekday) : frequency === 'monthly' ? monthly(1) : [...monthly(1), ...monthly(16)].sort().slice(0, count);
      const day = frequency === 'weekly' ? `周${WEEKDAYS[d.weekday - 1]}` : frequency === 'monthly' ? '1日' : '1日和16日';
      add(`dispatch.${audience}`, `${DISPATCH_AUDIENCE_NAMES[audience]}调度`, `${FREQUENCY_WORDS[frequency]}（${day} ${d.time}）向${DISPATCH_AUDIENCE_NAMES[audience]}发调度`, next, d);
    }
  }
  if (c.quarterlyDispatch) {
    const q = c.quarterlyDispatch;
    add('quarterlyDispatch', CADENCE_NAMES.quarterlyDispatch, `每季度首个工作日 ${q.time} 报告上季度情况，${to(q, '发领导小组')}`, monthly(1, [1, 4, 7, 10]), q);
  }
  if (c.halfYearSummary) {
    const h = c.halfYearSummary;
    add('halfYearSummary', CADENCE_NAMES.halfYearSummary, `1月和7月首个工作日 ${h.time} 小结上半年，${to(h, '发领导小组')}`, monthly(1, [1, 7]), h);
  }
  if (c.yearEndSummary) {
    const y = c.yearEndSummary;
    add('yearEndSummary', CADENCE_NAMES.yearEndSummary, `每年${y.month}月${y.day}日 ${y.time} 总结全年，${to(y, '发领导小组')}`, monthly(y.day, [y.month]), y);
  }
  if (c.monthlyMaterials) {
    const m = c.monthlyMaterials;
    add('monthlyMaterials', CADENCE_NAMES.monthlyMaterials, `每月${m.day}日 ${m.time} 截止报送材料${m.recipient ? `（报送至${m.recipient}）` : ''}，未报的发催报，宽限 ${m.graceWorkingDays} 个工作日`, monthly(m.day), m);
  }
  if (c.bimonthlyAssessment) {
    const a = c.bimonthlyAssessment;
    const startMonth = Number(def.start.slice(5, 7));
    const months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].filter((m) => (m - startMonth + 12) % a.everyMonths === 0);
    const first = addMonths(def.start.slice(0, 8) + '01', a.everyMonths);
    add('assessment', CADENCE_NAMES.bimonthlyAssessment, `每${a.everyMonths === 1 ? '' : a.everyMonths}个月${a.method ?? '测评'}一次，评分窗口 ${a.windowWorkingDays} 个工作日，排名通报`, nextMonthDays(from > first ? from : first, 1, count, def.end, months), a);
  }
  return out;
}

export interface RuleView {
  group: 'ladder' | 'assessment' | 'manual';
  name: string;
  rule: string;
  /** false: the engine does not carry it out (不自动执行). */
  automated: boolean;
  line?: number;
}

/** The plan's rules: the escalation ladder, the rules of assessment rounds, and what is left to the office. */
export function rulesOf(def: Pick<CampaignDefinition, 'escalation' | 'assessment' | 'manual' | 'cadences'>): RuleView[] {
  const out: RuleView[] = [];
  const ladder = def.escalation?.ladder ?? [];
  ladder.forEach((r, i) => {
    const name = RUNG_INFO[r.rung].name;
    out.push({
      group: 'ladder',
      name: `第${i + 1}级 ${name}`,
      rule: i === 0 ? `任务逾期即发${name}` : `${r.graceDays ? `${r.graceDays} 个工作日后` : '前一级期满仍未整改'}发${name}${r.rectificationDeadline === false ? '' : r.rung === 'supervisionLetter' ? '，限期整改' : ''}`,
      automated: true,
      ...lineOf(r),
    });
  });
  const a = def.assessment;
  if (a && def.cadences?.bimonthlyAssessment) {
    const rules = lastPlaceRulesOf(a as Record<string, unknown>);
    if (a.lastPlace && rules.first) out.push({ group: 'assessment', name: '排名末位', rule: CONSEQUENCE_NAMES[rules.first], automated: true, ...lineOf(a.lastPlace) });
    if (a.consecutiveLastPlace && rules.repeated) {
      out.push({ group: 'assessment', name: `连续${rules.repeated.times}次末位`, rule: `${CONSEQUENCE_NAMES[rules.repeated.consequence]}${a.consecutiveLastPlace.target ? `（${a.consecutiveLastPlace.target}）` : ''}`, automated: true, ...lineOf(a.consecutiveLastPlace) });
    }
    if (a.stillFailing && rules.beyond) out.push({ group: 'assessment', name: '仍整改不力', rule: CONSEQUENCE_NAMES[rules.beyond], automated: true, ...lineOf(a.stillFailing) });
    if (a.reportTo) out.push({ group: 'assessment', name: '结果报送', rule: `测评结果通报抄送${a.reportTo.to}`, automated: true, ...lineOf(a.reportTo) });
    if (!a.lastPlace && !a.consecutiveLastPlace && !a.stillFailing) out.push({ group: 'assessment', name: '排名末位', rule: '方案未规定末位处理：只通报排名', automated: true });
  }
  for (const m of def.manual ?? []) {
    out.push({ group: 'manual', name: m.rule, rule: [m.text, m.reason].filter(Boolean).join('；') || '不自动执行', automated: false, ...(m.line ? { line: m.line } : {}) });
  }
  return out;
}

function lineOf(rule: { line?: number }): { line?: number } {
  return rule.line ? { line: rule.line } : {};
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
 * day where it is shorter), in the given months (all when none); looks four years ahead at most.
 */
export function nextMonthDays(today: string, day: number, count: number, end: string, months?: number[]): string[] {
  if (!Number.isInteger(day) || day < 1 || day > 31) return [];
  const out: string[] = [];
  const first = Number(today.slice(0, 4)) * 12 + Number(today.slice(5, 7)) - 1;
  for (let i = 0; i < 48 && out.length < count; i++) {
    const year = Math.floor((first + i) / 12);
    const month = ((first + i) % 12) + 1;
    if (months && !months.includes(month)) continue;
    const d = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(day, daysInMonth(year, month))).padStart(2, '0')}`;
    if (d > end) break;
    if (d >= today) out.push(d);
  }
  return out;
}

function addMonths(date: string, n: number): string {
  const index = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1 + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-${date.slice(8, 10)}`;
}
