// Working days and dates of a campaign: the rules live in domain/calendar.ts; this file adds the
// data sources (bundled chinese-days data, campaign definition, database), time-zone conversion
// and the look-ups that workflows ask for as activities (activities/calendar.ts) and the console
// asks for directly.
//
// Inputs and outputs are plain JSON; instants are ISO 8601 strings with an offset, civil dates
// are 'YYYY-MM-DD' in the campaign's time zone (default Asia/Shanghai).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ApplicationFailure } from '@temporalio/common';
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { calendarImportStamp, findCampaignCalendarSetting, listCalendarYearRows, upsertCalendarYear } from '../db/calendar.js';
import type { Queryable } from '../db/pool.js';
import {
  DEFAULT_TIME_ZONE,
  addDays,
  calendarYearsSchema,
  dayOfWeek,
  daysInMonth,
  isCivilDate,
  missingYearsWarning,
  type CalendarData,
  type CalendarYear,
  type CalendarYears,
  WorkingCalendar,
} from '../domain/calendar.js';

// ---------------------------------------------------------------------------------------------
// Data sources

interface ChineseDaysJson {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

/**
 * The schedules bundled with the chinese-days package (2004 through its last year, 2026 in
 * 1.5.7), read from its JSON data (its functions depend on the process time zone). A year is
 * included when the data lists at least one holiday in it; each date goes to its own year.
 */
export function loadBundledCalendar(): CalendarData {
  bundledCache ??= readBundledCalendar();
  return mergeCalendars(bundledCache); // a copy: callers may not change the cache
}

let bundledCache: CalendarData | undefined;

function readBundledCalendar(): CalendarData {
  const require = createRequire(import.meta.url);
  const file = require.resolve('chinese-days/dist/chinese-days.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as ChineseDaysJson;
  const years: Record<number, CalendarYear> = {};
  const yearFor = (date: string) => (years[Number(date.slice(0, 4))] ??= { holidays: [], workdays: [] });
  for (const date of Object.keys(raw.holidays ?? {})) if (isCivilDate(date)) yearFor(date).holidays.push(date);
  for (const date of Object.keys(raw.workdays ?? {})) if (isCivilDate(date)) yearFor(date).workdays.push(date);
  for (const [key, year] of Object.entries(years)) {
    if (year.holidays.length === 0) {
      delete years[Number(key)];
      continue;
    }
    year.holidays.sort();
    year.workdays.sort();
  }
  return { years };
}

/**
 * Combines schedules; a later source replaces a whole year of an earlier one (no merging of
 * dates within a year). Order: bundled data, then the campaign definition's `calendar`, then
 * schedules imported into the database by the CLI (the most recent administrative act wins).
 */
export function mergeCalendars(
  bundled: CalendarData,
  fromDefinition?: CalendarData | null,
  fromDatabase?: CalendarData | null,
): CalendarData {
  const years: Record<number, CalendarYear> = {};
  for (const source of [bundled, fromDefinition, fromDatabase]) {
    if (!source) continue;
    for (const [key, year] of Object.entries(source.years)) {
      years[Number(key)] = { holidays: [...year.holidays], workdays: [...year.workdays] };
    }
  }
  return { years };
}

/**
 * Schedules imported by administrators (CLI) into the database, one row per year. Expected table
 * (a migration, not created here):
 *
 *   CREATE TABLE calendar_years (
 *     year        integer PRIMARY KEY,
 *     holidays    text[] NOT NULL,             -- 'YYYY-MM-DD' or 'YYYY-MM-DD..YYYY-MM-DD'
 *     workdays    text[] NOT NULL DEFAULT '{}', -- 调休上班日
 *     source      text,                         -- e.g. 国办发明电〔2026〕N号
 *     imported_at timestamptz NOT NULL DEFAULT now()
 *   );
 *
 * Until that table exists there are no imported years (missing years are still flagged).
 */
export async function loadDatabaseCalendar(db: Queryable): Promise<CalendarData> {
  try {
    const rows = await listCalendarYearRows(db);
    const years = calendarYearsSchema.parse(
      Object.fromEntries(rows.map((r) => [String(r.year), { holidays: r.holidays, workdays: r.workdays ?? [] }])),
    );
    return { years };
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return { years: {} }; // undefined_table
    if (error instanceof z.ZodError) throw invalidData('数据库中的节假日安排', error);
    throw error;
  }
}

/** Stores (replaces) whole years of schedule, validated; returns the years written. */
export async function saveCalendarYears(db: Queryable, input: unknown, source?: string): Promise<number[]> {
  const parsed = calendarYearsSchema.safeParse(input);
  if (!parsed.success) throw invalidData('节假日安排', parsed.error);
  const years: CalendarYears = parsed.data;
  for (const [year, data] of Object.entries(years)) {
    await upsertCalendarYear(db, { year: Number(year), holidays: data.holidays, workdays: data.workdays, source });
  }
  return Object.keys(years).map(Number).sort((a, b) => a - b);
}

/**
 * The calendar of a campaign: bundled data, overridden by the `calendar` of its definition
 * (years keyed '2027'), overridden by years imported into the database.
 */
export async function loadCampaignCalendar(db: Queryable, campaignId: string): Promise<WorkingCalendar> {
  const setting = await findCampaignCalendarSetting(db, campaignId);
  if (!setting) throw ApplicationFailure.nonRetryable(`未找到创建活动：${campaignId}`, 'CampaignNotFound');
  let fromDefinition: CalendarData | undefined;
  if (setting.calendar !== null && setting.calendar !== undefined) {
    const parsed = calendarYearsSchema.safeParse(setting.calendar);
    if (!parsed.success) throw invalidData(`创建活动 ${campaignId} 定义中的节假日安排（calendar）`, parsed.error);
    fromDefinition = { years: parsed.data };
  }
  return new WorkingCalendar(mergeCalendars(loadBundledCalendar(), fromDefinition, await loadDatabaseCalendar(db)));
}

/**
 * loadCampaignCalendar, kept per campaign and rebuilt only when schedules are imported (the count or
 * the latest import time of calendar_years changes): a task's look-ups then cost one small query,
 * not a calendar built from the bundled data each time.
 */
export function cachedCampaignCalendars(db: Queryable, maxCampaigns = 200): (campaignId: string) => Promise<WorkingCalendar> {
  const cache = new Map<string, { stamp: string; calendar: Promise<WorkingCalendar> }>();
  return async (campaignId) => {
    const stamp = await importedCalendarStamp(db);
    const hit = cache.get(campaignId);
    if (hit?.stamp === stamp) return hit.calendar;
    if (cache.size >= maxCampaigns) cache.clear();
    const entry = { stamp, calendar: loadCampaignCalendar(db, campaignId) };
    cache.set(campaignId, entry);
    entry.calendar.catch(() => {
      if (cache.get(campaignId) === entry) cache.delete(campaignId); // a failure is not kept
    });
    return entry.calendar;
  };
}

async function importedCalendarStamp(db: Queryable): Promise<string> {
  try {
    return await calendarImportStamp(db);
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return 'none'; // undefined_table
    throw error;
  }
}

function invalidData(what: string, error: z.ZodError): ApplicationFailure {
  const detail = error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('；');
  return ApplicationFailure.nonRetryable(`${what}有误：${detail}`, 'InvalidCalendarData');
}

// ---------------------------------------------------------------------------------------------
// Time zones

/** The civil date of an instant in a zone. */
export function civilDateAt(instant: string, timeZone: string): string {
  return parseInstant(instant).setZone(checkZone(timeZone)).toISODate()!;
}

/** The instant of a local date and time 'HH:mm' in a zone. */
export function instantAt(date: string, time: string, timeZone: string): string {
  return toIso(localTime(date, time, checkZone(timeZone)));
}

/** The instant a civil date lapses: the end (24:00) of that day in the zone, i.e. the next day's 00:00 local. */
export function endOfCivilDay(date: string, timeZone: string): string {
  return toIso(localTime(addDays(date, 1), '00:00', checkZone(timeZone)));
}

function localTime(date: string, time: string, zone: string): DateTime {
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  // Luxon moves a local time that does not exist (DST gap) forward; China has no DST.
  return DateTime.fromObject({ year, month, day, hour, minute }, { zone });
}

function toIso(dt: DateTime): string {
  return dt.toUTC().toJSDate().toISOString();
}

function parseInstant(instant: string): DateTime {
  const dt = DateTime.fromISO(instant, { setZone: true });
  if (!/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(instant) || !dt.isValid) {
    throw invalidInput(`时刻应为带时区的 ISO 8601 字符串，如 2026-10-08T01:00:00.000Z：${instant}`);
  }
  return dt;
}

function checkZone(timeZone: string): string {
  if (!IANAZone.isValidZone(timeZone)) {
    throw invalidInput(`未知时区（应为 IANA 名称，如 Asia/Shanghai）：${timeZone}`);
  }
  return timeZone;
}

function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'InvalidCalendarInput');
}

