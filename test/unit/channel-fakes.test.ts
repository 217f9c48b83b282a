// Each sender against the embedded stack's channel fake, over loopback, with a real database.
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleServer } from '../../client/server.js';
import { hashPassword } from '../../client/web/auth.js';
import { insertUser } from '../../db/users.js';
import { listChannelInbox } from '../../db/channels.js';
import { createChannelDelivery, planChannelMessages } from '../../services/channels/delivery.js';
import { createRobotRateLimiter } from '../../services/channels/rate-limiter.js';
import { createRobotSenders, type RobotMessage } from '../../services/channels/robots.js';
import { createAliyunSmsProvider, type SmsMessage } from '../../services/channels/sms.js';
import { robotText, smsText, type ChannelNotice } from '../../services/channels/texts.js';
import { channelFakesEnv, FAKE_SMS_TEMPLATE_CODES, startChannelFakes, type ChannelFakes } from '../../stack/channel-fakes.js';
import { loadChannelConfig } from '../../worker/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const SMS_ACCOUNT = { accessKeyId: 'LTAI-test-id', accessKeySecret: 'test-secret-of-the-fake' };
const DINGTALK_SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';

const notice: ChannelNotice = {
  kind: 'assignment',
  number: '测试创城交办〔2027〕1号',
  title: '关于交办“背街小巷环境整治”任务的通知',
  officeName: '测试园区创城办',
  unitName: '区综合执法分局',
  tasks: [{ title: '背街小巷环境整治', deadline: '2027-04-30' }],
  link: 'http://localhost:3000/u/abc',
};

let database: TestDatabase;
let fakes: ChannelFakes;

beforeAll(async () => {
  database = await createTestDatabase();
  fakes = await startChannelFakes(database.db, { sms: SMS_ACCOUNT });
});
afterAll(async () => {
  await fakes?.stop();
  await database?.drop();
});

function sms(key: string, mobiles: string[]): SmsMessage {
  const text = smsText(notice, { audience: 'unit', signName: '测试创城办' });
  return { key, mobiles, template: text.template, params: text.params, text: text.text };
}

const provider = (secret = SMS_ACCOUNT.accessKeySecret) =>
  createAliyunSmsProvider({ ...SMS_ACCOUNT, accessKeySecret: secret, signName: '测试创城办', templateCodes: FAKE_SMS_TEMPLATE_CODES, endpoint: fakes.smsEndpoint });

const robotMessage = (key: string, mentions: string[] = []): RobotMessage => ({ key, text: robotText(notice), mentions });
const senders = () => createRobotSenders({ bases: { wecom: [fakes.url], dingtalk: [fakes.url] } });

