// Dates that make sense at start: a definition whose period has ended is refused; one whose period
// began before today lists the notices whose dates already passed (补发通知) and the tasks whose
// deadlines already lapsed, and starts as of today unless the catch-up is asked for. Pure: the
// CLI, the HTTP API and the console run these before anything starts.
import { cadencesSchema, DEFAULT_CADENCES, type Cadences } from './cadences.js';
import { addDays, dayOfWeek, daysBetween, daysInMonth } from './calendar.js';
import type { CampaignDefinition } from './definition.js';
import { NOTICE_KINDS } from './notices.js';

/** One notice that would go out at once because its date has passed. */
export interface CatchUpNotice {
  /** Its nominal date (a holiday moves it to the next working day). */
  date: string;
  /** Its kind in NOTICE_KINDS, e.g. weeklyCheck, monthlyBulletin, materialsReminder, phaseStart. */
  kind: string;
  name: string;
  /** Notices of the date, when one goes to each unit (材料催报通知); one otherwise. */
  copies?: number;
}

/** A task whose deadline has passed: its 逾期通报 (and the rungs after it already due) would be issued at once. */
export interface LapsedTask {
  id: string;
  title: string;
  deadline: string;
  /** Days since the deadline. */
  daysOverdue: number;
}

export type StartDateCheck =
  | { status: 'current'; today: string }
  | { status: 'ended'; today: string; end: string; message: string }
  | { status: 'past'; today: string; start: string; catchUp: CatchUpNotice[]; lapsedTasks: LapsedTask[] };

