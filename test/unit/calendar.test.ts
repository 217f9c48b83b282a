import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { createCalendarActivities } from '../../activities/calendar.js';
import { loadBundledCalendar, loadCampaignCalendar, mergeCalendars } from '../../services/calendar.js';
import type { Queryable } from '../../db/pool.js';
import {
  addDays,
  calendarYearsSchema,
  dayOfWeek,
  WorkingCalendar,
  type CalendarData,
} from '../../domain/calendar.js';

const bundled = loadBundledCalendar();
const calendar = new WorkingCalendar(bundled);
const activities = createCalendarActivities(async () => calendar);

/**
 * A made-up 2027 schedule, as an administrator would add it to a campaign definition
 * (the official 2027 notice is not in the bundled data).
 */
const SCHEDULE_2027 = {
  '2027': {
    holidays: ['2027-01-01..2027-01-03', '2027-02-05..2027-02-13', '2027-10-01..2027-10-07'],
    workdays: ['2027-02-20', '2027-09-26', '2027-10-09'],
  },
};

describe('civil dates', () => {
  it('does arithmetic on YYYY-MM-DD strings', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(dayOfWeek('2026-10-05')).toBe(1);
    expect(dayOfWeek('2026-09-20')).toBe(7);
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });
});

describe('bundled data (chinese-days)', () => {
  it('covers 2004–2026 and passes the schema', () => {
    expect(calendar.coveredYears()[0]).toBe(2004);
    expect(calendar.coveredYears().at(-1)).toBe(2026);
    const parsed = calendarYearsSchema.safeParse(
      Object.fromEntries(Object.entries(bundled.years).map(([y, data]) => [String(y), data])),
    );
    expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 3))).toBe(true);
  });

  it('knows 2026 holidays and 调休 working weekends', () => {
    expect(calendar.day('2026-10-01')).toMatchObject({ working: false, kind: 'holiday' });
    expect(calendar.day('2026-10-03')).toMatchObject({ working: false, kind: 'holiday' }); // Saturday inside National Day
    expect(calendar.day('2026-10-10')).toMatchObject({ working: true, kind: 'adjustedWorkday' }); // Saturday
    expect(calendar.day('2026-09-20')).toMatchObject({ working: true, kind: 'adjustedWorkday' }); // Sunday
    expect(calendar.day('2026-10-11')).toMatchObject({ working: false, kind: 'weekend' });
    expect(calendar.day('2026-10-08')).toMatchObject({ working: true, kind: 'workday', missingYears: [] });
  });
});

describe('N个工作日 (day of issue not counted)', () => {
  it('2026-09-30 + 5 working days across National Day is 2026-10-13', () => {
    // 10-01..07 holidays; 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat 调休 (3), 10-11 Sun off,
    // 10-12 Mon (4), 10-13 Tue (5).
    expect(calendar.addWorkingDays('2026-09-30', 5)).toEqual({ date: '2026-10-13', missingYears: [] });
    expect(calendar.workingDaysBetween('2026-09-30', '2026-10-13')).toEqual({ days: 5, missingYears: [] });
    expect(calendar.workingDaysBetween('2026-10-13', '2026-09-30')).toEqual({ days: -5, missingYears: [] });
  });

  it('counts the 调休 Sunday 2026-09-20', () => {
    // Friday 09-18 + 1: Saturday 09-19 off, Sunday 09-20 is a working day.
    expect(calendar.addWorkingDays('2026-09-18', 1).date).toBe('2026-09-20');
    expect(calendar.nextWorkingDay('2026-09-18').date).toBe('2026-09-20');
    // Mid-autumn 09-25..27 (Fri–Sun): Thursday 09-24 + 1 = Monday 09-28.
    expect(calendar.addWorkingDays('2026-09-24', 1).date).toBe('2026-09-28');
  });

  it('Spring Festival 2026', () => {
    // 02-14 Sat 调休; 02-15..23 holidays; 02-28 Sat 调休.
    expect(calendar.addWorkingDays('2026-02-13', 1).date).toBe('2026-02-14');
    expect(calendar.addWorkingDays('2026-02-13', 2).date).toBe('2026-02-24');
    // Issued during the holiday: counting starts on the next working day.
    expect(calendar.addWorkingDays('2026-02-17', 1).date).toBe('2026-02-24');
    expect(calendar.addWorkingDays('2026-02-17', 5).date).toBe('2026-02-28');
    // 02-14, 02-24, 25, 26, 27, 28.
    expect(calendar.workingDaysBetween('2026-02-13', '2026-02-28').days).toBe(6);
    expect(calendar.nextWorkingDay('2026-02-14', { inclusive: true }).date).toBe('2026-02-14');
    expect(calendar.nextWorkingDay('2026-02-15', { inclusive: true }).date).toBe('2026-02-24');
  });

  it('n = 0 returns the day itself; negative n is refused', () => {
    expect(calendar.addWorkingDays('2026-10-03', 0)).toEqual({ date: '2026-10-03', missingYears: [] });
    expect(() => calendar.addWorkingDays('2026-10-03', -1)).toThrow(RangeError);
  });
});