describe('SMS through the Aliyun provider', () => {
  it('delivers a signed request; the fake keeps the text as the phone shows it, and a redelivery counts once more', async () => {
    const message = sms('notice/1/sms/13812345678', ['13812345678']);
    expect(await provider().send(message)).toEqual({ status: 'sent', providerId: expect.any(String) });
    await provider().send(message);
    const [row] = await listChannelInbox(database.db, { channel: 'sms' });
    expect(row).toMatchObject({ target: '13812345678', body: message.text, deliveries: 2, title: FAKE_SMS_TEMPLATE_CODES.assignment });
    expect(row.body).toBe('【测试创城办】区综合执法分局：交办通知（测试创城交办〔2027〕1号）“背街小巷环境整治”，完成时限2027年4月30日，请及时签收办理：http://localhost:3000/u/abc');
    expect(row.payload).toMatchObject({ OutId: 'notice/1/sms/13812345678', PhoneNumbers: '13812345678' });
  });

  it('answers flow control as transient, then sends', async () => {
    fakes.rateLimit('sms', 1);
    const message = sms('notice/2/sms', ['13900002222']);
    expect(await provider().send(message)).toMatchObject({ status: 'failed', transient: true, code: 'isv.BUSINESS_LIMIT_CONTROL' });
    expect(await provider().send(message)).toMatchObject({ status: 'sent' });
    expect((await listChannelInbox(database.db, { channel: 'sms' })).filter((r) => r.target === '13900002222')).toEqual([expect.objectContaining({ deliveries: 1 })]);
  });

  it('answers a refused number as permanent, and keeps nothing', async () => {
    fakes.refuseMobile('13700003333');
    const outcome = await provider().send(sms('notice/3/sms', ['13700003333']));
    expect(outcome).toEqual({ status: 'failed', transient: false, code: 'isv.MOBILE_NUMBER_ILLEGAL', message: '短信被拒收：手机号码格式错误或不存在（isv.MOBILE_NUMBER_ILLEGAL）' });
    expect((await listChannelInbox(database.db, { channel: 'sms' })).some((r) => r.target === '13700003333')).toBe(false);
  });

  it('is refused for good when signed with the wrong secret', async () => {
    expect(await provider('another-secret').send(sms('notice/4/sms', ['13600004444']))).toMatchObject({ status: 'failed', transient: false, code: 'SignatureDoesNotMatch' });
  });

  it('counts an unreachable provider as transient', async () => {
    const closed = await startChannelFakes(database.db, { sms: SMS_ACCOUNT });
    await closed.stop();
    const away = createAliyunSmsProvider({ ...SMS_ACCOUNT, signName: '测试创城办', templateCodes: FAKE_SMS_TEMPLATE_CODES, endpoint: closed.smsEndpoint });
    expect(await away.send(sms('notice/5/sms', ['13500005555']))).toMatchObject({ status: 'failed', transient: true, code: 'NETWORK' });
  });
});

describe('企业微信 group robot', () => {
  it('posts markdown, and text with the mentioned mobiles', async () => {
    const webhook = fakes.wecomWebhook();
    expect(await senders().wecom(webhook, robotMessage('n/6/wecom'))).toEqual({ status: 'sent' });
    expect(await senders().wecom(webhook, robotMessage('n/7/wecom', ['13812345678']))).toEqual({ status: 'sent' });
    const rows = (await listChannelInbox(database.db, { channel: 'wecom' })).slice(-2);
    expect(rows[0]).toMatchObject({ mentions: [], body: robotText(notice).markdown, payload: { msgtype: 'markdown' } });
    expect(rows[1]).toMatchObject({ mentions: ['13812345678'], body: robotText(notice).text, payload: { msgtype: 'text' } });
  });

  it('is told "too often" twice, then accepts the message once', async () => {
    const webhook = fakes.wecomWebhook();
    fakes.rateLimit('wecom', 2);
    const send = () => senders().wecom(webhook, robotMessage('n/8/wecom'));
    expect(await send()).toMatchObject({ status: 'failed', transient: true, code: '45009' });
    expect(await send()).toMatchObject({ status: 'failed', transient: true, code: '45009' });
    expect(await send()).toEqual({ status: 'sent' });
    const mine = (await listChannelInbox(database.db, { channel: 'wecom' })).filter((r) => webhook.includes(r.target.replace('…', '')));
    expect(mine).toEqual([expect.objectContaining({ deliveries: 1 })]);
  });

  it('answers a deleted robot as permanent, and a host outside the configuration without posting', async () => {
    const key = '0b6a7c1e-1111-4222-8333-944455556666';
    fakes.refuseRobot(key);
    expect(await senders().wecom(fakes.wecomWebhook(key), robotMessage('n/9/wecom'))).toMatchObject({ status: 'failed', transient: false, code: '93000' });
    const publicOnly = createRobotSenders();
    expect(await publicOnly.wecom(fakes.wecomWebhook(), robotMessage('n/10/wecom'))).toMatchObject({ status: 'failed', transient: false, code: 'HOST_NOT_ALLOWED' });
  });
});

