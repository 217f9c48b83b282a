// Deadlines on the statutory calendar, on the time-skipping server. Its clock starts at the real
// now and only moves forward, so the dates are relative to it:
//
// - A year without a holiday schedule: the first year, from now on, that the bundled data lacks.
//   A deadline computed there is flagged in the task's timeline, the record and the notice.
// - National Day: the next 1 October at least a month away, in a year the bundled data lacks (the
//   pinned chinese-days ends in 2026), so the campaign definition supplies that year's schedule
//   after the official pattern: 1–7 October off, the Sunday before and the Saturday after worked
//   (调休). The ladder's grace period across the holiday skips 1–7 October and counts that Saturday.
//
// This file moves the clock by up to a year: it has its own server (one per file).
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { loadBundledCalendar } from '../../services/calendar.js';
import { runUpdate } from '../../client/campaigns.js';
import { acknowledgeUpdate, taskStateQuery } from '../../workflows/messages.js';
import { ZONE } from '../support/definitions.js';
import {
  civil,
  closeTask,
  endOf,
  eventKinds,
  issuedAtAbout,
  ladderDefinition,
  local,
  mailTo,
  notices,
  startTask,
  waitForEvent,
  simulationForFile,
} from './helpers.js';

const { database, sim } = await simulationForFile();

const sleepUntil = async (ms: number) => {
  const now = (await sim.now()).getTime();
  if (ms > now) await sim.env.sleep(ms - now);
};
const at0900 = (date: string) => DateTime.fromISO(`${date}T09:00`, { zone: ZONE }).toMillis();
const pad = (n: number) => String(n).padStart(2, '0');

describe('deadlines on the statutory calendar', () => {
  it('flags a deadline computed in a year without a holiday schedule: timeline, record, notice', async () => {
    const today = local(await sim.now());
    const bundled = loadBundledCalendar();
    let year = today.year;
    while (bundled.years[year]) year++;
    // Assigned on a Monday of that year (or tomorrow, when we are in it already), so the
    // acknowledgement deadline is counted in it.
    const start = year === today.year
      ? today.plus({ days: 1 }).toISODate()!
      : DateTime.fromISO(`${year}-01-11`, { zone: ZONE }).startOf('week').toISODate()!;
    const def = ladderDefinition({ today: await sim.now(), start, deadline: DateTime.fromISO(start).plus({ days: 20 }).toISODate()! });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await sleepUntil(at0900(start) + 60_000);
      const state = await waitForEvent(task, 'assigned');
      const expected = `${year} 年的法定节假日安排尚未录入，已暂按周一至周五为工作日计算，结果可能不准确；请管理员在活动定义的 calendar 中或用命令行补录当年安排。`;
      expect(state.calendarWarnings).toEqual([expected]);
      expect(state.timeline.find((e) => e.kind === 'calendarWarning')).toMatchObject({ detail: { warning: expected, context: '签收时限' } });
      expect(await eventKinds(database.db, def.id)).toContain('calendarWarning');
      const [assignment] = await notices(database.db, def.id);
      expect(assignment.kind).toBe('assignment');
      expect(assignment.calendar_warning).toBe(expected);
      const [mail] = await mailTo(database.db, 'zf@test.example.org', def);
      expect(mail.text_body).toContain(`【提示】${expected}`);
      await closeTask(task);
    });
  });

  it('counts a grace period across the National Day holiday, including its 调休 Saturday', async () => {
    const today = local(await sim.now());
    const year = today.plus({ months: 1 }) < DateTime.fromISO(`${today.year}-10-01`, { zone: ZONE }) ? today.year : today.year + 1;
    const date = (m: number, d: number) => `${year}-${pad(m)}-${pad(d)}`;
    const weekday = (iso: string) => DateTime.fromISO(iso).weekday;
    let sundayBefore = date(9, 30);
    while (weekday(sundayBefore) !== 7) sundayBefore = DateTime.fromISO(sundayBefore).minus({ days: 1 }).toISODate()!;
    let saturdayAfter = date(10, 8);
    while (weekday(saturdayAfter) !== 6) saturdayAfter = DateTime.fromISO(saturdayAfter).plus({ days: 1 }).toISODate()!;
    const calendar = {
      [String(year)]: { holidays: [date(1, 1), `${date(10, 1)}..${date(10, 7)}`], workdays: [sundayBefore, saturdayAfter] },
    };
    // Working days of that pattern, counted by hand: Monday–Friday outside 1–7 October, plus the two 调休 days.
    const working = (iso: string) =>
      iso === sundayBefore || iso === saturdayAfter || (weekday(iso) <= 5 && !(iso >= date(10, 1) && iso <= date(10, 7)));
    const nthWorkingDayAfter = (from: string, n: number, counts = working) => {
      let d = from;
      for (let i = 0; i < n; ) {
        d = DateTime.fromISO(d).plus({ days: 1 }).toISODate()!;
        if (counts(d)) i++;
      }
      return d;
    };

    // Deadline 30 September: the 逾期通报 at its end (1 October, a holiday), the 督办函 six working days
    // later (this task's override: six always reach past the first Saturday after the holiday).
    const def = ladderDefinition({
      today: await sim.now(),
      start: date(9, 27),
      deadline: date(9, 30),
      calendar,
      taskEscalation: { ladder: [{ rung: 'supervisionLetter', graceDays: 6 }] },
    });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await sleepUntil(at0900(date(9, 27)) + 60_000);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });

      await sleepUntil(endOf(date(9, 30)) + 60_000);
      const overdue = (await notices(database.db, def.id)).find((n) => n.kind === 'overdue')!;
      expect(civil(overdue.issued_at)).toBe(date(10, 1));
      expect(overdue.calendar_warning).toBeNull();

      const letterDay = nthWorkingDayAfter(date(10, 1), 6);
      // The 调休 Saturday counts: without it the letter would come a working day later.
      expect(saturdayAfter < letterDay).toBe(true);
      expect(nthWorkingDayAfter(date(10, 1), 6, (d) => working(d) && d !== saturdayAfter)).not.toBe(letterDay);
      const state = await task.query(taskStateQuery);
      expect(Date.parse(state.nextEscalationAt!)).toBe(endOf(letterDay));
      expect(state.calendarWarnings).toEqual([]);

      await sleepUntil(endOf(letterDay) + 60_000);
      const letter = (await notices(database.db, def.id)).find((n) => n.kind === 'supervisionLetter')!;
      expect(issuedAtAbout(letter.issued_at, endOf(letterDay))).toBe(true);
      expect(letter.details.rectificationDeadline).toBe(nthWorkingDayAfter(civil(letter.issued_at), 5));
      await closeTask(task);
    });
  });
});
