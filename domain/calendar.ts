// The Chinese statutory working-day calendar: weekends, public holidays (法定节假日) and
// adjusted working days (调休上班日).
//
// Pure code: no Node modules, no I/O, no clock, no time zones. Workflow code may import it.
// Dates are civil dates written 'YYYY-MM-DD'; arithmetic goes through Date.UTC, which does
// not depend on the process time zone.
//
// Counting convention (“N个工作日内”): the day of issue is not counted; counting starts on the
// next day (民法典第二百零一条：开始的当日不计入，自下一日开始计算). The deadline is therefore the
// N-th working day after the day of issue, whether or not the day of issue is itself a working
// day, and it lapses at the end (24:00) of that day (第二百零三条). Example: issued Wednesday
// 2026-09-30 with 5 working days → Thursday 2026-10-08 is day 1 (10-01..07 are National Day),
// Friday 10-09 day 2, Saturday 10-10 (调休上班) day 3, Monday 10-12 day 4, Tuesday 10-13 day 5.
//
// A year without a schedule falls back to Monday–Friday, and every answer that looked at such
// a year names it in `missingYears`, so callers can warn instead of being silently wrong.
import { z } from 'zod';

/** The zone of a campaign that names none, and of the office's own records. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

// ---------------------------------------------------------------------------------------------
// Civil dates

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
const WEEKDAY_NAMES = ['', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'];

/** True for a real calendar date written 'YYYY-MM-DD' (rejects 2026-02-30). */
export function isCivilDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(2000, mo - 1, d));
  t.setUTCFullYear(y);
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** Days since 1970-01-01 of a civil date; throws RangeError on a malformed date. */
export function toDayNumber(date: string): number {
  if (!isCivilDate(date)) throw new RangeError(`日期格式应为 YYYY-MM-DD：${date}`);
  const m = DATE_RE.exec(date)!;
  const t = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3])));
  t.setUTCFullYear(Number(m[1]));
  return Math.round(t.getTime() / MS_PER_DAY);
}

/** The civil date of a day number (inverse of toDayNumber). */
export function fromDayNumber(day: number): string {
  const t = new Date(day * MS_PER_DAY);
  const y = t.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError(`日期超出范围：${day}`);
  return `${String(y).padStart(4, '0')}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())}`;
}

/** date + n days. */
export function addDays(date: string, n: number): string {
  return fromDayNumber(toDayNumber(date) + n);
}

/** b − a in days. */
export function daysBetween(a: string, b: string): number {
  return toDayNumber(b) - toDayNumber(a);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function dayOfWeek(date: string): number {
  const d = new Date(toDayNumber(date) * MS_PER_DAY).getUTCDay();
  return d === 0 ? 7 : d;
}

export function yearOf(date: string): number {
  toDayNumber(date);
  return Number(date.slice(0, 4));
}

/** Number of days in a month (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  const t = new Date(Date.UTC(2000, month, 0));
  t.setUTCFullYear(year, month, 0);
  return t.getUTCDate();
}

export function weekdayName(weekday: number): string {
  return WEEKDAY_NAMES[weekday] ?? String(weekday);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function isWeekend(date: string): boolean {
  return dayOfWeek(date) >= 6;
}

// ---------------------------------------------------------------------------------------------
// Data and its schema

/**
 * One year's official schedule (国务院办公厅关于某年部分节假日安排的通知).
 * `holidays`: days off, single dates 'YYYY-MM-DD' or inclusive ranges 'YYYY-MM-DD..YYYY-MM-DD'
 * (weekend days inside a holiday may be listed or not; either way they are days off).
 * `workdays`: 调休上班日, weekend days that are working days.
 */
export interface CalendarYear {
  holidays: string[];
  workdays: string[];
}

/** Schedules by year, e.g. { years: { 2027: { holidays: [...], workdays: [...] } } }. */
export interface CalendarData {
  years: Record<number, CalendarYear>;
}

export type DayKind = 'workday' | 'weekend' | 'holiday' | 'adjustedWorkday';

export interface DayAnswer {
  date: string;
  working: boolean;
  /** workday: ordinary Mon–Fri; weekend; holiday: 法定节假日 (incl. 调休 days off); adjustedWorkday: 调休上班日. */
  kind: DayKind;
  missingYears: number[];
}

export interface DateAnswer {
  date: string;
  /** Years the computation looked at that have no schedule (Monday–Friday was assumed). */
  missingYears: number[];
}

export interface CountAnswer {
  days: number;
  missingYears: number[];
}

const RANGE_SEPARATOR = '..';

/** Expands 'a..b' ranges into single dates; throws RangeError on malformed entries. */
export function expandDateEntries(entries: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    const [from, to, extra] = entry.split(RANGE_SEPARATOR).map((s) => s.trim());
    if (extra !== undefined) throw new RangeError(`日期区间格式应为 YYYY-MM-DD..YYYY-MM-DD：${entry}`);
    if (to === undefined) {
      toDayNumber(from);
      out.push(from);
      continue;
    }
    const a = toDayNumber(from);
    const b = toDayNumber(to);
    if (b < a) throw new RangeError(`日期区间结束早于开始：${entry}`);
    for (let d = a; d <= b; d++) out.push(fromDayNumber(d));
  }
  return out;
}