describe('钉钉 group robot', () => {
  it('signs its request; the fake checks the signature and keeps the mentions', async () => {
    const robot = { webhook: fakes.dingtalkWebhook('a1b2c3d4e5f6a7b8c9d0', DINGTALK_SECRET), secret: DINGTALK_SECRET };
    expect(await senders().dingtalk(robot, robotMessage('n/11/dingtalk', ['13812345678']))).toEqual({ status: 'sent' });
    const [row] = await listChannelInbox(database.db, { channel: 'dingtalk' });
    expect(row).toMatchObject({ mentions: ['13812345678'], title: '交办通知 测试创城交办〔2027〕1号' });
    expect(row.body).toMatch(/\n\n@13812345678$/);
  });

  it('is refused for good with the wrong secret', async () => {
    const webhook = fakes.dingtalkWebhook('f0e1d2c3b4a596877869', DINGTALK_SECRET);
    const wrong = { webhook, secret: `SEC${'0'.repeat(64)}` };
    expect(await senders().dingtalk(wrong, robotMessage('n/12/dingtalk'))).toMatchObject({ status: 'failed', transient: false, code: '310000' });
  });

  it('is told "too fast", then accepts', async () => {
    const robot = { webhook: fakes.dingtalkWebhook('0a1b2c3d4e5f60718293', DINGTALK_SECRET), secret: DINGTALK_SECRET };
    fakes.rateLimit('dingtalk', 1);
    expect(await senders().dingtalk(robot, robotMessage('n/13/dingtalk'))).toMatchObject({ status: 'failed', transient: true, code: '130101' });
    expect(await senders().dingtalk(robot, robotMessage('n/13/dingtalk'))).toEqual({ status: 'sent' });
  });
});

describe('the robots’ rate limit, shared through PostgreSQL', () => {
  it('lets two workers together send no more than the limit to one robot, and others freely', async () => {
    const [first, second] = [createRobotRateLimiter(database.db, { perMinute: 3 }), createRobotRateLimiter(database.db, { perMinute: 3 })];
    const robot = fakes.wecomWebhook();
    const answers = await Promise.all([first, second, first, second].map((limiter) => limiter.acquire(robot, { maxWaitMs: 0 })));
    expect(answers.filter((a) => a.granted)).toHaveLength(3);
    const refused = answers.find((a) => !a.granted);
    expect(refused).toMatchObject({ granted: false, retryAfterMs: expect.any(Number) });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await first.acquire(fakes.wecomWebhook(), { maxWaitMs: 0 })).toEqual({ granted: true });
  });

  it('queues a message until its robot’s window has room', async () => {
    const limiter = createRobotRateLimiter(database.db, { perMinute: 1, windowMs: 300 });
    const robot = fakes.wecomWebhook();
    expect(await limiter.acquire(robot, { maxWaitMs: 0 })).toEqual({ granted: true });
    expect(await limiter.acquire(robot, { maxWaitMs: 10_000 })).toEqual({ granted: true });
  });

  it('makes a sender wait for its slot, and give the message back as transient when it would wait too long', async () => {
    const limiter = createRobotRateLimiter(database.db, { perMinute: 1 });
    const limited = createRobotSenders({ limiter, bases: { wecom: [fakes.url] }, maxWaitMs: 0 });
    const webhook = fakes.wecomWebhook();
    expect(await limited.wecom(webhook, robotMessage('n/14/wecom'))).toEqual({ status: 'sent' });
    expect(await limited.wecom(webhook, robotMessage('n/15/wecom'))).toMatchObject({ status: 'failed', transient: true, code: 'RATE_LIMIT_QUEUED' });
  });
});