describe('years without data', () => {
  it('falls back to Monday–Friday for 2027 and flags it', () => {
    // 12-31 Thu (1); 2027-01-01 Fri (2, assumed working); 01-04 Mon (3).
    expect(calendar.addWorkingDays('2026-12-30', 3)).toEqual({ date: '2027-01-04', missingYears: [2027] });
    expect(calendar.day('2027-01-01')).toMatchObject({ working: true, missingYears: [2027] });
    expect(calendar.workingDaysBetween('2026-12-25', '2028-01-03').missingYears).toEqual([2027, 2028]);
    expect(calendar.coverage(['2026-05-01', '2027-03-01', '2028-01-01..2029-02-01'])).toEqual([2027, 2028, 2029]);
    // Entirely inside 2026: nothing flagged.
    expect(calendar.addWorkingDays('2026-12-01', 10).missingYears).toEqual([]);
  });

  it('honours a 2027 schedule supplied by the campaign definition', () => {
    const fromDefinition = { years: calendarYearsSchema.parse(SCHEDULE_2027) };
    const merged = new WorkingCalendar(mergeCalendars(bundled, fromDefinition));
    // 12-31 Thu (1); 2027-01-01..03 holidays; 01-04 Mon (2); 01-05 Tue (3).
    expect(merged.addWorkingDays('2026-12-30', 3)).toEqual({ date: '2027-01-05', missingYears: [] });
    expect(merged.isWorkingDay('2027-02-20')).toBe(true); // Saturday 调休
    expect(merged.isWorkingDay('2027-02-08')).toBe(false); // Monday inside Spring Festival
    expect(merged.coverage(['2027-06-01'])).toEqual([]);
    // Bundled years are kept.
    expect(merged.addWorkingDays('2026-09-30', 5).date).toBe('2026-10-13');
  });

  it('a later source replaces a whole year', () => {
    const fromDatabase: CalendarData = { years: { 2026: { holidays: ['2026-10-01'], workdays: [] } } };
    const merged = new WorkingCalendar(mergeCalendars(bundled, undefined, fromDatabase));
    expect(merged.isWorkingDay('2026-10-02')).toBe(true);
    expect(merged.isWorkingDay('2026-10-10')).toBe(false);
    expect(merged.isWorkingDay('2025-10-01')).toBe(false);
  });
});

