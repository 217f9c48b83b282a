// The rectification lifecycle of one task, on the time-skipping server with real PostgreSQL and
// SMTP: acknowledgement (and its lapse), progress, evidence in the four forms with files,
// verification (failed and passed), extension requests (approved, refused, the cap),
// reassignment and withdrawal. Every refusal leaves the task as it was.
import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ActionRejected, runUpdate } from '../../client/campaigns.js';
import { submitEvidence } from '../../client/evidence.js';
import { listEvidence } from '../../db/evidence.js';
import { NOTICE_KINDS, type NoticeKind } from '../../domain/notices.js';
import {
  acknowledgeUpdate,
  decideExtensionUpdate,
  reassignUpdate,
  reportProgressUpdate,
  requestExtensionUpdate,
  submitEvidenceUpdate,
  taskStateQuery,
  verifyUpdate,
  withdrawUpdate,
} from '../../workflows/messages.js';
import { shanghaiDate } from '../support/definitions.js';
import {
  calendarOf,
  civil,
  closeTask,
  DAY,
  endOf,
  eventKinds,
  finished,
  issuedAtAbout,
  ledger,
  ladderDefinition,
  local,
  mailTo,
  notices,
  startTask,
  taskRow,
  waitForEvent,
  simulationForFile,
} from './helpers.js';

const { database, sim } = await simulationForFile();

