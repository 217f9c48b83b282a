// Notices beside e-mail, as a campaign's `delivery:` asks: the lead unit's 交办通知 and 逾期通报 reach
// its people by SMS and its 企业微信 group, once each, through the channel fake; a robot that says
// "too often" gets the message on the retry, and nothing is sent twice; a number the provider
// refuses for good shows on the task's record and in the office's weekly check.
// Fixed dates in 2035 (no holiday schedule: Monday–Friday; 2035-01-01 is a Monday).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Transporter } from 'nodemailer';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../activities/mailer.js';
import type { IssueNoticeInput } from '../../activities/notices.js';
import { taskTimeline } from '../../client/api/read-model.js';
import { startCampaign, taskHandle } from '../../client/campaigns.js';
import { insertCampaign } from '../../db/campaigns.js';
import { listChannelInbox } from '../../db/channels.js';
import { definitionSchema, type CampaignDefinition } from '../../domain/definition.js';
import { campaignWorkflowId } from '../../domain/ids.js';
import { outIdOf } from '../../services/channels/sms.js';
import { startSimulation } from '../../stack/simulation.js';
import { channelFakesEnv, startChannelFakes } from '../../stack/channel-fakes.js';
import { loadChannelConfig } from '../../worker/config.js';
import { createTestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';
import { mailTo, terminateLeftovers } from './helpers.js';

const SMS_ACCOUNT = { accessKeyId: 'LTAI-channels-test', accessKeySecret: 'channels-test-secret-of-the-fake' };
const CONTACT = '13811112222';
const PRINCIPAL = '13822223333';
const LEADER = '13933334444';
const ROBOT_KEY = '693a91f6-7f1e-4bc4-97a0-0ec2a1fa5aaa';

const database = await createTestDatabase();
const fakes = await startChannelFakes(database.db, { sms: SMS_ACCOUNT });
const channels = loadChannelConfig(channelFakesEnv(fakes, SMS_ACCOUNT));
const sim = await startSimulation({
  db: database.db,
  links: { publicUrl: 'http://127.0.0.1:1', secret: 'channels-test-secret-of-32-bytes-long!!' },
  channels,
});
afterEach(terminateLeftovers);
afterAll(async () => {
  await sim.stop();
  await fakes.stop();
  await database.drop();
});

const at = (iso: string) => Date.parse(iso);

/** The campaign and its tasks end with the test: their timers would hold up the next test's clock. */
async function terminate(def: CampaignDefinition) {
  const handles = [sim.env.client.workflow.getHandle(campaignWorkflowId(def.id)), ...def.tasks.map((t) => taskHandle(sim.env.client, def.id, t.id))];
  for (const handle of handles) await handle.terminate('test finished').catch(() => undefined);
}

describe('notices by SMS and 企业微信 beside e-mail', () => {
  it('sends the assignment and the 逾期通报 once on each channel, through "too often", and shows a refused number', { timeout: 180_000 }, async () => {
    const base = testDefinition({
      start: '2035-01-02',
      end: '2035-02-28',
      tasks: [{ id: 'lanes', start: '2035-01-02', deadline: '2035-01-10', cooperatingUnits: [] }],
      cadences: { weeklyCheck: {} },
    });
    const def = definitionSchema.parse({
      ...base,
      leaders: base.leaders.map((l) => (l.id === 'urban' ? { ...l, mobile: LEADER } : l)),
      units: base.units.map((u) =>
        u.id === 'enforcement'
          ? { ...u, contact: { ...u.contact, mobile: CONTACT }, principal: { ...u.principal, mobile: PRINCIPAL }, robots: { wecom: fakes.wecomWebhook(ROBOT_KEY) } }
          : u,
      ),
      delivery: { sms: ['assignment', 'rungs', 'escalationAlerts'], wecom: ['assignment', 'rungs'] },
    });
    // The group robot answers "too often" to the first message; the responsible leader's number is refused for good.
    fakes.rateLimit('wecom', 1);
    fakes.refuseMobile(LEADER);

    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, def);
      // Assigned Tue Jan 2; lapses after Wed Jan 10 (逾期通报 Thu Jan 11); weekly checks Mon Jan 8 and Jan 15, 09:00.
      await sim.env.sleep(at('2035-01-15T02:00:00Z') - (await sim.env.currentTimeMs()));
      await terminate(def);
    });

    const { rows: issued } = await database.db.query<{ key: string; kind: string; document_number: string; body: string }>(
      `SELECT key, kind, document_number, body FROM notices WHERE campaign_id = $1 AND kind IN ('assignment', 'overdue', 'weeklyCheck') ORDER BY issued_at`,
      [def.id],
    );
    const notice = (kind: string) => issued.find((n) => n.kind === kind)!;
    const assignment = notice('assignment');
    const overdue = notice('overdue');
    expect(assignment.document_number).toBe('测试创城交办〔2035〕1号');
    expect(overdue.document_number).toMatch(/^测试创城通报〔2035〕\d+号$/);

    // What each channel owed: the contact's SMS and the group for the assignment; the principal's SMS,
    // the leader's (refused) and the group for the 逾期通报. The robot's first answer cost one retry.
    const { rows: outbox } = await database.db.query<{ key: string; status: string; attempts: number; last_code: string | null }>(
      `SELECT c.key, c.status, c.attempts, c.last_code FROM channel_outbox c JOIN notices n ON n.id = c.notice_id
       WHERE n.campaign_id = $1 ORDER BY c.id`,
      [def.id],
    );
    expect(outbox.map((r) => [r.key, r.status, r.attempts, r.last_code])).toEqual([
      [`${assignment.key}/sms/${CONTACT}`, 'sent', 1, null],
      [`${assignment.key}/wecom/enforcement`, 'sent', 2, null],
      [`${overdue.key}/sms/${PRINCIPAL}`, 'sent', 1, null],
      [`${overdue.key}/wecom/enforcement`, 'sent', 1, null],
      [`${overdue.key}/sms/${LEADER}`, 'failed', 1, 'isv.MOBILE_NUMBER_ILLEGAL'],
    ]);

    // What the phones and the group received: each message once.
    const inbox = await listChannelInbox(database.db);
    const sms = inbox.filter((r) => r.channel === 'sms');
    expect(sms.map((r) => [r.target, r.payload.OutId, r.deliveries])).toEqual([
      [CONTACT, outIdOf(`${assignment.key}/sms/${CONTACT}`), 1],
      [PRINCIPAL, outIdOf(`${overdue.key}/sms/${PRINCIPAL}`), 1],
    ]);
    // A signed portal link does not fit in an SMS: the text carries its short link, the group message the link itself.
    expect(sms[0].body).toMatch(/^【创城模拟】区综合执法分局：交办通知（测试创城交办〔2035〕1号）“整治任务lanes”，完成时限2035年1月10日，请及时签收办理：http:\/\/127\.0\.0\.1:1\/l\/[0-9A-Za-z]{10}$/);
    expect(sms[1].body).toContain(`“整治任务lanes”已逾期，逾期通报（${overdue.document_number}）`);
    const group = inbox.filter((r) => r.channel === 'wecom');
    expect(group.map((r) => r.deliveries)).toEqual([1, 1]);
    expect(group[0].body).toContain(assignment.document_number);
    expect(group[0].mentions).toEqual([CONTACT]);
    expect(group[0].body).toContain('http://127.0.0.1:1/u/');
    expect(group[1].body).toContain(overdue.document_number);
    expect(inbox.some((r) => r.target === LEADER)).toBe(false);

    // The e-mail went as before, once each.
    const contactMail = await mailTo(database.db, 'zf@test.example.org', def);
    expect(contactMail.filter((m) => m.subject.includes(assignment.document_number))).toHaveLength(1);
    const principalMail = await mailTo(database.db, 'zf-principal@test.example.org', def);
    expect(principalMail.filter((m) => m.subject.includes(overdue.document_number))).toHaveLength(1);

    // The refused number on the task's record, and in the weekly check of the week it happened.
    const failed = (await taskTimeline(database.db, def.id, 'lanes')).filter((e) => e.kind === 'channelFailed');
    expect(failed.map((e) => [e.label, e.documentNumber])).toEqual([['消息发送失败', overdue.document_number]]);
    expect(failed[0].text).toContain('短信未送达（张副主任 139****4444）');
    expect(failed[0].text).toContain('isv.MOBILE_NUMBER_ILLEGAL');
    const checks = issued.filter((n) => n.kind === 'weeklyCheck');
    expect(checks).toHaveLength(2);
    expect(checks[0].body).not.toContain('消息发送失败');
    expect(checks[1].body).toContain(`四、消息发送失败（1 项）：${overdue.document_number}的短信（张副主任 ${LEADER}）：isv.MOBILE_NUMBER_ILLEGAL`);
  });

  it('sends notices issued in bulk on every channel once, though the mail of one fails and is retried', async () => {
    const base = testDefinition({ start: '2035-01-02', end: '2035-02-28' });
    const mobiles: Record<string, string> = { enforcement: '13711110001', utilities: '13711110002', service: '13711110003' };
    const def = definitionSchema.parse({
      ...base,
      office: { ...base.office, documentPrefix: '渠道创城' },
      units: base.units.map((u) => ({ ...u, contact: { ...u.contact, mobile: mobiles[u.id] }, robots: { wecom: fakes.wecomWebhook() } })),
      delivery: { sms: ['reminders'], wecom: ['reminders'] },
    });
    await insertCampaign(database.db, def);
    // The utilities bureau's mail server refuses once: the attempt fails after everything else went.
    const pooled = createMailer(sim.sink.url);
    let refusals = 1;
    const mailer = {
      sendMail: async (message: { to: { address: string }[] }) => {
        if (message.to.some((a) => a.address === 'gy@test.example.org') && refusals-- > 0) throw new Error('550 邮箱暂不可用');
        return pooled.sendMail(message);
      },
    } as unknown as Transporter;
    const { issueNotices } = createActivities({ db: database.db, mailer, channels });
    const notice = (unitId: string, name: string): IssueNoticeInput => ({
      key: `channel-bulk/${def.id}/${unitId}`,
      campaignId: def.id,
      unitId,
      kind: 'materialsReminder',
      issuedAt: '2035-01-08T01:00:00.000Z',
      recipients: { to: ['leadUnit.contact'], cc: [] },
      document: { title: `关于督促${name}报送月度材料的催报通知`, addressees: `${name}：`, paragraphs: ['请于本月底前报送材料。'] },
    });
    const inputs = [notice('enforcement', '区综合执法分局'), notice('utilities', '区公用事业局'), notice('service', '北海服务中心')];
    try {
      await expect(issueNotices(inputs)).rejects.toThrow('550 邮箱暂不可用');
      await issueNotices(inputs);
    } finally {
      pooled.close();
    }

    const { rows } = await database.db.query<{ key: string; status: string; attempts: number }>(
      `SELECT c.key, c.status, c.attempts FROM channel_outbox c JOIN notices n ON n.id = c.notice_id WHERE n.campaign_id = $1 ORDER BY c.id`,
      [def.id],
    );
    expect(rows).toEqual(
      Object.entries(mobiles).flatMap(([unit, mobile]) => [
        { key: `channel-bulk/${def.id}/${unit}/sms/${mobile}`, status: 'sent', attempts: 1 },
        { key: `channel-bulk/${def.id}/${unit}/wecom/${unit}`, status: 'sent', attempts: 1 },
      ]),
    );
    const inbox = await listChannelInbox(database.db);
    for (const [unit, mobile] of Object.entries(mobiles)) {
      const sms = inbox.filter((r) => r.target === mobile);
      expect(sms.map((r) => [r.payload.OutId, r.deliveries])).toEqual([[outIdOf(`channel-bulk/${def.id}/${unit}/sms/${mobile}`), 1]]);
      expect(sms[0].body).toContain('材料催报通知（渠道创城');
    }
    expect(inbox.filter((r) => r.channel === 'wecom' && r.body.includes('渠道创城')).map((r) => r.deliveries)).toEqual([1, 1, 1]);
    expect((await mailTo(database.db, 'gy@test.example.org', def)).map((m) => m.deliveries)).toEqual([1]);
  });

  it('sends a 逾期通报 gathered for two tasks of one unit once, naming both, and shows a refusal on both tasks', { timeout: 180_000 }, async () => {
    const principal = '13722220001';
    const leader = '13722220002';
    // The simulated clock is shared with the tests before: this campaign runs in February.
    const base = testDefinition({
      start: '2035-02-01',
      end: '2035-03-30',
      tasks: ['lanes', 'signs'].map((id) => ({ id, start: '2035-02-01', deadline: '2035-02-07', cooperatingUnits: [] })),
    });
    const def = definitionSchema.parse({
      ...base,
      office: { ...base.office, documentPrefix: '合并创城' },
      leaders: base.leaders.map((l) => (l.id === 'urban' ? { ...l, mobile: leader } : l)),
      units: base.units.map((u) => (u.id === 'enforcement' ? { ...u, principal: { ...u.principal, mobile: principal } } : u)),
      delivery: { sms: ['rungs', 'escalationAlerts'] },
    });
    fakes.refuseMobile(leader, 'isv.BLACK_KEY_CONTROL_LIMIT');

    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, def);
      // Both lapse after Wed Feb 7: one 逾期通报 on Thu Feb 8 lists them.
      await sim.env.sleep(at('2035-02-08T08:00:00Z') - (await sim.env.currentTimeMs()));
      await terminate(def);
    });

    const { rows: letters } = await database.db.query<{ key: string; document_number: string; task_id: string | null }>(
      `SELECT key, document_number, task_id FROM notices WHERE campaign_id = $1 AND kind = 'overdue'`,
      [def.id],
    );
    expect(letters).toHaveLength(1);
    expect(letters[0].task_id).toBeNull();
    const sms = (await listChannelInbox(database.db)).filter((r) => r.target === principal);
    expect(sms.map((r) => [r.payload.OutId, r.deliveries])).toEqual([[outIdOf(`${letters[0].key}/sms/${principal}`), 1]]);
    expect(sms[0].body).toContain(`“整治任务lanes等2项任务”已逾期，逾期通报（${letters[0].document_number}）`);
    for (const task of ['lanes', 'signs']) {
      const failed = (await taskTimeline(database.db, def.id, task)).filter((e) => e.kind === 'channelFailed');
      expect(failed.map((e) => [e.documentNumber, e.text?.includes('isv.BLACK_KEY_CONTROL_LIMIT')])).toEqual([[letters[0].document_number, true]]);
    }
  });
});