export interface CalendarProblem {
  /** Path below the year, e.g. ['workdays', 0]. */
  path: (string | number)[];
  message: string;
}

/**
 * Every problem with one year's schedule, messages in Chinese naming the field
 * (法定节假日 = holidays, 调休上班日 = workdays). Shared by the schema and WorkingCalendar.
 */
export function calendarYearProblems(year: number, data: CalendarYear): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  const holidayFirstSeen = new Map<string, number>();

  data.holidays.forEach((entry, i) => {
    const path = ['holidays', i];
    const parts = entry.split(RANGE_SEPARATOR).map((s) => s.trim());
    if (parts.length > 2 || !parts.every(isCivilDate)) {
      problems.push({
        path,
        message: `法定节假日“${entry}”格式错误：应为 YYYY-MM-DD 或区间 YYYY-MM-DD..YYYY-MM-DD，且为真实存在的日期`,
      });
      return;
    }
    const outside = parts.filter((d) => yearOf(d) !== year);
    if (outside.length > 0) {
      problems.push({
        path,
        message: `法定节假日 ${outside.join('、')} 不在 ${year} 年内（跨年的日期请写在其所属年份下）`,
      });
      return;
    }
    if (parts.length === 2 && parts[1] < parts[0]) {
      problems.push({ path, message: `法定节假日区间“${entry}”的结束日期早于开始日期` });
      return;
    }
    for (const date of expandDateEntries([entry])) {
      const first = holidayFirstSeen.get(date);
      if (first !== undefined) {
        problems.push({
          path,
          message: `法定节假日 ${date} 重复（已在 holidays[${first}] 中列出）`,
        });
      } else {
        holidayFirstSeen.set(date, i);
      }
    }
  });
  if (data.holidays.length === 0) {
    problems.push({
      path: ['holidays'],
      message: `${year} 年的法定节假日不能为空：请按国务院办公厅当年的节假日安排通知填写`,
    });
  }

  const workdaySeen = new Map<string, number>();
  data.workdays.forEach((date, i) => {
    const path = ['workdays', i];
    if (!isCivilDate(date)) {
      problems.push({ path, message: `调休上班日“${date}”格式错误：应为 YYYY-MM-DD，且为真实存在的日期` });
      return;
    }
    if (yearOf(date) !== year) {
      problems.push({ path, message: `调休上班日 ${date} 不在 ${year} 年内（跨年的日期请写在其所属年份下）` });
      return;
    }
    if (!isWeekend(date)) {
      problems.push({
        path,
        message: `调休上班日 ${date} 是${weekdayName(dayOfWeek(date))}，本来就是工作日；调休上班日只能是周六或周日`,
      });
    }
    const first = workdaySeen.get(date);
    if (first !== undefined) {
      problems.push({ path, message: `调休上班日 ${date} 重复（已在 workdays[${first}] 中列出）` });
    } else {
      workdaySeen.set(date, i);
    }
    const holiday = holidayFirstSeen.get(date);
    if (holiday !== undefined) {
      problems.push({
        path,
        message: `调休上班日 ${date} 同时列在法定节假日 holidays[${holiday}] 中，同一天不能既放假又上班`,
      });
    }
  });
  return problems;
}