// ---------------------------------------------------------------------------------------------
// Look-ups

export interface DeadlineInstantInput {
  /** IANA zone; default Asia/Shanghai. */
  timeZone?: string;
  /** 'YYYY-MM-DD' civil date of the deadline. */
  date: string;
}

export interface InstantOfInput {
  timeZone?: string;
  /** 'YYYY-MM-DD' civil date. */
  date: string;
  /** Local time 'HH:mm'. */
  time: string;
}

export interface AddWorkingDaysInput {
  campaignId: string;
  timeZone?: string;
  /** ISO instant of issue; its civil date in the zone is the day of issue (not counted). */
  from: string;
  /** Number of working days, integer ≥ 0. */
  days: number;
}

export interface AddWorkingDaysResult {
  /** The deadline date: the `days`-th working day after the day of issue. */
  date: string;
  /** ISO instant at which the deadline lapses (end of `date` in the zone). */
  lapsesAt: string;
  /** Years without a schedule that the count went through (Monday–Friday assumed). */
  missingYears: number[];
  /** Chinese warning naming the missing years; present only when missingYears is not empty. */
  warning?: string;
}

export interface NextCheckTimeInput {
  campaignId: string;
  timeZone?: string;
  /** ISO instant; the answer is strictly after it. */
  after: string;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Local time 'HH:mm'. */
  time: string;
}

