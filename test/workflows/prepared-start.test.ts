// A task started by its campaign gets its plan and the instants of its assignment computed for the
// batch (PreparedStart): it issues its assignment notice without a look-up of its own, and keeps the
// very instants a task that looked them up itself keeps. Answers that went stale (the task assigned
// after `validUntil`) are looked up again. Fixed dates in 2035 (no holiday schedule: Monday–Friday).
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { startCampaign, taskHandle } from '../../client/campaigns.js';
import { definitionSchema, type CampaignDefinition } from '../../domain/definition.js';
import { resolveEscalation } from '../../domain/ladder.js';
import type { TaskState } from '../../domain/task-state.js';
import { testDefinition } from '../support/definitions.js';
import { mailTo, simulationForFile, startTask, waitForEvent } from './helpers.js';

const { database, sim } = await simulationForFile();

/** Two tasks, one with a first rung three working days after its deadline. */
function definition(): CampaignDefinition {
  const base = testDefinition({
    start: '2035-01-02',
    end: '2035-03-30',
    tasks: [
      { id: 'lanes', start: '2035-01-02', deadline: '2035-01-18', cooperatingUnits: [] },
      { id: 'pipes', start: '2035-01-04', deadline: '2035-01-25', leadUnit: 'utilities', cooperatingUnits: [] },
    ],
    cadences: { weeklyCheck: { weekday: 3, time: '10:00' } },
    // A schedule for the year (no warning to record): 1 January and the Spring Festival.
    calendar: { '2035': { holidays: ['2035-01-01', '2035-02-07..2035-02-13'], workdays: [] } },
  });
  return definitionSchema.parse({
    ...base,
    // Each campaign its own prefix: the mail of one is told from the others'.
    office: { ...base.office, documentPrefix: `测试${base.id.slice(-4)}` },
    tasks: base.tasks.map((t) => (t.id === 'pipes' ? { ...t, escalation: { ladder: [{ rung: 'overdueNotice', graceDays: 3 }] } } : t)),
  });
}

/** What the look-ups decide of a task. */
const instants = (s: TaskState) => ({
  deadlineAt: s.deadlineAt,
  acknowledgeBy: s.acknowledgeBy,
  nextEscalationAt: s.nextEscalationAt,
  nextRungName: s.nextRungName,
  ladder: s.ladder,
});

/** Local activities (look-ups) recorded before the task's first ordinary activity, the assignment notice. */
async function markersBeforeAssignment(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const notice = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'issueNotice');
  expect(notice).toBeGreaterThan(0);
  return events.slice(0, notice).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
}

const sleepUntil = async (iso: string) => sim.env.sleep(Date.parse(iso) - (await sim.env.currentTimeMs()));

describe('a task started by its campaign', () => {
  it('is assigned without a look-up of its own, at the instants it would have looked up', { timeout: 180_000 }, async () => {
    const byCampaign = definition();
    const alone = definition();
    const stale = definition();
    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, byCampaign);
      // The same tasks started one by one, as a task started before this change: each looks up.
      const lanesAlone = await startTask(sim, alone, {}, 'lanes');
      const pipesAlone = await startTask(sim, alone, {}, 'pipes');
      // Answers computed for an assignment on Jan 1 and reaching the task on Jan 2: looked up again.
      const wrong = { date: '2035-12-31', lapsesAt: '2035-12-31T16:00:00.000Z', missingYears: [] };
      const lanesStale = await startTask(sim, stale, {
        prepared: {
          plan: { escalation: resolveEscalation(stale.escalation, 'department', undefined), units: stale.units.map((u) => ({ id: u.id, name: u.name, kind: u.kind ?? 'department' })) },
          startAt: '2035-01-02T01:00:00.000Z',
          deadlineAt: wrong.lapsesAt,
          acknowledgeBy: wrong,
          validUntil: '2035-01-01T16:00:00.000Z',
        },
      }, 'lanes');

      await sleepUntil('2035-01-04T02:00:00Z');
      const lanes = await waitForEvent(taskHandle(sim.env.client, byCampaign.id, 'lanes'), 'assigned');
      const pipes = await waitForEvent(taskHandle(sim.env.client, byCampaign.id, 'pipes'), 'assigned');
      const expected = { lanes: await waitForEvent(lanesAlone, 'assigned'), pipes: await waitForEvent(pipesAlone, 'assigned') };

      expect(instants(lanes)).toEqual(instants(expected.lanes));
      expect(instants(pipes)).toEqual(instants(expected.pipes));
      // Spelled out: the first rung of pipes comes three working days after Thu Jan 25 (Tue Jan 30, 24:00).
      expect(pipes.nextEscalationAt).toBe('2035-01-30T16:00:00.000Z');
      expect(pipes.nextRungName).toBe('逾期通报');
      // 签收时限: lanes assigned Tue Jan 2, pipes Thu Jan 4.
      expect([lanes.acknowledgeBy, pipes.acknowledgeBy]).toEqual([expected.lanes.acknowledgeBy, expected.pipes.acknowledgeBy]);
      expect(Date.parse(pipes.acknowledgeBy!)).toBeGreaterThan(Date.parse(lanes.acknowledgeBy!));

      expect(await markersBeforeAssignment(taskHandle(sim.env.client, byCampaign.id, 'lanes'))).toBe(0);
      expect(await markersBeforeAssignment(taskHandle(sim.env.client, byCampaign.id, 'pipes'))).toBe(0);
      // Alone: the plan, the start instant, the deadline's instant, the 签收时限.
      expect(await markersBeforeAssignment(lanesAlone)).toBe(4);

      // Stale answers are not used: the task looked up what the task started alone has.
      const relooked = await waitForEvent(lanesStale, 'assigned');
      expect(instants(relooked)).toEqual(instants(expected.lanes));
      // The deadline's instant and the 签收时限 again (the plan and the start instant do not go stale).
      expect(await markersBeforeAssignment(lanesStale)).toBe(2);
    });

    // The units got their assignments, naming the deadlines.
    const zf = (await mailTo(database.db, 'zf@test.example.org', byCampaign)).filter((m) => m.subject.includes('交办'));
    expect(zf).toHaveLength(1);
    expect(zf[0].text_body).toContain('2035年1月18日');
    const gy = (await mailTo(database.db, 'gy@test.example.org', byCampaign)).filter((m) => m.subject.includes('交办'));
    expect(gy).toHaveLength(1);
    expect(gy[0].text_body).toContain('2035年1月25日');
  });
});
