// Bounded growth of one task, on the time-skipping server with real PostgreSQL and SMTP: every free
// text is limited (domain/limits.ts), a task takes MAX_REPORTS_PER_DAY progress reports a civil
// day, updates answer the task without its growing lists, and a task sent 2,000 reports over a
// hundred days continues as new so that no run's history passes the limit, then still escalates
// at its deadline, once.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { problemFrom } from '../../client/api/problems.js';
import { runUpdate } from '../../client/campaigns.js';
import { listMailbox } from '../../db/mailbox.js';
import { MAX_NAME_CHARS, MAX_REPORTS_PER_DAY, MAX_TEXT_CHARS } from '../../domain/limits.js';
import {
  acknowledgeUpdate,
  reportProgressUpdate,
  requestExtensionUpdate,
  submitEvidenceUpdate,
  taskStateQuery,
  verifyUpdate,
} from '../../workflows/messages.js';
import { TASK_HISTORY_LIMIT } from '../../workflows/rectification.js';
import { ZONE } from '../support/definitions.js';
import { closeTask, endOf, ladderDefinition, notices, startTask, waitForEvent,
  simulationForFile,
} from './helpers.js';

const { database, sim } = await simulationForFile();

/** Sleeps until 10:00 (Shanghai) of the next day: a whole working morning before the day ends. */
async function nextMorning() {
  const now = DateTime.fromJSDate(await sim.now()).setZone(ZONE);
  const target = now.plus({ days: 1 }).set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
  await sim.env.sleep(target.toMillis() - now.toMillis());
}

async function progressCount(campaignId: string): Promise<number> {
  const { rows } = await database.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM task_events WHERE campaign_id = $1 AND kind = 'progress'",
    [campaignId],
  );
  return rows[0].n;
}

describe('RectificationWorkflow: bounded growth', () => {
  it('refuses texts over the limits and reports over the day’s quota, and answers without the growing lists', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 30 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await expect(runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement', by: '郑'.repeat(MAX_NAME_CHARS + 1) })).rejects.toMatchObject({
        reason: 'TooLong',
        message: `经办人姓名不能超过 ${MAX_NAME_CHARS} 个字（现为 ${MAX_NAME_CHARS + 1} 个字）`,
      });
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement', by: '郑'.repeat(MAX_NAME_CHARS) });
      await nextMorning();

      const long = '整'.repeat(MAX_TEXT_CHARS + 1);
      await expect(runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: long })).rejects.toMatchObject({ reason: 'TooLong' });
      await expect(runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: long, workingDays: 2 })).rejects.toMatchObject({
        reason: 'TooLong',
        message: `延期理由不能超过 ${MAX_TEXT_CHARS} 个字（现为 ${MAX_TEXT_CHARS + 1} 个字）`,
      });
      await expect(
        runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: long, interim: true }),
      ).rejects.toMatchObject({ reason: 'TooLong' });

      // The day's quota: MAX_REPORTS_PER_DAY progress reports, the first of them at the limit's length.
      const first = await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '整'.repeat(MAX_TEXT_CHARS) });
      expect(first).not.toHaveProperty('timeline');
      expect(first).not.toHaveProperty('notices');
      expect(first).not.toHaveProperty('evidence');
      expect(first.events).toEqual([expect.objectContaining({ kind: 'progress', actor: 'enforcement' })]);
      for (let i = 2; i <= MAX_REPORTS_PER_DAY; i++) {
        await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: `第${i}次进展` });
      }
      await expect(runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '再报一次' })).rejects.toMatchObject({
        reason: 'DailyLimit',
        message: `该任务今日已报送进展 ${MAX_REPORTS_PER_DAY} 次，达到每日上限，请明日再报`,
      });
      // The console and the portal answer it as 429, with the reason.
      const refusal = await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '又报一次' }).catch((e: unknown) => e);
      expect(problemFrom(refusal)).toMatchObject({ statusCode: 429, code: 'DailyLimit' });
      const state = await task.query(taskStateQuery);
      expect(state.reportsToday).toMatchObject({ progress: MAX_REPORTS_PER_DAY, evidence: 0 });
      expect(await progressCount(def.id)).toBe(MAX_REPORTS_PER_DAY);
      // Evidence has its own quota; the next civil day the reports start again.
      await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: '阶段性说明', interim: true });
      await nextMorning();
      await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '次日进展' });
      expect((await task.query(taskStateQuery)).reportsToday).toMatchObject({ progress: 1, evidence: 0 });
      await closeTask(task);
    });
  });

  it('continues as new under 2,000 reports, keeping each run’s history bounded, and escalates at its deadline once', async () => {
    const REPORTS = 2000;
    const days = Math.ceil(REPORTS / MAX_REPORTS_PER_DAY);
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: days + 10 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });

      const runs = new Map<string, number>();
      const measure = async () => {
        const d = await task.describe();
        runs.set(d.runId, Math.max(runs.get(d.runId) ?? 0, d.historyLength));
      };
      let sent = 0;
      while (sent < REPORTS) {
        await nextMorning();
        const batch = Math.min(MAX_REPORTS_PER_DAY, REPORTS - sent);
        for (let i = 0; i < batch; i++) {
          await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: `第${sent + i + 1}次进展：已清理背街小巷。`, by: '郑丽' });
        }
        sent += batch;
        await measure();
      }
      expect(await progressCount(def.id)).toBe(REPORTS);
      // Several runs, none past the limit by more than the events of the updates it waited for.
      expect(runs.size).toBeGreaterThan(2);
      for (const length of runs.values()) expect(length).toBeLessThan(TASK_HISTORY_LIMIT + 200);
      const state = await task.query(taskStateQuery);
      expect(state.status).toBe('inProgress');
      expect(state.timeline.length + (state.timelineOmitted ?? 0)).toBeGreaterThan(REPORTS);
      expect(state.timeline.length).toBeLessThan(TASK_HISTORY_LIMIT);

      // The deadline still lapses into one 逾期通报, numbered once, mailed once to the principal.
      await sim.env.sleep(endOf(def.tasks[0].deadline) - (await sim.now()).getTime() + 60_000);
      await waitForEvent(task, 'overdue');
      const overdue = (await notices(database.db, def.id)).filter((n) => n.kind === 'overdue');
      expect(overdue).toHaveLength(1);
      expect(overdue[0].document_number).toMatch(/通报〔\d{4}〕1号$/);
      const mailed = (await listMailbox(database.db, { to: 'zf-principal@test.example.org' })).filter((m) =>
        m.subject.includes(overdue[0].document_number),
      );
      expect(mailed.flatMap((m) => m.envelope_to).filter((to) => to === 'zf-principal@test.example.org')).toHaveLength(1);
      expect((await task.query(taskStateQuery)).rung).toBe(1);
      await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: '整改完成。' });
      await runUpdate(task, verifyUpdate, { passed: true });
    });
  }, 300_000);
});