describe('RectificationWorkflow lifecycle', () => {
  it('acknowledges, takes progress and evidence in the four forms, and closes on verification; refusals change nothing', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 20 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');

      // Validators: unknown unit, wrong unit, evidence before acknowledgement, empty input.
      await expect(runUpdate(task, acknowledgeUpdate, { unitId: 'nobody' })).rejects.toMatchObject({
        name: 'ActionRejected',
        message: '未知单位：nobody',
        reason: 'UnknownUnit',
      });
      await expect(runUpdate(task, acknowledgeUpdate, { unitId: 'utilities' })).rejects.toMatchObject({ reason: 'WrongUnit' });
      await expect(runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: '材料' })).rejects.toMatchObject({
        reason: 'InvalidState',
        message: '任务当前状态为“已交办”，不能报送佐证材料（请先签收）',
      });
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement', by: '郑丽' });
      await expect(runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'photo', text: '  ' })).rejects.toMatchObject({
        reason: 'EmptyInput',
        message: '佐证材料不能为空：请附文件或填写说明',
      });
      await expect(
        runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'video' as never, text: '视频' }),
      ).rejects.toMatchObject({ reason: 'InvalidInput' });
      await expect(runUpdate(task, verifyUpdate, { passed: true })).rejects.toMatchObject({ reason: 'InvalidState' });
      // A file that was never uploaded: refused by the activity, nothing recorded.
      await expect(
        runUpdate(task, submitEvidenceUpdate, {
          unitId: 'enforcement',
          form: 'photo',
          files: [{ id: randomUUID(), name: '伪造.jpg', contentType: 'image/jpeg', size: 3, sha256: 'a'.repeat(64) }],
        }),
      ).rejects.toMatchObject({ reason: 'InvalidEvidence', message: expect.stringContaining('不存在，请先上传') });
      let state = await task.query(taskStateQuery);
      expect(state.status).toBe('acknowledged');
      expect(state.evidence).toEqual([]);

      // Progress, then evidence: an interim data table, a photo with two files, a formal document and a report.
      await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '已清理背街小巷12处。' });
      const photo1 = Buffer.from('\xff\xd8\xff\xe0 photo one', 'latin1');
      const photo2 = Buffer.alloc(200_000, 7);
      await submitEvidence(database.db, sim.env.client, {
        campaignId: def.id,
        taskId: 'lanes',
        unitId: 'enforcement',
        form: 'dataTable',
        interim: true,
        text: '6月份整治台账',
        files: [{ name: '台账.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', content: Buffer.from('PK\x03\x04 sheet') }],
      });
      expect((await task.query(taskStateQuery)).status).toBe('inProgress');
      await submitEvidence(database.db, sim.env.client, {
        campaignId: def.id,
        taskId: 'lanes',
        unitId: 'enforcement',
        form: 'photo',
        text: '整改前后对比照片',
        files: [
          { name: '整改前.jpg', contentType: 'image/jpeg', content: photo1 },
          { name: '整改后.jpg', contentType: 'image/jpeg', content: photo2 },
        ],
        by: '郑丽',
      });
      state = await task.query(taskStateQuery);
      expect(state.status).toBe('evidenceSubmitted');
      expect(state.evidence.map((e) => [e.form, e.interim, e.files.map((f) => f.name)])).toEqual([
        ['dataTable', true, ['台账.xlsx']],
        ['photo', false, ['整改前.jpg', '整改后.jpg']],
      ]);
      const second = state.evidence[1].files[1];
      expect(second).toMatchObject({ size: 200_000, sha256: createHash('sha256').update(photo2).digest('hex'), contentType: 'image/jpeg' });

      // A file over 10 MiB never reaches the workflow; its upload is not kept.
      await expect(
        submitEvidence(database.db, sim.env.client, {
          campaignId: def.id,
          taskId: 'lanes',
          unitId: 'enforcement',
          form: 'document',
          files: [{ name: '太大.pdf', contentType: 'application/pdf', content: Buffer.alloc(10 * 1024 * 1024 + 1) }],
        }),
      ).rejects.toBeInstanceOf(ActionRejected);
      // While the office has the evidence, the unit cannot send more: refused, and the upload removed.
      await expect(
        submitEvidence(database.db, sim.env.client, {
          campaignId: def.id,
          taskId: 'lanes',
          unitId: 'enforcement',
          form: 'document',
          files: [{ name: '通知.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4') }],
        }),
      ).rejects.toMatchObject({ reason: 'InvalidState' });
      const { rows: files } = await database.db.query<{ file_name: string; size_bytes: number; content: Buffer }>(
        'SELECT file_name, size_bytes, content FROM evidence_files WHERE campaign_id = $1 ORDER BY uploaded_at, file_name',
        [def.id],
      );
      expect(files.map((f) => f.file_name).sort()).toEqual(['台账.xlsx', '整改前.jpg', '整改后.jpg'].sort());
      expect(files.find((f) => f.file_name === '整改后.jpg')!.content.equals(photo2)).toBe(true);

      // Listed on the task in the database.
      const listed = await listEvidence(database.db, def.id, 'lanes');
      expect(listed.map((s) => [s.form, s.text, s.files.map((f) => f.name)])).toEqual([
        ['dataTable', '6月份整治台账', ['台账.xlsx']],
        ['photo', '整改前后对比照片', ['整改前.jpg', '整改后.jpg']],
      ]);

      // Verified: closed, the workflow ends.
      const closed = await runUpdate(task, verifyUpdate, { passed: true, by: '创建办', comment: '现场核查合格' });
      expect(closed.status).toBe('closed');
      expect((await finished(task)).status).toBe('closed');
      expect(await eventKinds(database.db, def.id)).toEqual([
        'notice.assignment',
        'assigned',
        'acknowledged',
        'progress',
        'evidence',
        'evidence',
        'verified',
      ]);
      expect((await taskRow(database.db, def.id)).status).toBe('closed');
    });
  });

  it('returns a task whose verification failed to inProgress with the reasons, and closes it after new evidence', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 20 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
      await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: '已整改完毕。' });

      await expect(runUpdate(task, verifyUpdate, { passed: false })).rejects.toMatchObject({
        reason: 'EmptyInput',
        message: '核查不通过时必须写明原因',
      });
      const failed = await runUpdate(task, verifyUpdate, {
        passed: false,
        reasons: ['背街小巷仍有堆放杂物', '未提供整改后照片'],
        by: '创建办 王核查',
      });
      expect(failed.status).toBe('inProgress');
      expect(failed.failedVerifications).toBe(1);
      expect(failed.events?.at(-1)).toMatchObject({ kind: 'notice.verificationFailed' });

      // The unit hears why, in a 核查意见 with its own number.
      const [opinion] = (await notices(database.db, def.id)).filter((n) => n.kind === 'verificationFailed');
      expect(opinion.document_number).toBe(`${def.office.documentPrefix}核查〔${local(opinion.issued_at).year}〕1号`);
      expect(opinion.recipients).toEqual({ to: ['zf@test.example.org'], cc: [] });
      const mail = (await mailTo(database.db, 'zf@test.example.org', def)).find((m) => m.subject.includes('核查意见'))!;
      expect(mail.text_body).toContain('1. 背街小巷仍有堆放杂物。');
      expect(mail.text_body).toContain('2. 未提供整改后照片。');

      await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'photo', text: '已补充照片并清理杂物。' });
      const closed = await runUpdate(task, verifyUpdate, { passed: true });
      expect(closed.status).toBe('closed');
      expect(await eventKinds(database.db, def.id)).toEqual(
        expect.arrayContaining(['evidence', 'verificationFailed', 'notice.verificationFailed', 'evidence', 'verified']),
      );
    });
  });

  it('sends a 催办 when the acknowledgement deadline lapses and records 领办逾期 against the unit', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 30 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      const assigned = await waitForEvent(task, 'assigned');
      // One working day after the day of assignment, at its end.
      const due = calendarOf(def).addWorkingDays(civil(assigned.timeline.find((e) => e.kind === 'assigned')!.at), 1).date;
      expect(civil(new Date(Date.parse(assigned.acknowledgeBy!) - 1))).toBe(due);

      await sim.env.sleep(endOf(due) - (await sim.now()).getTime() + 60_000);
      const state = await task.query(taskStateQuery);
      expect(state.acknowledgementOverdue).toBe(true);
      const reminder = (await notices(database.db, def.id)).find((n) => n.kind === 'acknowledgementReminder')!;
      expect(issuedAtAbout(reminder.issued_at, endOf(due))).toBe(true);
      // Weekly 催办 and this one share the 催办 sequence: numbers without gaps.
      const reminders = (await notices(database.db, def.id)).filter((n) => NOTICE_KINDS[n.kind as NoticeKind].word === '催办');
      expect(reminders.map((n) => n.document_number)).toEqual(
        reminders.map((n, i) => `${def.office.documentPrefix}催办〔${local(n.issued_at).year}〕${i + 1}号`),
      );
      expect(reminder.recipients).toEqual({ to: ['zf@test.example.org'], cc: ['zf-principal@test.example.org'] });
      expect(reminder.body).toContain('领办逾期');
      expect(await eventKinds(database.db, def.id)).toContain('acknowledgementOverdue');
      const rows = await ledger(database.db, def.id);
      expect(rows).toEqual([
        expect.objectContaining({ unit_id: 'enforcement', points: -0.5, notice_id: reminder.id, reason: expect.stringContaining('领办逾期') }),
      ]);

      // Acknowledging late is still possible; no second lapse is recorded.
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
      await sim.env.sleep(3 * DAY);
      expect((await ledger(database.db, def.id)).length).toBe(1);
      await closeTask(task);
    });
  });

  it('approves an extension (the deadline moves, timers re-planned), refuses the next, and refuses requests beyond the cap', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 5 });
    const deadline = def.tasks[0].deadline;
    const extended = shanghaiDate(today, 15);
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });

      await expect(runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: ' ', until: extended })).rejects.toMatchObject({
        reason: 'EmptyInput',
      });
      await expect(runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '雨季', until: deadline })).rejects.toMatchObject({
        reason: 'InvalidInput',
      });
      await expect(runUpdate(task, decideExtensionUpdate, { approved: true })).rejects.toMatchObject({ message: '没有待审批的延期申请' });

      const requested = await runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '雨季施工受阻', until: extended });
      expect(requested.extensions).toEqual([expect.objectContaining({ status: 'pending', requestedDeadline: extended })]);
      await expect(runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '再申请', workingDays: 2 })).rejects.toMatchObject({
        message: '已有待审批的延期申请，请等待创建办答复',
      });
      const approved = await runUpdate(task, decideExtensionUpdate, { approved: true, comment: '同意，请按期完成', by: '创建办' });
      expect(approved.deadline).toBe(extended);
      expect(approved.nextEscalationAt).toBe(new Date(endOf(extended)).toISOString());
      expect((await taskRow(database.db, def.id)).deadline).toBe(extended);

      // The old deadline passes without an overdue notice.
      await sim.env.sleep(endOf(deadline) - (await sim.now()).getTime() + DAY);
      expect((await notices(database.db, def.id)).map((n) => n.kind)).not.toContain('overdue');

      // Second request: refused; the deadline stays.
      await runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '仍需三个工作日', workingDays: 3 });
      const refused = await runUpdate(task, decideExtensionUpdate, { approved: false, comment: '不予延期' });
      expect(refused.deadline).toBe(extended);
      expect(refused.extensions.map((e) => e.status)).toEqual(['approved', 'refused']);
      // The cap (2 per task) is reached.
      await expect(runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '第三次', workingDays: 1 })).rejects.toMatchObject({
        reason: 'ExtensionLimit',
        message: '延期申请已达上限（每项任务最多 2 次）',
      });

      // Replies to the unit: one approving, one refusing.
      const replies = (await notices(database.db, def.id)).filter((n) => n.kind === 'extensionDecision');
      expect(replies.map((n) => n.document_number)).toEqual([expect.stringMatching(/函〔\d{4}〕1号$/), expect.stringMatching(/函〔\d{4}〕2号$/)]);
      expect(replies[0].body).toContain(`同意延期，完成时限调整为${local(extended).year}年${local(extended).month}月${local(extended).day}日`);
      expect(replies[1].body).toContain('不同意延期');

      // The overdue notice comes at the new deadline.
      await sim.env.sleep(endOf(extended) - (await sim.now()).getTime() + 60_000);
      const overdue = (await notices(database.db, def.id)).find((n) => n.kind === 'overdue')!;
      expect(issuedAtAbout(overdue.issued_at, endOf(extended))).toBe(true);
      expect(await eventKinds(database.db, def.id)).toEqual(
        expect.arrayContaining(['extensionRequested', 'extensionApproved', 'extensionRequested', 'extensionRefused', 'overdue']),
      );
      await closeTask(task);
    });
  });

  it('reassigns a task to another unit, which receives it and must acknowledge anew', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 10 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });

      await expect(runUpdate(task, reassignUpdate, { unitId: 'nowhere', reason: '职责调整' })).rejects.toMatchObject({ reason: 'UnknownUnit' });
      await expect(runUpdate(task, reassignUpdate, { unitId: 'enforcement', reason: '职责调整' })).rejects.toMatchObject({
        message: '单位 enforcement 已是该任务的责任单位',
      });
      await expect(runUpdate(task, reassignUpdate, { unitId: 'utilities', reason: '' })).rejects.toMatchObject({ reason: 'EmptyInput' });

      const moved = await runUpdate(task, reassignUpdate, { unitId: 'utilities', reason: '职责调整，由公用事业局牵头', by: '创建办' });
      expect(moved).toMatchObject({ status: 'assigned', leadUnit: 'utilities', rung: 0 });
      expect((await taskRow(database.db, def.id)).lead_unit).toBe('utilities');
      const [notice] = (await notices(database.db, def.id)).filter((n) => n.kind === 'reassignment');
      expect(notice.document_number).toBe(`${def.office.documentPrefix}交办〔${local(notice.issued_at).year}〕2号`);
      expect(notice.recipients.to).toEqual(['gy@test.example.org']);
      expect(notice.body).toContain('原由区综合执法分局牵头');

      await expect(runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' })).rejects.toMatchObject({ reason: 'WrongUnit' });
      await runUpdate(task, acknowledgeUpdate, { unitId: 'utilities' });
      await closeTask(task, 'utilities');
      expect(await eventKinds(database.db, def.id)).toEqual(expect.arrayContaining(['reassigned', 'notice.reassignment', 'acknowledged']));
    });
  });

  it('withdraws a task: the workflow ends and the unit is told', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 3 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await expect(runUpdate(task, withdrawUpdate, { reason: '' })).rejects.toMatchObject({ reason: 'EmptyInput' });
      const withdrawn = await runUpdate(task, withdrawUpdate, { reason: '该路段已纳入市政改造项目', by: '创建办' });
      expect(withdrawn.status).toBe('withdrawn');
      expect((await finished(task)).status).toBe('withdrawn');

      const mail = (await mailTo(database.db, 'zf@test.example.org', def)).find((m) => m.subject.includes('撤销'))!;
      expect(mail.subject).toBe(`【${def.office.documentPrefix}函〔${local(mail.received_at).year}〕1号】关于撤销“整治任务lanes”整治任务的通知`);
      expect(mail.text_body).toContain('原因：该路段已纳入市政改造项目');
      expect(mail.cc_header).toContain('office@test.example.org');
      expect((await taskRow(database.db, def.id)).status).toBe('withdrawn');

      // Nothing more: the deadline passes in silence.
      const before = (await notices(database.db, def.id)).length;
      await sim.env.sleep(10 * DAY);
      expect((await notices(database.db, def.id)).length).toBe(before);
    });
  });
});