describe('calendarYearsSchema', () => {
  const issues = (input: unknown) => {
    const result = calendarYearsSchema.safeParse(input);
    expect(result.success).toBe(false);
    return result.error!.issues.map((i) => ({ path: i.path, message: i.message }));
  };

  it('rejects a 调休 workday that is a weekday, naming the field', () => {
    const [issue] = issues({ '2027': { holidays: ['2027-10-01..2027-10-07'], workdays: ['2027-10-08'] } });
    expect(issue.path).toEqual(['2027', 'workdays', 0]);
    expect(issue.message).toContain('调休上班日');
    expect(issue.message).toContain('2027-10-08');
    expect(issue.message).toContain('星期五');
  });

  it('rejects a date outside its year', () => {
    const [issue] = issues({ '2027': { holidays: ['2027-12-31..2028-01-01'], workdays: [] } });
    expect(issue.path).toEqual(['2027', 'holidays', 0]);
    expect(issue.message).toContain('法定节假日');
    expect(issue.message).toContain('不在 2027 年内');
    const [workday] = issues({ '2027': { holidays: ['2027-01-01'], workdays: ['2026-12-26'] } });
    expect(workday.path).toEqual(['2027', 'workdays', 0]);
    expect(workday.message).toContain('调休上班日 2026-12-26 不在 2027 年内');
  });

  it('rejects duplicates, overlaps, bad dates, bad keys and empty holidays', () => {
    expect(issues({ '2027': { holidays: ['2027-10-01..2027-10-07', '2027-10-03'] } })[0]).toMatchObject({
      path: ['2027', 'holidays', 1],
      message: expect.stringContaining('重复'),
    });
    expect(issues({ '2027': { holidays: ['2027-10-01..2027-10-07'], workdays: ['2027-10-02'] } })[0].message).toContain(
      '不能既放假又上班',
    );
    expect(issues({ '2027': { holidays: ['2027-02-30'] } })[0].message).toContain('格式错误');
    expect(issues({ '2027': { holidays: ['2027-10-07..2027-10-01'] } })[0].message).toContain('结束日期早于开始日期');
    expect(issues({ '2027': { holidays: [] } })[0].message).toContain('不能为空');
    expect(issues({ '27': { holidays: ['2027-01-01'] } }).length).toBeGreaterThan(0);
  });

  it('WorkingCalendar refuses inconsistent data', () => {
    expect(() => new WorkingCalendar({ years: { 2027: { holidays: ['2027-01-01'], workdays: ['2027-10-08'] } } })).toThrow(
      /调休上班日/,
    );
  });
});

