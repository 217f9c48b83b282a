// One task's life on the time-skipping server, with real PostgreSQL and real SMTP:
// assignment, weekly reminders, the overdue notice at the deadline, verification.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { CampaignAlreadyStarted, runUpdate, startCampaign, taskHandle } from '../../client/campaigns.js';
import { listMailbox } from '../../db/mailbox.js';
import { acknowledgeUpdate, reportProgressUpdate, submitEvidenceUpdate, taskStateQuery, verifyUpdate } from '../../workflows/messages.js';
import { shanghaiDate, testDefinition, ZONE } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { simulationForFile } from './helpers.js';

const DAY = 24 * 3600_000;
const { database, sim } = await simulationForFile();

async function notices(campaignId: string) {
  const { rows } = await database.db.query<{ kind: string; document_number: string; issued_at: Date; recipients: { to: string[]; cc: string[] } }>(
    'SELECT kind, document_number, issued_at, recipients FROM notices WHERE campaign_id = $1 ORDER BY id',
    [campaignId],
  );
  return rows;
}

const local = (at: Date) => DateTime.fromJSDate(at).setZone(ZONE);

describe('RectificationWorkflow', () => {
  it('assigns the task, reminds a silent unit every Monday 09:00, and issues the overdue notice at the deadline', async () => {
    const today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 60),
      tasks: [{ id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) }],
    });

    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, def);
      const task = taskHandle(sim.env.client, def.id, 'lanes');
      await waitFor(async () => (await task.query(taskStateQuery).catch(() => undefined))?.status === 'assigned', 'assignment');

      // 交办通知: to the lead unit's contact, copied to the cooperating units.
      const [assignment] = await waitFor(async () => (await listMailbox(database.db)).length === 1 && listMailbox(database.db), 'assignment mail');
      expect(assignment.envelope_to.sort()).toEqual(['fw@test.example.org', 'gy@test.example.org', 'zf@test.example.org']);
      expect(assignment.to_header).toContain('zf@test.example.org');
      expect(assignment.cc_header).toContain('gy@test.example.org');
      const year = local(today).year;
      expect(assignment.subject).toBe(`【测试创城交办〔${year}〕1号】关于交办“整治任务lanes”整治任务的通知`);
      expect(assignment.text_body).toContain('区综合执法分局：');
      expect(assignment.text_body).toContain('区公用事业局、北海服务中心配合');
      expect(assignment.text_body).toContain('测试园区创城办');

      // A unit that is not the lead unit cannot acknowledge; nothing changes.
      await expect(runUpdate(task, acknowledgeUpdate, { unitId: 'utilities' })).rejects.toMatchObject({
        name: 'ActionRejected',
        message: '单位 utilities 不是该任务的责任单位',
        reason: 'WrongUnit',
      });
      expect((await task.query(taskStateQuery)).status).toBe('assigned');
      const acknowledged = await task.executeUpdate(acknowledgeUpdate, { args: [{ unitId: 'enforcement', by: '郑丽' }] });
      expect(acknowledged.status).toBe('acknowledged');
      await expect(runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' })).rejects.toThrow(/已签收/);
      await expect(runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '  ' })).rejects.toThrow(/不能为空/);

      // A week of silence: one 催办 on the Monday check.
      await sim.env.sleep(7 * DAY);
      const afterWeek1 = await notices(def.id);
      expect(afterWeek1.map((n) => n.kind)).toEqual(['assignment', 'reminder']);
      const reminderAt = local(afterWeek1[1].issued_at);
      expect(reminderAt.weekday).toBe(1);
      expect(reminderAt.toFormat('HH:mm')).toBe('09:00');
      expect(afterWeek1[1].recipients).toEqual({ to: ['zf@test.example.org'], cc: [] });

      // Progress reported: the next Monday passes without a reminder.
      await task.executeUpdate(reportProgressUpdate, { args: [{ unitId: 'enforcement', text: '已清理背街小巷12处。' }] });
      await sim.env.sleep(7 * DAY);
      expect((await notices(def.id)).map((n) => n.kind)).toEqual(['assignment', 'reminder']);

      // Past the deadline without 销号: 逾期通报 to the principal and responsible leader, copied to the office.
      await sim.env.sleep(8 * DAY);
      const all = await notices(def.id);
      const overdue = all.find((n) => n.kind === 'overdue');
      expect(overdue).toBeDefined();
      expect(overdue!.recipients).toEqual({
        to: ['zf-principal@test.example.org', 'urban@test.example.org'],
        cc: ['office@test.example.org'],
      });
      const deadlineEnd = DateTime.fromISO(def.tasks[0].deadline, { zone: ZONE }).plus({ days: 1 });
      // Issued when the deadline day ends (the timer fires within milliseconds of it).
      expect(overdue!.issued_at.getTime() - deadlineEnd.toMillis()).toBeGreaterThanOrEqual(0);
      expect(overdue!.issued_at.getTime() - deadlineEnd.toMillis()).toBeLessThan(60_000);
      expect(overdue!.document_number).toBe(`测试创城通报〔${deadlineEnd.year}〕1号`);
      const overdueMail = (await listMailbox(database.db, { to: 'zf-principal@test.example.org' }))[0];
      expect(overdueMail.subject).toContain('逾期未完成的通报');
      expect(overdueMail.text_body).toContain('现予以通报');
      const { rows: taskRows } = await database.db.query('SELECT status, rung FROM tasks WHERE campaign_id = $1', [def.id]);
      expect(taskRows[0]).toMatchObject({ rung: 1 });

      // Evidence submitted, then verified: closed, and no mail after that.
      await task.executeUpdate(submitEvidenceUpdate, { args: [{ unitId: 'enforcement', form: 'report', text: '整改完成。' }] });
      const closed = await task.executeUpdate(verifyUpdate, { args: [{ passed: true, by: '创建办' }] });
      expect(closed.status).toBe('closed');
      // The task's workflow is done, so no timer of it can send anything more.
      expect((await task.result()).status).toBe('closed');

      // Every step is in the task's event log.
      const { rows: events } = await database.db.query<{ kind: string }>(
        'SELECT kind FROM task_events WHERE campaign_id = $1 ORDER BY occurred_at, id',
        [def.id],
      );
      expect(events.map((e) => e.kind)).toEqual(
        expect.arrayContaining(['notice.assignment', 'assigned', 'acknowledged', 'notice.reminder', 'progress', 'notice.overdue', 'overdue', 'evidence', 'verified']),
      );
    });
  });

  it('refuses to start the same campaign twice', async () => {
    const today = await sim.now();
    const def = testDefinition({ start: shanghaiDate(today, -1), end: shanghaiDate(today, 30) });
    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, def);
      await expect(startCampaign(sim.env.client, def)).rejects.toThrow(CampaignAlreadyStarted);
    });
  });
});