const dateEntry = z.string().trim().min(1, '日期不能为空');

/** One year's official schedule. Cross-field checks (year, weekend, duplicates) are done by calendarYearsSchema, which knows the year. */
export const calendarYearSchema = z.object({
  holidays: z.array(dateEntry, { message: '法定节假日（holidays）应为日期列表' }),
  workdays: z.array(dateEntry, { message: '调休上班日（workdays）应为日期列表' }).default([]),
});

/** Schedules keyed by year: { '2027': { holidays: [...], workdays: [...] } }. */
export const calendarYearsSchema = z
  .record(
    z.string().regex(/^(19|20|21)\d{2}$/, '年份应为四位数字，如 2027'),
    calendarYearSchema,
    { message: '节假日安排应为以年份为键的映射，如 2027: { holidays: [...], workdays: [...] }' },
  )
  .superRefine((years, ctx) => {
    for (const [key, data] of Object.entries(years)) {
      if (!/^(19|20|21)\d{2}$/.test(key)) continue;
      for (const problem of calendarYearProblems(Number(key), data)) {
        ctx.addIssue({ code: 'custom', path: [key, ...problem.path], message: problem.message });
      }
    }
  });

export type CalendarYears = z.output<typeof calendarYearsSchema>;

/** Warning text for users, naming the years without a schedule; undefined when none are missing. */
export function missingYearsWarning(missingYears: readonly number[]): string | undefined {
  if (missingYears.length === 0) return undefined;
  const years = missingYears.map((y) => `${y} 年`).join('、');
  return `${years}的法定节假日安排尚未录入，已暂按周一至周五为工作日计算，结果可能不准确；请管理员在活动定义的 calendar 中或用命令行补录当年安排。`;
}

// ---------------------------------------------------------------------------------------------
// The calendar

/** Longest run of consecutive non-working days tolerated before a search gives up. */
const MAX_DAYS_OFF_IN_A_ROW = 400;

interface YearSets {
  holidays: Set<string>;
  workdays: Set<string>;
}

/**
 * Working days of the statutory calendar. A date is a working day when it is a 调休上班日, or a
 * Monday–Friday that is not a 法定节假日. For a year without data, Monday–Friday, and the year
 * is reported in `missingYears` of every answer that looked at it.
 */
export class WorkingCalendar {
  private readonly years = new Map<number, YearSets>();

  /** Throws RangeError (message in Chinese) if the data is inconsistent; validate user input with calendarYearsSchema first. */
  constructor(data: CalendarData) {
    for (const [key, year] of Object.entries(data.years)) {
      const y = Number(key);
      if (!Number.isInteger(y) || !/^\d{4}$/.test(key)) throw new RangeError(`年份应为四位数字：${key}`);
      const problems = calendarYearProblems(y, year);
      if (problems.length > 0) {
        throw new RangeError(
          `${y} 年节假日安排有误：` + problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('；'),
        );
      }
      this.years.set(y, {
        holidays: new Set(expandDateEntries(year.holidays)),
        workdays: new Set(year.workdays),
      });
    }
  }

  /** Years with a schedule, ascending. */
  coveredYears(): number[] {
    return [...this.years.keys()].sort((a, b) => a - b);
  }

  hasYear(year: number): boolean {
    return this.years.has(year);
  }

  /**
   * Whether a date is a working day. For a year without a schedule this is the Monday–Friday
   * guess; use `day()` (or `coverage([date])`) when the caller must know.
   */
  isWorkingDay(date: string): boolean {
    const kind = this.kind(date);
    return kind === 'workday' || kind === 'adjustedWorkday';
  }