export interface NextMonthlyDateInput {
  campaignId: string;
  timeZone?: string;
  after: string;
  /** Day of month 1–31; months with fewer days use their last day (31 = 每月最后一天). */
  day: number;
  time: string;
  /** Only these months (1–12), e.g. [1, 4, 7, 10] for quarterly; default every month. */
  months?: number[];
}

export interface ScheduledTime {
  /** ISO instant of the (possibly moved) occurrence. */
  at: string;
  /** Its civil date in the zone. */
  date: string;
  /** The nominal date, when that was not a working day and the occurrence moved to `date`. */
  shiftedFrom?: string;
  missingYears: number[];
  warning?: string;
}

const zoneField = z.string().min(1).default(DEFAULT_TIME_ZONE);
const civilDate = z.string().refine(isCivilDate, '日期应为 YYYY-MM-DD 格式的真实日期');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间应为 HH:mm，如 09:00');
const campaignId = z.string().min(1, '缺少活动编号');

const deadlineInstantInput = z.object({ timeZone: zoneField, date: civilDate });
const instantOfInput = z.object({ timeZone: zoneField, date: civilDate, time: hhmm });
const addWorkingDaysInput = z.object({
  campaignId,
  timeZone: zoneField,
  from: z.string(),
  days: z.number().int('工作日数应为整数').min(0, '工作日数不能为负'),
});
const nextCheckTimeInput = z.object({
  campaignId,
  timeZone: zoneField,
  after: z.string(),
  weekday: z.number().int().min(1, '星期应为 1（周一）到 7（周日）').max(7, '星期应为 1（周一）到 7（周日）'),
  time: hhmm,
});
const nextMonthlyDateInput = z.object({
  campaignId,
  timeZone: zoneField,
  after: z.string(),
  day: z.number().int().min(1, '日期应为 1 到 31').max(31, '日期应为 1 到 31'),
  time: hhmm,
  months: z.array(z.number().int().min(1).max(12)).min(1).optional(),
});

function parseInput<T extends z.ZodType>(schema: T, input: unknown, activity: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((issue) => `${issue.path.join('.') || '输入'}: ${issue.message}`)
    .join('；');
  throw invalidInput(`${activity} 参数无效：${detail}`);
}

