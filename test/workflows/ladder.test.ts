// The escalation ladder on the time-skipping server, with real PostgreSQL and SMTP: each rung at
// its time with its recipients, number, deduction and wording; resolving the task at any rung
// stops the climb; overrides per campaign and per task; enterprises and their refusal; complaints
// that start at the supervision letter; the climb waiting for verification; idempotent notices
// when SMTP fails after accepting a message.
import mammoth from 'mammoth';
import { describe, expect, it } from 'vitest';
import { runUpdate } from '../../client/campaigns.js';
import { findNoticeByNumber, listNoticeAttachments } from '../../db/notices.js';
import { renderNoticeDocx } from '../../services/docx.js';
import {
  acknowledgeUpdate,
  recordRefusalUpdate,
  submitEvidenceUpdate,
  taskStateQuery,
  verifyUpdate,
} from '../../workflows/messages.js';
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

const sleepUntil = async (ms: number) => {
  const now = (await sim.now()).getTime();
  if (ms > now) await sim.env.sleep(ms - now);
};
const chineseDate = (date: string) => {
  const d = local(date);
  return `${d.year}年${d.month}月${d.day}日`;
};
async function docxText(content: Buffer): Promise<string> {
  return (await mammoth.extractRawText({ buffer: content })).value;
}

/**
 * Runs a task up to rung `upTo` of the default ladder, checking each rung on the way, then closes
 * it there and checks that nothing more is issued.
 */