/** Today's civil date (YYYY-MM-DD) in a time zone. */
export function civilDateIn(timeZone: string, at: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Where the definition's period stands on `today` (a civil date in its zone). */
export function checkStartDates(def: CampaignDefinition, today: string): StartDateCheck {
  if (def.end < today) return { status: 'ended', today, end: def.end, message: endedMessage(def, today) };
  if (def.start >= today) return { status: 'current', today };
  return { status: 'past', today, start: def.start, catchUp: catchUpNotices(def, today), lapsedTasks: lapsedTasks(def, today) };
}

function endedMessage(def: CampaignDefinition, today: string): string {
  return (
    `创建活动「${def.title}」的活动期 ${def.start} 至 ${def.end} 已经结束（今天是 ${today}），拒绝启动：` +
    '启动后它会立即期满结束、撤销全部任务并印发总结。' +
    `如要按此方案重新开展或演练，请用 --shift-to YYYY-MM-DD 把全部日期整体平移到新的开始日期（例如 --shift-to ${addDays(today, 1)}）。`
  );
}

export function lapsedTasks(def: CampaignDefinition, today: string): LapsedTask[] {
  return def.tasks
    .filter((t) => t.deadline < today)
    .map((t) => ({ id: t.id, title: t.title, deadline: t.deadline, daysOverdue: daysBetween(t.deadline, today) }));
}

/**
 * The campaign's own notices dated from its start up to yesterday, as its workflow would issue them
 * at once on a start today: phases begun, weekly checks, bulletins, dispatches, quarterly and
 * half-year reports, materials reminders and assessment rounds (a period report of under a day is
 * not issued, as the workflow does on the campaign's first morning).
 */
export function catchUpNotices(def: CampaignDefinition, today: string): CatchUpNotice[] {
  const c: Cadences = def.cadences ? cadencesSchema.parse(def.cadences) : DEFAULT_CADENCES;
  const last = addDays(today, -1) < def.end ? addDays(today, -1) : def.end;
  const out: CatchUpNotice[] = [];
  const push = (date: string, kind: keyof typeof NOTICE_KINDS, name: string = NOTICE_KINDS[kind].name) => out.push({ date, kind, name });
  const days = (from: string, to: string) => {
    const list: string[] = [];
    for (let d = from; d <= to; d = addDays(d, 1)) list.push(d);
    return list;
  };
  const period = days(def.start, last);
  const monthDay = (d: string, day: number) => {
    const [y, m] = d.split('-').map(Number);
    return Number(d.slice(8)) === Math.min(day, daysInMonth(y, m));
  };
  const month = (d: string) => Number(d.slice(5, 7));
  // A period report due on the start day itself covers no time and is skipped.
  const report = (d: string) => d !== def.start;

  // The current phase is announced on the first morning either way; those that ended would be caught up.
  for (const p of def.phases) if (p.end < today && p.start <= last) push(p.start, 'phaseStart', `阶段工作通知（${p.name}）`);
  for (const d of period) {
    if (c.weeklyCheck && dayOfWeek(d) === c.weeklyCheck.weekday) push(d, 'weeklyCheck');
    if (c.monthlyBulletin && monthDay(d, c.monthlyBulletin.day) && report(d)) push(d, 'monthlyBulletin');
    if (c.dispatch && report(d)) {
      for (const [audience, label] of [
        ['office', '创建办调度'],
        ['deputies', '分管领导调度'],
        ['leaders', '主要领导调度'],
      ] as const) {
        const f = c.dispatch[audience];
        const due =
          f === 'weekly' ? dayOfWeek(d) === c.dispatch.weekday : f === 'monthly' ? monthDay(d, 1) : f === 'halfMonthly' ? monthDay(d, 1) || monthDay(d, 16) : false;
        if (due) push(d, 'dispatch', `工作调度（${label}）`);
      }
    }
    if (c.quarterlyDispatch && monthDay(d, 1) && [1, 4, 7, 10].includes(month(d)) && report(d)) push(d, 'quarterlyDispatch');
    if (c.halfYearSummary && monthDay(d, 1) && [1, 7].includes(month(d)) && report(d)) push(d, 'halfYearSummary');
    if (c.monthlyMaterials && monthDay(d, c.monthlyMaterials.day)) {
      out.push({ date: d, kind: 'materialsReminder', name: `材料催报通知（${def.units.length} 个单位各一份）`, copies: def.units.length });
    }
  }
  if (c.bimonthlyAssessment) {
    const every = c.bimonthlyAssessment.everyMonths;
    const [y, m] = def.start.split('-').map(Number);
    for (let index = y * 12 + m - 1 + every; ; index += every) {
      const d = `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
      if (d > last) break;
      push(d, 'assessmentResult', '实地测评（开始评分，窗口关闭后通报结果）');
    }
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * The definition as it starts today without the catch-up: the campaign's start is today, so every
 * cadence counts from today on; phases that ended are left out and the current one begins today
 * (its notice goes out on the first morning). Tasks keep their dates: one whose start passed is
 * assigned at once, as on any start. With nothing to skip, the definition is left as written.
 */
export function startingToday(def: CampaignDefinition, today: string): CampaignDefinition {
  if (def.start >= today || catchUpNotices(def, today).length === 0) return def;
  return {
    ...def,
    start: today,
    phases: def.phases.filter((p) => p.end >= today).map((p) => (p.start < today ? { ...p, start: today } : p)),
  };
}

/** How many notices the catch-up would issue. */
export function catchUpCount(notices: readonly CatchUpNotice[]): number {
  return notices.reduce((n, x) => n + (x.copies ?? 1), 0);
}

/** The catch-up notices counted by name, e.g. 每周检查情况 12 份、月度工作通报 3 份. */
export function countByName(notices: readonly CatchUpNotice[]): string {
  const counts = new Map<string, number>();
  for (const n of notices) {
    const name = n.name.replace(/（.*）$/, '');
    counts.set(name, (counts.get(name) ?? 0) + (n.copies ?? 1));
  }
  return [...counts].map(([name, n]) => `${name} ${n} 份`).join('、');
}

/** What a start in the past would do, in lines for a person: the catch-up notices and the lapsed tasks. */
export function describePastStart(check: Extract<StartDateCheck, { status: 'past' }>): string[] {
  const lines = [`活动开始日期 ${check.start} 早于今天（${check.today}）。`];
  if (check.catchUp.length) {
    lines.push(`已过日期的例行通知共 ${catchUpCount(check.catchUp)} 份（${countByName(check.catchUp)}；逢节假日的顺延到下一个工作日）：`);
    for (const n of check.catchUp) lines.push(`  ${n.date}  ${n.name}`);
  } else lines.push('没有已过日期的例行通知。');
  if (check.lapsedTasks.length) {
    lines.push(`截止日期已过的任务 ${check.lapsedTasks.length} 项，启动即逾期，逾期通报（及已到期的后续督办）将立即发出：`);
    for (const t of check.lapsedTasks) lines.push(`  ${t.id} ${t.title}：${t.deadline} 截止，已过 ${t.daysOverdue} 天`);
  }
  return lines;
}

/** Why a past start without --catch-up is refused (tasks already lapsed), or undefined when it may start as of today. */
export function pastStartRefusal(check: Extract<StartDateCheck, { status: 'past' }>): string | undefined {
  if (!check.lapsedTasks.length) return undefined;
  return [
    ...describePastStart(check),
    `拒绝启动：${check.lapsedTasks.length} 项任务的截止日期已过。` +
      `请用 --shift-to YYYY-MM-DD 把全部日期整体平移（例如 --shift-to ${check.today}），` +
      '或确认要补发上列通知、让这些任务按逾期处理时加 --catch-up（控制台勾选「补发已过日期的通知」）。',
  ].join('\n');
}
