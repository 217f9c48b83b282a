// One action at a time inside a task, on the time-skipping server with real PostgreSQL and SMTP.
// Updates that arrive together must not both pass their checks: two extension requests at once, a
// 核查 at the instant the deadline lapses, two reassignments while a rung is being issued. To make
// "at once" certain, a test holds the notices table locked: the action that has the task's turn
// waits in its notice, the others queue behind it (accepted, i.e. validated against the same
// state), and all are let go together.
import { afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../client/campaigns.js';
import {
  acknowledgeUpdate,
  decideExtensionUpdate,
  requestExtensionUpdate,
  submitEvidenceUpdate,
  taskStateQuery,
  verifyUpdate,
} from '../../workflows/messages.js';
import { shanghaiDate } from '../support/definitions.js';
import {
  accepted,
  DAY,
  endOf,
  eventKinds,
  finished,
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
  it('grants one of two extension requests sent at once and refuses the other with its reason', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 10 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
      await runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '雨季施工受阻', until: shanghaiDate(today, 15) });

      // The office refuses the first request; its reply waits behind the lock, holding the turn.
      const lock = await holdNotices(database.db);
      let holder;
      let first;
      let second;
      try {
        holder = await accepted(task, decideExtensionUpdate, { approved: false, comment: '不予延期' });
        await waitForBlockedNotice(database.db);
        // Nothing is pending now: both new requests pass validation, then queue for the turn.
        first = await accepted(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '材料采购延误', workingDays: 3 });
        second = await accepted(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '施工队伍不足', workingDays: 5 });
      } finally {
        await lock.release();
      }
      expect((await outcome(holder)).ok).toBe(true);
      const outcomes = [await outcome(first), await outcome(second)];
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok)).toEqual([
        { ok: false, message: '已有待审批的延期申请，请等待创建办答复', reason: 'InvalidState' },
      ]);

      const state = await task.query(taskStateQuery);
      expect(state.extensions.map((e) => e.status)).toEqual(['refused', 'pending']);
      expect((await eventKinds(database.db, def.id)).filter((k) => k === 'extensionRequested')).toHaveLength(2);
      // One reply (to the refused request), to the lead unit.
      const replies = (await notices(database.db, def.id)).filter((n) => n.kind === 'extensionDecision');
      expect(replies).toHaveLength(1);
      expect(replies[0].recipients.to).toEqual(['zf@test.example.org']);
      const mailed = await recipients(database.db, def.office.documentPrefix);
      expect(mailed.filter((m) => m.subject.includes(replies[0].document_number)).map((m) => m.to)).toContain('zf@test.example.org');

      // The one granted request is decided as usual; a third is over the cap.
      const approved = await runUpdate(task, decideExtensionUpdate, { approved: true });
      expect(approved.extensions.map((e) => e.status)).toEqual(['refused', 'approved']);
      expect(approved.events?.map((e) => e.kind)).toEqual(['extensionApproved', 'notice.extensionDecision']);
    });
  });

  it('closes a task verified at the instant its deadline lapses, with no overdue notice after the closure', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 2 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
      await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: '整改完成，报请核查。' });

      const lapse = endOf(def.tasks[0].deadline);
      await sim.env.sleep(lapse - (await sim.now()).getTime() - 500);
      const [closed] = await Promise.all([runUpdate(task, verifyUpdate, { passed: true, by: '创建办' }), sim.env.sleep(1000)]);
      expect(closed.status).toBe('closed');
      expect(closed.events?.map((e) => e.kind)).toEqual(['verified']);
      await sim.env.sleep(5 * DAY);
      const final = await finished(task);
      expect(final).toMatchObject({ status: 'closed', rung: 0 });

      // The rules: the climb waits while evidence awaits verification, so a closure at the lapse
      // leaves no 逾期通报; whatever was issued, was issued before the closure.
      const issued = await notices(database.db, def.id);
      expect(issued.map((n) => n.kind)).not.toContain('overdue');
      const closedAt = Date.parse(final.closedAt!);
      expect(issued.every((n) => n.issued_at.getTime() <= closedAt)).toBe(true);
      expect(await taskRow(database.db, def.id)).toMatchObject({ status: 'closed', rung: 0 });
      const mailed = await recipients(database.db, def.office.documentPrefix);
      expect(mailed.filter((m) => m.subject.includes('逾期'))).toEqual([]);
    });
  });
});