describe('calendar activities', () => {
  it('deadlineInstant: end of the civil day in the zone', async () => {
    expect(await activities.deadlineInstant({ timeZone: 'Asia/Shanghai', date: '2026-10-08' })).toBe(
      '2026-10-08T16:00:00.000Z',
    );
    expect(await activities.deadlineInstant({ date: '2026-10-08' })).toBe('2026-10-08T16:00:00.000Z');
    expect(await activities.deadlineInstant({ timeZone: 'Europe/Berlin', date: '2026-10-24' })).toBe(
      '2026-10-24T22:00:00.000Z', // CEST ends on 10-25: 10-25 00:00 is still +02:00
    );
  });

  it('instantOf: a local date and time', async () => {
    expect(await activities.instantOf({ timeZone: 'Asia/Shanghai', date: '2026-10-08', time: '09:00' })).toBe(
      '2026-10-08T01:00:00.000Z',
    );
    expect(await activities.instantOf({ date: '2026-01-01', time: '00:00' })).toBe('2025-12-31T16:00:00.000Z');
  });

  it('addWorkingDays: day of issue in the zone, deadline and its lapse', async () => {
    expect(
      await activities.addWorkingDays({ campaignId: 'c', timeZone: 'Asia/Shanghai', from: '2026-09-30T02:00:00Z', days: 5 }),
    ).toEqual({ date: '2026-10-13', lapsesAt: '2026-10-13T16:00:00.000Z', missingYears: [] });
    // The day of issue is the civil date in the campaign's zone, not in UTC:
    // 2026-10-08T15:30Z is 10-08 23:30 in Shanghai, 2026-10-08T16:30Z is already 10-09 00:30.
    const plusOne = async (from: string) => (await activities.addWorkingDays({ campaignId: 'c', from, days: 1 })).date;
    expect(await plusOne('2026-10-08T15:30:00Z')).toBe('2026-10-09');
    expect(await plusOne('2026-10-08T16:30:00Z')).toBe('2026-10-10');
    expect(await plusOne('2026-10-09T00:30:00+08:00')).toBe('2026-10-10');
  });

  it('addWorkingDays into 2027 carries a warning naming the year', async () => {
    const result = await activities.addWorkingDays({ campaignId: 'c', from: '2026-12-30T02:00:00Z', days: 3 });
    expect(result).toMatchObject({ date: '2027-01-04', missingYears: [2027] });
    expect(result.warning).toContain('2027 年');
    const with2027 = createCalendarActivities(
      async () => new WorkingCalendar(mergeCalendars(bundled, { years: calendarYearsSchema.parse(SCHEDULE_2027) })),
    );
    const honoured = await with2027.addWorkingDays({ campaignId: 'c', from: '2026-12-30T02:00:00Z', days: 3 });
    expect(honoured).toEqual({ date: '2027-01-05', lapsesAt: '2027-01-05T16:00:00.000Z', missingYears: [] });
  });

  it('nextCheckTime: Monday 09:00 on the 2026-10-05 holiday moves to 2026-10-08', async () => {
    const check = (after: string) =>
      activities.nextCheckTime({ campaignId: 'c', timeZone: 'Asia/Shanghai', after, weekday: 1, time: '09:00' });
    // After the check of Monday 09-28 09:00.
    expect(await check('2026-09-28T01:00:00.000Z')).toEqual({
      at: '2026-10-08T01:00:00.000Z',
      date: '2026-10-08',
      shiftedFrom: '2026-10-05',
      missingYears: [],
    });
    // Started mid-holiday: the moved check is still ahead.
    expect((await check('2026-10-05T16:00:00.000Z')).at).toBe('2026-10-08T01:00:00.000Z');
    // After the moved check: the next ordinary Monday.
    expect(await check('2026-10-08T01:00:00.000Z')).toEqual({
      at: '2026-10-12T01:00:00.000Z',
      date: '2026-10-12',
      missingYears: [],
    });
    // Ordinary week, one minute before.
    expect((await check('2026-09-21T00:59:00.000Z')).at).toBe('2026-09-21T01:00:00.000Z');
  });

  it('nextCheckTime: two Mondays inside Spring Festival give one check', async () => {
    const check = (after: string) =>
      activities.nextCheckTime({ campaignId: 'c', after, weekday: 1, time: '09:00' });
    const first = await check('2026-02-13T01:00:00.000Z');
    expect(first).toMatchObject({ at: '2026-02-24T01:00:00.000Z', shiftedFrom: '2026-02-16' });
    expect((await check(first.at)).at).toBe('2026-03-02T01:00:00.000Z');
  });

  it('nextCheckTime in 2027 without data warns', async () => {
    const result = await activities.nextCheckTime({
      campaignId: 'c',
      after: '2026-12-31T12:00:00.000Z',
      weekday: 1,
      time: '09:00',
    });
    expect(result).toMatchObject({ at: '2027-01-04T01:00:00.000Z', missingYears: [2027] });
    expect(result.warning).toContain('2027');
  });

  it('nextMonthlyDate: moved off holidays, clamped to short months', async () => {
    const monthly = (after: string, day: number) =>
      activities.nextMonthlyDate({ campaignId: 'c', after, day, time: '09:00' });
    expect(await monthly('2026-09-15T00:00:00.000Z', 1)).toEqual({
      at: '2026-10-08T01:00:00.000Z',
      date: '2026-10-08',
      shiftedFrom: '2026-10-01',
      missingYears: [],
    });
    // Saturday 01-31 moved to Monday 02-02, still ahead on 02-01.
    expect(await monthly('2026-02-01T00:00:00.000Z', 31)).toEqual({
      at: '2026-02-02T01:00:00.000Z',
      date: '2026-02-02',
      shiftedFrom: '2026-01-31',
      missingYears: [],
    });
    // Day 31 in February is 02-28, a 调休 Saturday: no move.
    expect(await monthly('2026-02-02T01:00:00.000Z', 31)).toEqual({
      at: '2026-02-28T01:00:00.000Z',
      date: '2026-02-28',
      missingYears: [],
    });
    // Day 31 after the February one: 03-31 (Tuesday).
    expect((await monthly('2026-02-28T01:00:00.000Z', 31)).at).toBe('2026-03-31T01:00:00.000Z');
    // 2026-12-01 is a Tuesday; the next is 2027-01-01, without data.
    expect((await monthly('2026-12-01T01:00:00.000Z', 1)).missingYears).toEqual([2027]);
  });

  it('refuses bad input without retrying', async () => {
    const failure = await activities
      .nextCheckTime({ campaignId: 'c', after: '2026-10-08T09:00', weekday: 8, time: '9:00' })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toContain('星期应为');
    const zone = await activities.deadlineInstant({ timeZone: 'Mars/Olympus', date: '2026-10-08' }).catch((e: unknown) => e);
    expect((zone as ApplicationFailure).message).toContain('未知时区');
    const instant = await activities
      .addWorkingDays({ campaignId: 'c', from: '2026-10-08T09:00', days: 1 })
      .catch((e: unknown) => e);
    expect((instant as ApplicationFailure).message).toContain('带时区');
  });
});

