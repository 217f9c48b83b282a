// Dates at start, without a server: an ended period refused, a past start's catch-up listed, a start
// as of today that skips those dates, and tasks already past their deadline.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prepareStart } from '../../client/api/actions.js';
import { parseDefinition } from '../../domain/definition-yaml.js';
import { shiftDefinition } from '../../domain/shift.js';
import { catchUpNotices, checkStartDates, civilDateIn, pastStartRefusal, startingToday } from '../../domain/start-dates.js';
import { testDefinition } from '../support/definitions.js';

const PLAN = parseDefinition(readFileSync(new URL('../../examples/beihai-2021.yaml', import.meta.url), 'utf8'), 'beihai-2021.yaml');

describe('checkStartDates', () => {
  it('refuses a period that ended, naming its dates and suggesting --shift-to', () => {
    const check = checkStartDates(PLAN, '2026-12-03');
    expect(check.status).toBe('ended');
    if (check.status !== 'ended') return;
    expect(check.message).toContain('活动期 2021-04-01 至 2021-12-31 已经结束（今天是 2026-12-03）');
    expect(check.message).toContain('--shift-to YYYY-MM-DD');
    expect(check.message).toContain('--shift-to 2026-12-04');
    expect(() => prepareStart(PLAN, { today: '2026-12-03', catchUp: true })).toThrow(/已经结束/);
  });

  it('starts a plan that begins today or later as written', () => {
    expect(checkStartDates(PLAN, '2021-04-01')).toEqual({ status: 'current', today: '2021-04-01' });
    expect(prepareStart(PLAN, { today: '2021-03-01' }).definition).toBe(PLAN);
  });

  it('lists the weekly checks, bulletins, dispatches and materials reminders whose dates passed', () => {
    // The plan with the seed plans' cadences, started on Thursday 2027-04-01, looked at on 2027-04-28.
    const plan = { ...shiftDefinition(PLAN, '2027-04-01'), cadences: undefined };
    const notices = catchUpNotices(plan, '2027-04-28');
    const dated = (kind: string) => notices.filter((n) => n.kind === kind).map((n) => n.date);
    // Mondays 5, 12, 19 and 26 April; not the 28th itself.
    expect(dated('weeklyCheck')).toEqual(['2027-04-05', '2027-04-12', '2027-04-19', '2027-04-26']);
    expect(dated('materialsReminder')).toEqual(['2027-04-25']);
    expect(notices.find((n) => n.kind === 'materialsReminder')).toMatchObject({ copies: 10 });
    // The bulletin of 1 April would cover no time and is not issued; the next is 1 May.
    expect(dated('monthlyBulletin')).toEqual([]);
    // The office on Fridays, the deputies on the 16th (the 1st is the start day).
    expect(notices.filter((n) => n.name === '工作调度（创建办调度）').map((n) => n.date)).toEqual(['2027-04-02', '2027-04-09', '2027-04-16', '2027-04-23']);
    expect(notices.filter((n) => n.name === '工作调度（分管领导调度）').map((n) => n.date)).toEqual(['2027-04-16']);
    // In order of date.
    expect(notices.map((n) => n.date)).toEqual([...notices.map((n) => n.date)].sort());

    const check = checkStartDates(plan, '2027-04-28');
    expect(check.status).toBe('past');
    if (check.status !== 'past') return;
    expect(check.lapsedTasks).toEqual([]);
    expect(pastStartRefusal(check)).toBeUndefined();
  });

  it('starts a past start as of today without the catch-up, and as written with it', () => {
    const plan = { ...shiftDefinition(PLAN, '2027-04-01'), cadences: undefined };
    const today = prepareStart(plan, { today: '2027-04-28' });
    expect(today.definition.start).toBe('2027-04-28');
    expect(today.definition.tasks).toEqual(plan.tasks);
    expect(today.notes.join('\n')).toContain('已过日期的例行通知共');
    expect(today.notes.join('\n')).toContain('2027-04-05  每周检查情况');
    expect(today.notes.at(-1)).toContain('未选择补发：活动自今天（2027-04-28）起施行');
    expect(today.notes.at(-1)).toContain('--catch-up');

    const caughtUp = prepareStart(plan, { today: '2027-04-28', catchUp: true });
    expect(caughtUp.definition).toBe(plan);
    expect(caughtUp.notes.at(-1)).toContain('已选择补发');
  });

  it('refuses tasks past their deadline without the catch-up, listing them; starts them lapsed with it', () => {
    const def = testDefinition({
      start: '2027-03-01',
      end: '2027-12-31',
      tasks: [
        { id: 'lanes', start: '2027-03-01', deadline: '2027-03-20' },
        { id: 'parks', start: '2027-03-01', deadline: '2027-06-30' },
      ],
    });
    const check = checkStartDates(def, '2027-04-01');
    expect(check.status === 'past' && check.lapsedTasks).toEqual([{ id: 'lanes', title: '整治任务lanes', deadline: '2027-03-20', daysOverdue: 12 }]);
    expect(() => prepareStart(def, { today: '2027-04-01' })).toThrow(/lanes 整治任务lanes：2027-03-20 截止，已过 12 天[\s\S]*--shift-to[\s\S]*--catch-up/);
    expect(prepareStart(def, { today: '2027-04-01', catchUp: true }).definition).toBe(def);
  });

  it('leaves out phases that ended and begins the current one today', () => {
    const def = {
      ...testDefinition({ start: '2027-03-01', end: '2027-12-31', tasks: [] }),
      phases: [
        { name: '动员部署', start: '2027-03-01', end: '2027-03-31' },
        { name: '集中整治', start: '2027-04-01', end: '2027-09-30' },
        { name: '巩固提升', start: '2027-10-01', end: '2027-12-31' },
      ],
    };
    expect(catchUpNotices(def, '2027-05-10')).toEqual([{ date: '2027-03-01', kind: 'phaseStart', name: '阶段工作通知（动员部署）' }]);
    expect(startingToday(def, '2027-05-10').phases).toEqual([
      { name: '集中整治', start: '2027-05-10', end: '2027-09-30' },
      { name: '巩固提升', start: '2027-10-01', end: '2027-12-31' },
    ]);
  });

  it('tells the civil date in the campaign’s zone', () => {
    expect(civilDateIn('Asia/Shanghai', new Date('2026-12-31T16:30:00Z'))).toBe('2027-01-01');
  });
});