describe('the console’s mailbox', () => {
  it('shows the SMS and robot messages the fake received beside the mail', async () => {
    await provider().send(sms('notice/16/sms', ['13312345678']));
    // The mailbox page reads the database only; the Temporal client is never dialled.
    const app = createConsoleServer({
      db: database.db,
      temporal: new Client(),
      publicUrl: 'http://127.0.0.1:3000',
      linkSecret: 'test-link-secret-0123456789abcdef',
      sessionSecret: 'test-session-secret-0123456789abcdef-0123456789',
      mailboxEnabled: true,
      logger: { level: 'error' },
    });
    try {
      await insertUser(database.db, { name: 'zhaoming', role: 'admin', displayName: '赵明', passwordHash: await hashPassword('correct horse battery') });
      const login = await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'zhaoming', password: 'correct horse battery' } });
      expect(login.statusCode, login.body).toBe(200);
      const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const page = await app.inject({ method: 'GET', url: '/mailbox', headers: { cookie } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('短信与群机器人');
      expect(page.body).toContain('13312345678');
      expect(page.body).toContain('【测试创城办】区综合执法分局：交办通知（测试创城交办〔2027〕1号）');
      expect(page.body).toMatch(/<td data-label="渠道">企业微信<\/td>/);
      expect(page.body).toMatch(/<td data-label="渠道">钉钉<\/td>/);
      expect(page.body).toContain('（重复投递 2 次）');
    } finally {
      await app.close();
    }
  });
});

describe('a notice on every channel, as the embedded stack configures them', () => {
  it('delivers an assignment and a rung once on each channel, through "too often", and shows a refused number', async () => {
    const delivery = createChannelDelivery(database.db, loadChannelConfig(channelFakesEnv(fakes, SMS_ACCOUNT)));
    const webhook = fakes.wecomWebhook();
    const unit = { id: 'enforcement', name: '区综合执法分局', mobiles: ['13811112222', '13622223333'], mention: '13811112222', robots: { wecom: webhook }, link: 'http://localhost:3000/u/lead' };
    fakes.refuseMobile('13622223333', 'isv.BLACK_KEY_CONTROL_LIMIT');
    const plan = (kind: 'assignment' | 'overdue', key: string) =>
      planChannelMessages({ noticeKey: key, notice: { ...notice, kind }, delivery: { sms: ['assignment', 'rungs'], wecom: ['assignment', 'rungs'], dingtalk: [] }, units: [unit], leaders: [], signName: '创城模拟' });
    const messages = [...plan('assignment', 'c1/t1/assignment'), ...plan('overdue', 'c1/t1/overdue/1')];
    fakes.rateLimit('wecom', 1);

    // What the outbox does: a message acknowledged is done; a transient failure is tried again; a permanent one is kept.
    const done = new Map<string, string>();
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const message of messages.filter((m) => !done.has(m.key))) {
        const outcome = await delivery.deliver(message);
        if (outcome.status === 'sent') done.set(message.key, 'sent');
        else if (!outcome.transient) done.set(message.key, outcome.code);
      }
    }
    expect(Object.fromEntries(done)).toEqual({
      'c1/t1/assignment/sms/13811112222': 'sent',
      'c1/t1/assignment/sms/13622223333': 'isv.BLACK_KEY_CONTROL_LIMIT',
      'c1/t1/assignment/wecom/enforcement': 'sent',
      'c1/t1/overdue/1/sms/13811112222': 'sent',
      'c1/t1/overdue/1/sms/13622223333': 'isv.BLACK_KEY_CONTROL_LIMIT',
      'c1/t1/overdue/1/wecom/enforcement': 'sent',
    });
    const inbox = await listChannelInbox(database.db);
    const sms = inbox.filter((r) => r.target === '13811112222');
    expect(sms.map((r) => [r.payload.OutId, r.deliveries])).toEqual([['c1/t1/assignment/sms/13811112222', 1], ['c1/t1/overdue/1/sms/13811112222', 1]]);
    expect(sms[1].body).toMatch(/^【创城模拟】区综合执法分局：“背街小巷环境整治”已逾期，逾期通报（测试创城交办〔2027〕1号）/);
    const robot = inbox.filter((r) => r.channel === 'wecom' && webhook.includes(r.target.replace('…', '')));
    expect(robot.map((r) => [r.mentions, r.deliveries])).toEqual([[['13811112222'], 1], [['13811112222'], 1]]);
    expect(inbox.some((r) => r.target === '13622223333')).toBe(false);
  });
});