/** The look-ups; `getCalendar` supplies the merged calendar of a campaign. */
export function createCalendarLookups(getCalendar: (campaignId: string) => Promise<WorkingCalendar>) {
  return {
    /** When a deadline date lapses: end of that civil day in the zone (next day 00:00 local). */
    async deadlineInstant(input: DeadlineInstantInput): Promise<string> {
      const { timeZone, date } = parseInput(deadlineInstantInput, input, 'deadlineInstant');
      return endOfCivilDay(date, timeZone);
    },

    /** The instant of a local date and time in the zone, e.g. a task's start day at 09:00. */
    async instantOf(input: InstantOfInput): Promise<string> {
      const { timeZone, date, time } = parseInput(instantOfInput, input, 'instantOf');
      return instantAt(date, time, timeZone);
    },

    /** Deadline of “N个工作日内” issued at `from`: the N-th working day after the day of issue. */
    async addWorkingDays(input: AddWorkingDaysInput): Promise<AddWorkingDaysResult> {
      const args = parseInput(addWorkingDaysInput, input, 'addWorkingDays');
      const issued = civilDateAt(args.from, args.timeZone);
      const calendar = await getCalendar(args.campaignId);
      const { date, missingYears } = calendar.addWorkingDays(issued, args.days);
      const result: AddWorkingDaysResult = {
        date,
        lapsesAt: endOfCivilDay(date, args.timeZone),
        missingYears,
      };
      return withWarning(result);
    },

    /**
     * The next weekly occurrence strictly after `after`: weekday at time, moved to the next
     * working day (same time) when that day is not one.
     */
    async nextCheckTime(input: NextCheckTimeInput): Promise<ScheduledTime> {
      const args = parseInput(nextCheckTimeInput, input, 'nextCheckTime');
      const after = parseInstant(args.after).setZone(checkZone(args.timeZone));
      const calendar = await getCalendar(args.campaignId);
      const today = after.toISODate()!;
      const first = addDays(today, (args.weekday - dayOfWeek(today) + 7) % 7);
      const nominal = (i: number) => addDays(first, 7 * i);
      const result = nextOccurrence(calendar, nominal, after, args.time, args.timeZone);
      return withWarning(result);
    },

    /** Like nextCheckTime for a monthly cadence: day of month at time (clamped to the month's last day). */
    /** The civil date ('YYYY-MM-DD') of an instant in a zone. */
    async civilDate({ timeZone, at }: { timeZone?: string; at: string }): Promise<string> {
      return civilDateAt(at, timeZone ?? DEFAULT_TIME_ZONE);
    },

    async nextMonthlyDate(input: NextMonthlyDateInput): Promise<ScheduledTime> {
      const args = parseInput(nextMonthlyDateInput, input, 'nextMonthlyDate');
      const after = parseInstant(args.after).setZone(checkZone(args.timeZone));
      const calendar = await getCalendar(args.campaignId);
      // The months of the cadence, numbered from the first one not before the month of `after`.
      const wanted = new Set(args.months ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const first = after.year * 12 + (after.month - 1);
      const monthsFrom = (start: number, step: 1 | -1) => {
        const found: number[] = [];
        for (let m = start; found.length < MAX_LOOKBACK + 1; m += step) if (wanted.has((m % 12) + 1)) found.push(m);
        return found;
      };
      const ahead = monthsFrom(first, 1);
      const behind = monthsFrom(first - 1, -1);
      const nominal = (i: number) => {
        const month0 = i >= 0 ? ahead[i] : behind[-i - 1];
        const year = Math.floor(month0 / 12);
        const month = (month0 % 12) + 1;
        const day = Math.min(args.day, daysInMonth(year, month));
        return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      };
      const result = nextOccurrence(calendar, nominal, after, args.time, args.timeZone);
      return withWarning(result);
    },
  };
}

export type CalendarLookups = ReturnType<typeof createCalendarLookups>;

/** How many earlier occurrences may be looked at for one moved past `after` by a long holiday. */
const MAX_LOOKBACK = 60;

/**
 * The earliest effective occurrence strictly after `after`. `nominal(i)` lists the cadence's
 * dates in increasing order (i = 0 is in the week/month of `after`); each nominal date moves to
 * the next working day. Moving is monotone, so the answer is found by taking the first nominal
 * occurrence after `after` and then looking back at earlier ones while they were moved past
 * `after` (e.g. started on 2026-10-06: the check of Monday 10-05 moved to 10-08 is still due).
 * Two nominal dates moved to the same day give one occurrence.
 */
function nextOccurrence(
  calendar: WorkingCalendar,
  nominal: (i: number) => string,
  after: DateTime,
  time: string,
  zone: string,
): ScheduledTime {
  const afterMs = after.toMillis();
  const missing = new Set<number>();
  const effective = (date: string) => {
    const moved = calendar.nextWorkingDay(date, { inclusive: true });
    moved.missingYears.forEach((y) => missing.add(y));
    const at = localTime(moved.date, time, zone);
    return { nominal: date, date: moved.date, at, ms: at.toMillis() };
  };

  let i = 0;
  while (localTime(nominal(i), time, zone).toMillis() <= afterMs) i++;
  let best = effective(nominal(i));
  for (let back = 1; back <= MAX_LOOKBACK; back++) {
    const earlier = effective(nominal(i - back));
    if (earlier.ms <= afterMs) break;
    best = earlier;
  }
  const result: ScheduledTime = {
    at: toIso(best.at),
    date: best.date,
    missingYears: [...missing].sort((a, b) => a - b),
  };
  if (best.date !== best.nominal) result.shiftedFrom = best.nominal;
  return result;
}

/** A result with the warning that names the years without a schedule, when there are any. */
function withWarning<T extends { missingYears: number[]; warning?: string }>(result: T): T {
  const warning = missingYearsWarning(result.missingYears);
  return warning === undefined ? result : { ...result, warning };
}