async function climbTo(upTo: number) {
  const today = await sim.now();
  const def = ladderDefinition({ today, deadlineInDays: 2 });
  const cal = calendarOf(def);
  const prefix = def.office.documentPrefix;
  const deadline = def.tasks[0].deadline;
  await sim.withWorker(async () => {
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    const rungNotice = async (rung: number) => (await notices(database.db, def.id)).find((n) => n.rung === rung);

    // 1. 逾期通报 at the end of the deadline day; deduction from 年终绩效.
    await sleepUntil(endOf(deadline) + 60_000);
    const overdue = (await rungNotice(1))!;
    expect(overdue.kind).toBe('overdue');
    expect(issuedAtAbout(overdue.issued_at, endOf(deadline))).toBe(true);
    expect(overdue.document_number).toBe(`${prefix}通报〔${local(overdue.issued_at).year}〕1号`);
    expect(overdue.recipients).toEqual({ to: ['zf-principal@test.example.org', 'urban@test.example.org'], cc: ['office@test.example.org'] });
    expect(overdue.body).toContain('扣减年终绩效分2分');
    expect(await ledger(database.db, def.id)).toEqual([
      expect.objectContaining({ unit_id: 'enforcement', points: -2, notice_id: overdue.id, reason: expect.stringContaining('逾期通报') }),
    ]);
    let state = await task.query(taskStateQuery);
    expect(state).toMatchObject({ rung: 1, rungName: '逾期通报', nextRungName: '督办函' });
    expect(state.ladder).toEqual(['逾期通报', '督办函', '约谈', '追责']);
    expect(await taskRow(database.db, def.id)).toMatchObject({ rung: 1, rung_name: '逾期通报' });

    if (upTo >= 2) {
      // 2. 督办函 three working days after the 逾期通报, with five working days to rectify.
      const due = endOf(cal.addWorkingDays(civil(overdue.issued_at), 3).date);
      expect(Date.parse(state.nextEscalationAt!)).toBe(due);
      await sleepUntil(due + 60_000);
      const letter = (await rungNotice(2))!;
      expect(letter.kind).toBe('supervisionLetter');
      expect(issuedAtAbout(letter.issued_at, due)).toBe(true);
      expect(letter.document_number).toBe(`${prefix}督办〔${local(letter.issued_at).year}〕1号`);
      expect(letter.recipients).toEqual({ to: ['zf-principal@test.example.org'], cc: ['zf@test.example.org', 'office@test.example.org'] });
      const rectifyBy = cal.addWorkingDays(civil(letter.issued_at), 5).date;
      expect(letter.details.rectificationDeadline).toBe(rectifyBy);
      expect(letter.body).toContain(`于${chineseDate(rectifyBy)}前整改到位`);
      expect(letter.body).toContain(overdue.document_number);
      state = await task.query(taskStateQuery);
      expect(state).toMatchObject({ rung: 2, rungName: '督办函', deadline: rectifyBy, nextRungName: '约谈' });
      const mail = (await mailTo(database.db, 'zf-principal@test.example.org', def)).find((m) => m.subject.includes('督办函'))!;
      expect(mail.subject).toBe(`【${letter.document_number}】关于限期整改“整治任务lanes”问题的督办函`);

      // Its printable 公文 (.docx): 发文字号, 标题, 主送, 正文, 落款, 成文日期.
      const docx = await renderNoticeDocx((await findNoticeByNumber(database.db, letter.document_number))!);
      const text = await docxText(docx);
      for (const part of [letter.document_number, letter.title, '区综合执法分局：', `于${chineseDate(rectifyBy)}前整改到位`, '测试园区创城办', chineseDate(civil(letter.issued_at))]) {
        expect(text).toContain(part);
      }
    }

    if (upTo >= 3) {
      // 3. 约谈 when the letter's deadline lapses: the principal summoned, the leaders alerted with the time.
      const due = endOf(state.deadline!);
      await sleepUntil(due + 60_000);
      const interview = (await rungNotice(3))!;
      expect(interview.kind).toBe('interview');
      expect(issuedAtAbout(interview.issued_at, due)).toBe(true);
      expect(interview.document_number).toBe(`${prefix}约谈〔${local(interview.issued_at).year}〕1号`);
      expect(interview.recipients).toEqual({
        to: ['zf-principal@test.example.org'],
        cc: ['chief@test.example.org', 'deputy@test.example.org', 'office@test.example.org'],
      });
      const meetingDay = cal.addWorkingDays(civil(interview.issued_at), 2).date;
      expect(local(interview.details.meetingAt as string).toFormat('yyyy-MM-dd HH:mm')).toBe(`${meetingDay} 09:00`);
      expect(interview.body).toContain(`${chineseDate(meetingDay)}`);
      expect(interview.body).toContain('约谈你单位主要负责人区综合执法分局局长同志');
      const alert = (await mailTo(database.db, 'chief@test.example.org', def)).find((m) => m.subject.includes('约谈'))!;
      expect(alert.text_body).toContain('9:00');
      state = await task.query(taskStateQuery);
      expect(state).toMatchObject({ rung: 3, rungName: '约谈', nextRungName: '追责' });
    }

    if (upTo >= 4) {
      // 4. 追责 when the interview's five working days lapse: to the discipline office, with the whole record.
      const due = endOf(state.deadline!);
      await sleepUntil(due + 60_000);
      const referral = (await rungNotice(4))!;
      expect(referral.kind).toBe('accountabilityReferral');
      expect(issuedAtAbout(referral.issued_at, due)).toBe(true);
      expect(referral.recipients).toEqual({ to: ['discipline@test.example.org'], cc: ['chief@test.example.org'] });
      expect(referral.body).toContain('附件：任务全过程记录');
      const [attachment] = await listNoticeAttachments(database.db, referral.id);
      expect(attachment.name).toBe('任务全过程记录.docx');
      const record = await docxText(attachment.content);
      for (const n of (await notices(database.db, def.id)).filter((x) => x.id !== referral.id)) {
        expect(record).toContain(n.document_number);
      }
      for (const part of ['签收', '逾期通报', '下发督办函', '约谈', '已送达', deadline]) expect(record).toContain(part);
      const mail = (await mailTo(database.db, 'discipline@test.example.org', def))[0];
      expect(mail.subject).toContain('关于建议追究区综合执法分局相关人员责任的函');
      state = await task.query(taskStateQuery);
      expect(state).toMatchObject({ rung: 4, rungName: '追责' });
      expect(state.nextEscalationAt).toBeUndefined();
    }

    // Resolved at this rung: closed, and the climb stops.
    const count = (await notices(database.db, def.id)).length;
    await closeTask(task);
    await sim.env.sleep(40 * DAY);
    expect((await notices(database.db, def.id)).length).toBe(count);
    const final = await finished(task);
    expect(final).toMatchObject({ status: 'closed', rung: upTo });
    expect(await eventKinds(database.db, def.id)).toEqual(expect.arrayContaining(['evidence', 'verified']));
  });
}

describe('escalation ladder (defaults)', () => {
  it('rung 1: 逾期通报 at the deadline, with a performance deduction; resolving there stops the climb', () => climbTo(1));
  it('rung 2: 督办函 with its own number and a new deadline; resolving there stops the climb', () => climbTo(2));
  it('rung 3: 约谈 of the principal, leaders alerted with the proposed time; resolving there stops the climb', () => climbTo(3));
  it('rung 4: 追责 to the discipline office with the whole record attached; resolving there closes the task', () => climbTo(4));
});

