// One action at a time inside a task (continued from concurrency.test.ts, in a file and simulation
// of its own so that no task of another test lapses into its locked notices).
// Updates that arrive together must not both pass their checks: two extension requests at once, a
// 核查 at the instant the deadline lapses, two reassignments while a rung is being issued. To make
// "at once" certain, a test holds the notices table locked: the action that has the task's turn
// waits in its notice, the others queue behind it (accepted, i.e. validated against the same
// state), and all are let go together.
import { afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../client/campaigns.js';
import {
  acknowledgeUpdate,
  reassignUpdate,
  taskStateQuery,
} from '../../workflows/messages.js';
import { shanghaiDate } from '../support/definitions.js';
import {
  accepted,
  endOf,
  eventKinds,
  holdNotices,
  ladderDefinition,
  notices,
  outcome,
  recipients,
  startTask,
  taskRow,
  waitForBlockedNotice,
  waitForEvent,
  simulationForFile,
  terminateLeftovers,
} from './helpers.js';

const { database, sim } = await simulationForFile();
// A task an earlier test left running must not lapse into a later test's locked notices.
afterEach(terminateLeftovers);

describe('RectificationWorkflow: one action at a time', () => {
  it('issues a rung to the unit it was issued to while two reassignments wait; one reassignment passes', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 2 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });

      // The deadline lapses: the 逾期通报 to the enforcement office takes the turn and waits behind the lock.
      const lock = await holdNotices(database.db);
      let first;
      let second;
      try {
        await sim.env.sleep(endOf(def.tasks[0].deadline) - (await sim.now()).getTime() + 1000);
        await waitForBlockedNotice(database.db);
        const reassign = { unitId: 'utilities', reason: '职责调整，由公用事业局牵头', deadline: shanghaiDate(today, 20), by: '创建办' };
        first = await accepted(task, reassignUpdate, reassign);
        second = await accepted(task, reassignUpdate, reassign);
      } finally {
        await lock.release();
      }
      const outcomes = [await outcome(first), await outcome(second)];
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, message: '单位 utilities 已是该任务的责任单位', reason: 'InvalidInput' }]);

      const issued = await notices(database.db, def.id);
      const overdue = issued.filter((n) => n.kind === 'overdue');
      const reassignment = issued.filter((n) => n.kind === 'reassignment');
      expect(overdue).toHaveLength(1);
      expect(reassignment).toHaveLength(1);
      // The rung went to the unit it was issued to; the reassignment came after it.
      expect(overdue[0].recipients.to).toEqual(['zf-principal@test.example.org', 'urban@test.example.org']);
      expect(reassignment[0].recipients.to).toEqual(['gy@test.example.org']);
      expect(reassignment[0].issued_at.getTime()).toBeGreaterThanOrEqual(overdue[0].issued_at.getTime());
      const mailed = await recipients(database.db, def.office.documentPrefix);
      const overdueTo = mailed.filter((m) => m.subject.includes(overdue[0].document_number)).map((m) => m.to);
      expect(overdueTo).toContain('zf-principal@test.example.org');
      expect(overdueTo.some((to) => to.startsWith('gy'))).toBe(false);

      const state = await task.query(taskStateQuery);
      expect(state).toMatchObject({ leadUnit: 'utilities', status: 'assigned', rung: 0 });
      expect(await taskRow(database.db, def.id)).toMatchObject({ lead_unit: 'utilities', rung: 0 });
      expect((await eventKinds(database.db, def.id)).filter((k) => k === 'reassigned')).toHaveLength(1);
    });
  });
});