  /** What kind of day a date is, with the year flagged if it has no schedule. */
  day(date: string): DayAnswer {
    const kind = this.kind(date);
    return {
      date,
      working: kind === 'workday' || kind === 'adjustedWorkday',
      kind,
      missingYears: this.coverage([date]),
    };
  }

  /**
   * The first working day after `date` (inclusive: `date` itself if it is one).
   * Default: exclusive.
   */
  nextWorkingDay(date: string, options: { inclusive?: boolean } = {}): DateAnswer {
    const missing = new Set<number>();
    let day = toDayNumber(date) + (options.inclusive ? 0 : 1);
    for (let run = 0; ; run++, day++) {
      if (run > MAX_DAYS_OFF_IN_A_ROW) throw new RangeError(`${date} 之后 ${MAX_DAYS_OFF_IN_A_ROW} 天内没有工作日，节假日数据有误`);
      const d = fromDayNumber(day);
      this.noteMissing(d, missing);
      if (this.isWorkingDay(d)) return { date: d, missingYears: sorted(missing) };
    }
  }

  /**
   * The n-th working day after `date` (n ≥ 0, integer). `date` itself is never counted, whether
   * or not it is a working day: “N个工作日内” issued on `date` lapses at the end of the returned
   * day. n = 0 returns `date` unchanged.
   */
  addWorkingDays(date: string, n: number): DateAnswer {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`工作日数应为非负整数：${n}`);
    toDayNumber(date);
    const missing = new Set<number>();
    let current = date;
    for (let i = 0; i < n; i++) {
      const next = this.nextWorkingDay(current);
      next.missingYears.forEach((y) => missing.add(y));
      current = next.date;
    }
    return { date: current, missingYears: sorted(missing) };
  }

  /**
   * Working days in (a, b]: after a, up to and including b. So addWorkingDays(a, n).date = b
   * gives workingDaysBetween(a, b).days = n. Negative when b is before a (−count of (b, a]).
   */
  workingDaysBetween(a: string, b: string): CountAnswer {
    const from = toDayNumber(a);
    const to = toDayNumber(b);
    if (to < from) {
      const reverse = this.workingDaysBetween(b, a);
      return { days: -reverse.days, missingYears: reverse.missingYears };
    }
    const missing = new Set<number>();
    let days = 0;
    for (let day = from + 1; day <= to; day++) {
      const d = fromDayNumber(day);
      this.noteMissing(d, missing);
      if (this.isWorkingDay(d)) days++;
    }
    return { days, missingYears: sorted(missing) };
  }

  /** Years of the given dates (or 'a..b' ranges) that have no schedule, ascending. */
  coverage(dates: Iterable<string>): number[] {
    const missing = new Set<number>();
    for (const entry of dates) {
      const [from, to] = entry.split(RANGE_SEPARATOR).map((s) => s.trim());
      const first = yearOf(from);
      const last = to === undefined ? first : yearOf(to);
      for (let y = Math.min(first, last); y <= Math.max(first, last); y++) {
        if (!this.years.has(y)) missing.add(y);
      }
    }
    return sorted(missing);
  }

  private kind(date: string): DayKind {
    const data = this.years.get(yearOf(date));
    const weekend = isWeekend(date);
    if (data) {
      if (data.workdays.has(date)) return 'adjustedWorkday';
      if (data.holidays.has(date)) return 'holiday';
    }
    return weekend ? 'weekend' : 'workday';
  }

  private noteMissing(date: string, missing: Set<number>): void {
    const y = yearOf(date);
    if (!this.years.has(y)) missing.add(y);
  }
}

/** Union of several missingYears lists, ascending. */
export function mergeMissingYears(...lists: readonly (readonly number[])[]): number[] {
  return sorted(new Set(lists.flat()));
}

function sorted(years: Iterable<number>): number[] {
  return [...years].sort((a, b) => a - b);
}