describe('escalation ladder (configured, enterprises, complaints)', () => {
  it('takes grace periods, recipients, deductions and wording from the campaign, overridden per task', async () => {
    const today = await sim.now();
    const def = ladderDefinition({
      today,
      deadlineInDays: 2,
      escalation: {
        ladder: [
          { rung: 'overdueNotice', deduction: 3 },
          { rung: 'criticismNotice', graceDays: 1 },
          {
            rung: 'supervisionLetter',
            graceDays: 2,
            rectificationDays: 2,
            wording: { title: '关于{责任单位}限期整改“{任务}”的督办函', paragraphs: ['请于{整改时限}前整改到位。'] },
          },
        ],
      },
      taskEscalation: {
        ladder: [
          { rung: 'criticismNotice', skip: true },
          { rung: 'supervisionLetter', graceDays: 1, recipients: { to: ['leadUnit.principal', 'leaders.groupLeader'] } },
        ],
      },
    });
    const cal = calendarOf(def);
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      const assigned = await waitForEvent(task, 'assigned');
      expect(assigned.ladder).toEqual(['逾期通报', '督办函']);
      await sleepUntil(endOf(def.tasks[0].deadline) + 60_000);
      const [overdue] = (await notices(database.db, def.id)).filter((n) => n.kind === 'overdue');
      expect(overdue.body).toContain('扣减年终绩效分3分');
      expect((await ledger(database.db, def.id)).find((r) => r.notice_id === overdue.id)?.points).toBe(-3);

      const due = endOf(cal.addWorkingDays(civil(overdue.issued_at), 1).date);
      await sleepUntil(due + 60_000);
      const [letter] = (await notices(database.db, def.id)).filter((n) => n.kind === 'supervisionLetter');
      expect(issuedAtAbout(letter.issued_at, due)).toBe(true);
      expect(letter.recipients.to).toEqual(['zf-principal@test.example.org', 'chief@test.example.org']);
      const rectifyBy = cal.addWorkingDays(civil(letter.issued_at), 2).date;
      expect(letter.title).toBe('关于区综合执法分局限期整改“整治任务lanes”的督办函');
      expect(letter.body).toBe(`请于${chineseDate(rectifyBy)}前整改到位。`);
      // The top of this task's ladder: nothing further is planned.
      expect((await task.query(taskStateQuery)).nextEscalationAt).toBeUndefined();
      await closeTask(task);
    });
  });

  it('waits while evidence awaits verification, and climbs at once when verification fails after the deadline', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 2 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
      await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: '已完成整改。' });
      await sleepUntil(endOf(def.tasks[0].deadline) + 2 * DAY);
      expect((await notices(database.db, def.id)).map((n) => n.kind)).not.toContain('overdue');

      await runUpdate(task, verifyUpdate, { passed: false, comment: '现场仍有占道经营' });
      const overdue = await waitForEvent(task, 'overdue');
      expect(overdue.rung).toBe(1);
      await closeTask(task);
    });
  });

  it('an enterprise that refuses is notified park-wide and its principal is interviewed', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 10, leadUnit: 'tourism' });
    const prefix = def.office.documentPrefix;
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      const assigned = await waitForEvent(task, 'assigned');
      expect(assigned.ladder).toEqual(['逾期通报', '督办函', '全园区通报', '约谈']);
      await runUpdate(task, acknowledgeUpdate, { unitId: 'tourism' });
      await expect(runUpdate(task, recordRefusalUpdate, { reason: ' ' })).rejects.toMatchObject({ reason: 'EmptyInput' });

      const after = await runUpdate(task, recordRefusalUpdate, { reason: '企业明确表示不予整改门前乱堆放', by: '创建办' });
      expect(after).toMatchObject({ rung: 3, rungName: '全园区通报' });
      await waitForEvent(task, 'interview');
      const all = await notices(database.db, def.id);
      const parkWide = all.find((n) => n.kind === 'parkWide')!;
      expect(parkWide.document_number).toBe(`${prefix}通报〔${local(parkWide.issued_at).year}〕1号`);
      expect(parkWide.recipients.to.sort()).toEqual(
        ['fw@test.example.org', 'gy@test.example.org', 'ly@test.example.org', 'zf@test.example.org'].sort(),
      );
      expect(parkWide.recipients.cc).toEqual(['chief@test.example.org', 'deputy@test.example.org', 'office@test.example.org']);
      expect(parkWide.body).toContain('现在全园区范围内予以通报，并约谈该企业主要负责人');
      expect(parkWide.body).toContain('企业明确表示不予整改门前乱堆放');
      const interview = all.find((n) => n.kind === 'interview')!;
      expect(interview.rung).toBe(4);
      expect(interview.recipients.to).toEqual(['ly-principal@test.example.org']);
      expect(interview.body).toContain('约谈企业主要负责人');
      expect((await mailTo(database.db, 'gy@test.example.org', def)).map((m) => m.subject)).toContain(
        `【${parkWide.document_number}】关于北海旅游公司拒不整改问题的通报`,
      );
      // Already past the refusal rung: a second refusal is refused.
      await expect(runUpdate(task, recordRefusalUpdate, { reason: '再次拒绝' })).rejects.toMatchObject({ reason: 'InvalidState' });
      expect(await eventKinds(database.db, def.id)).toEqual(expect.arrayContaining(['refused', 'parkWide', 'interview']));
      await closeTask(task, 'tourism');
    });
  });

  it('a complaint from the media starts at the supervision letter with a short deadline, then climbs', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 30 });
    const cal = calendarOf(def);
    await sim.withWorker(async () => {
      const task = await startTask(sim, def, {
        complaint: { source: 'media', summary: '北海路背街小巷垃圾堆积，经本地电视台曝光', reference: '北海新闻 11月27日' },
      });
      const state = await waitForEvent(task, 'assigned');
      expect(state).toMatchObject({ rung: 2, rungName: '督办函', complaint: { source: 'media' } });
      const all = await notices(database.db, def.id);
      expect(all.map((n) => n.kind)).toEqual(['supervisionLetter']);
      const letter = all[0];
      const rectifyBy = cal.addWorkingDays(civil(letter.issued_at), 3).date;
      expect(state.deadline).toBe(rectifyBy);
      expect((await taskRow(database.db, def.id)).deadline).toBe(rectifyBy);
      expect(letter.body).toContain('近期，媒体曝光反映：北海路背街小巷垃圾堆积，经本地电视台曝光（北海新闻 11月27日）。');
      expect(letter.body).toContain(`于${chineseDate(rectifyBy)}前整改到位`);
      expect(letter.recipients.to).toEqual(['zf-principal@test.example.org']);

      // Unresolved by then: the principal is summoned.
      await sleepUntil(endOf(rectifyBy) + 60_000);
      const interview = (await notices(database.db, def.id)).find((n) => n.kind === 'interview')!;
      expect(issuedAtAbout(interview.issued_at, endOf(rectifyBy))).toBe(true);
      expect(interview.body).toContain('（媒体曝光）');
      expect(await eventKinds(database.db, def.id)).toEqual(expect.arrayContaining(['complaint', 'supervisionLetter', 'assigned', 'interview']));
      await closeTask(task);
    });
  });

  it('never sends or numbers a notice twice when SMTP fails after accepting it', async () => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 2 });
    const prefix = def.office.documentPrefix;
    await sim.withWorker(async () => {
      sim.sink.failAfterStoring(1);
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });

      // Twice at the overdue notice: three deliveries of one message.
      const year = local(new Date(endOf(def.tasks[0].deadline))).year;
      await sleepUntil(endOf(def.tasks[0].deadline) - 60_000);
      sim.sink.failAfterStoring(2);
      await sleepUntil(endOf(def.tasks[0].deadline) + 60_000);
      await waitForEvent(task, 'overdue');

      const all = await notices(database.db, def.id);
      const assignment = all.filter((n) => n.kind === 'assignment');
      const overdue = all.filter((n) => n.kind === 'overdue');
      expect(assignment.map((n) => n.document_number)).toEqual([`${prefix}交办〔${local(assignment[0].issued_at).year}〕1号`]);
      expect(overdue.map((n) => n.document_number)).toEqual([`${prefix}通报〔${year}〕1号`]);

      const { rows: outbox } = await database.db.query<{ notice_id: number; status: string; attempts: number; last_error: string | null }>(
        'SELECT notice_id, status, attempts, last_error FROM outbox WHERE notice_id = ANY ($1::bigint[]) ORDER BY notice_id',
        [[assignment[0].id, overdue[0].id]],
      );
      expect(outbox).toEqual([
        { notice_id: assignment[0].id, status: 'sent', attempts: 2, last_error: null },
        { notice_id: overdue[0].id, status: 'sent', attempts: 3, last_error: null },
      ]);
      const assignmentMail = (await mailTo(database.db, 'zf@test.example.org', def)).filter((m) => m.subject.includes('交办'));
      expect(assignmentMail).toHaveLength(1);
      expect(assignmentMail[0].deliveries).toBe(2);
      const overdueMail = (await mailTo(database.db, 'zf-principal@test.example.org', def)).filter((m) => m.subject.includes('逾期'));
      expect(overdueMail).toHaveLength(1);
      expect(overdueMail[0].deliveries).toBe(3);
      // One ledger row for the one notice.
      expect((await ledger(database.db, def.id)).filter((r) => r.notice_id === overdue[0].id)).toHaveLength(1);
      await closeTask(task);
    });
  });
});