describe('loadCampaignCalendar', () => {
  /** A stand-in for the pool: the campaign's definition calendar and the imported years. */
  const fakeDb = (definitionCalendar: unknown, imported: { year: number; holidays: string[]; workdays: string[] }[] | 'no table') =>
    ({
      async query(sql: string) {
        if (sql.includes('FROM campaigns')) return { rows: [{ calendar: definitionCalendar }] };
        if (imported === 'no table') throw Object.assign(new Error('relation "calendar_years" does not exist'), { code: '42P01' });
        return { rows: imported };
      },
    }) as unknown as Queryable;

  it('merges bundled data, the definition and imported years', async () => {
    const none = await loadCampaignCalendar(fakeDb(null, 'no table'), 'c');
    expect(none.coverage(['2027-01-01'])).toEqual([2027]);
    const fromDefinition = await loadCampaignCalendar(fakeDb(SCHEDULE_2027, []), 'c');
    expect(fromDefinition.addWorkingDays('2026-12-30', 3)).toEqual({ date: '2027-01-05', missingYears: [] });
    // An imported 2027 replaces the definition's 2027.
    const imported = await loadCampaignCalendar(
      fakeDb(SCHEDULE_2027, [{ year: 2027, holidays: ['2027-01-01'], workdays: [] }]),
      'c',
    );
    expect(imported.isWorkingDay('2027-02-08')).toBe(true);
    expect(imported.isWorkingDay('2027-01-01')).toBe(false);
  });

  it('refuses an invalid definition calendar', async () => {
    const failure = await loadCampaignCalendar(
      fakeDb({ '2027': { holidays: ['2027-01-01'], workdays: ['2027-01-04'] } }, []),
      'c',
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).message).toContain('2027.workdays.0');
  });
});

describe('independent of the process time zone', () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  for (const zone of ['America/Los_Angeles', 'Pacific/Kiritimati', 'UTC']) {
    it(`same answers with TZ=${zone}`, async () => {
      process.env.TZ = zone;
      // Make sure the change took effect in this process (Node re-reads TZ on assignment).
      const expectedOffset = { 'America/Los_Angeles': 420, 'Pacific/Kiritimati': -840, UTC: 0 }[zone];
      expect(new Date(Date.UTC(2026, 9, 8, 12)).getTimezoneOffset()).toBe(expectedOffset);

      expect(calendar.addWorkingDays('2026-09-30', 5).date).toBe('2026-10-13');
      expect(await activities.deadlineInstant({ date: '2026-10-08' })).toBe('2026-10-08T16:00:00.000Z');
      expect(
        (await activities.nextCheckTime({ campaignId: 'c', after: '2026-09-28T01:00:00.000Z', weekday: 1, time: '09:00' })).at,
      ).toBe('2026-10-08T01:00:00.000Z');
      expect(
        await activities.addWorkingDays({ campaignId: 'c', from: '2026-09-30T15:59:59.999Z', days: 5 }),
      ).toEqual({ date: '2026-10-13', lapsesAt: '2026-10-13T16:00:00.000Z', missingYears: [] });
    });
  }

  it('and in a separate process started with TZ set', () => {
    const script = `
      import { WorkingCalendar } from './domain/calendar.ts';
      import { loadBundledCalendar } from './services/calendar.ts';
      const c = new WorkingCalendar(loadBundledCalendar());
      console.log(JSON.stringify([c.addWorkingDays('2026-09-30', 5), c.nextWorkingDay('2026-10-05')]));
    `;
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, TZ: 'America/New_York' },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      { date: '2026-10-13', missingYears: [] },
      { date: '2026-10-08', missingYears: [] },
    ]);
  });
});
