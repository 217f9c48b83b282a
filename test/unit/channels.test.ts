import { describe, expect, it } from 'vitest';
import { channelsFor, dingtalkWebhookProblem, robotBaseProblem, wecomWebhookProblem } from '../../domain/channels.js';
import { parseDefinition } from '../../domain/definition-yaml.js';
import { definitionProblems } from '../support/definitions.js';
import { planChannelMessages } from '../../services/channels/delivery.js';
import { aliyunSignature, classifyAliyunSmsCode } from '../../services/channels/sms.js';
import { newShortCode, SHORT_CODE_PATTERN } from '../../services/short-links.js';
import { robotText, SMS_MAX_CHARS, SMS_MAX_PARAM_CHARS, smsLength, smsSegments, smsText, type ChannelNotice } from '../../services/channels/texts.js';
import { ConfigError, loadChannelConfig } from '../../worker/config.js';

const WECOM = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7f1e-4bc4-97a0-0ec2a1fa5aaa';
const DINGTALK = 'https://oapi.dingtalk.com/robot/send?access_token=6d4e0b3f9a7c4e1d8b2a5c3e7f9a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a';
const SECRET = 'SEC6d4e0b3f9a7c4e1d8b2a5c3e7f9a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a';

function definition(extra: { unit?: string; leader?: string; delivery?: string } = {}): string {
  return `id: channels-test
title: 测试园区创建文明城市实施方案
office: { name: 测试园区创城办, documentPrefix: 测试创城, email: office@test.example.org }
start: 2027-03-01
end: 2027-12-31
leaders:
  - { id: chief, role: groupLeader, name: 王组长, email: chief@test.example.org${extra.leader ?? ''} }
units:
  - id: enforcement
    name: 区综合执法分局
    principal: { name: 刘局长, email: zf-head@test.example.org }
    contact: { name: 陈联络员, email: zf@test.example.org, mobile: "+86 138-1234-5678" }
${extra.unit ?? ''}
tasks: []
${extra.delivery ?? ''}
`;
}

const problemsOf = definitionProblems;

describe('channels in the definition', () => {
  it('keeps robots, mobiles and the delivery, mobiles as 11 digits', () => {
    const def = parseDefinition(
      definition({
        unit: `    robots:\n      wecom: ${WECOM}\n      dingtalk: { webhook: "${DINGTALK}", secret: ${SECRET} }`,
        leader: ', mobile: "13900001111"',
        delivery: 'delivery:\n  sms: [assignment, rungs, escalationAlerts]\n  wecom: [reminders]\n  dingtalk: [overdue]',
      }),
    );
    expect(def.units[0].contact.mobile).toBe('13812345678');
    expect(def.leaders[0].mobile).toBe('13900001111');
    expect(def.units[0].robots).toEqual({ wecom: WECOM, dingtalk: { webhook: DINGTALK, secret: SECRET } });
    expect(channelsFor(def.delivery, 'assignment', 'unit')).toEqual(['sms']);
    expect(channelsFor(def.delivery, 'reminder', 'unit')).toEqual(['wecom']);
    expect(channelsFor(def.delivery, 'overdue', 'unit')).toEqual(['sms', 'dingtalk']);
    // Leaders get the rungs by SMS as escalation alerts; the unit's robot list does not reach them by `rungs`.
    expect(channelsFor(def.delivery, 'interview', 'leader')).toEqual(['sms']);
    expect(channelsFor(def.delivery, 'monthlyBulletin', 'unit')).toEqual([]);
    expect(channelsFor(undefined, 'assignment', 'unit')).toEqual([]);
  });

  it('names the field and says what is wrong with a webhook, a secret, a mobile or a delivery entry', () => {
    const problems = problemsOf(
      definition({
        unit: `    robots:\n      wecom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc\n      dingtalk: { webhook: "http://oapi.dingtalk.com/robot/send?access_token=x1", secret: abc }`,
        leader: ', mobile: "0417-1234567"',
        delivery: 'delivery:\n  sms: [assignment, weekly]',
      }),
    );
    const byField = Object.fromEntries(problems.map((p) => [p.field, p.message]));
    expect(byField['units[0].robots.wecom']).toMatch(/企业微信机器人 Webhook 应只带参数 key=<机器人密钥，UUID 格式>/);
    expect(byField['units[0].robots.dingtalk.webhook']).toMatch(/应以 https:\/\/ 开头/);
    expect(byField['units[0].robots.dingtalk.secret']).toMatch(/应以 SEC 开头/);
    expect(byField['leaders[0].mobile']).toMatch(/手机号码无效：0417-1234567/);
    expect(byField['delivery.sms[1]']).toMatch(/未知的通知类别：weekly/);
    expect(problems.find((p) => p.field === 'units[0].robots.wecom')?.line).toBe(14);
  });

  it('refuses a channel nobody can receive', () => {
    const problems = problemsOf(definition({ delivery: 'delivery:\n  dingtalk: [reminders]' }));
    expect(problems).toEqual([expect.objectContaining({ field: 'delivery.dingtalk', message: expect.stringContaining('没有任何人填写了单位的 robots.dingtalk') })]);
  });

  it('checks webhooks by shape, and their host against the configured bases', () => {
    expect(wecomWebhookProblem(WECOM)).toBeUndefined();
    expect(wecomWebhookProblem('https://zwwx.example.gov.cn/cgi-bin/webhook/send?key=693a91f6-7f1e-4bc4-97a0-0ec2a1fa5aaa')).toBeUndefined();
    expect(wecomWebhookProblem('http://127.0.0.1:2526/cgi-bin/webhook/send?key=693a91f6-7f1e-4bc4-97a0-0ec2a1fa5aaa')).toBeUndefined();
    expect(wecomWebhookProblem('https://qyapi.weixin.qq.com/cgi-bin/webhook/sendx?key=693a91f6-7f1e-4bc4-97a0-0ec2a1fa5aaa')).toMatch(/路径应为 \/cgi-bin\/webhook\/send/);
    expect(dingtalkWebhookProblem(DINGTALK)).toBeUndefined();
    expect(dingtalkWebhookProblem(`${DINGTALK}&timestamp=1`)).toMatch(/签名由系统发送时添加/);
    expect(robotBaseProblem('wecom', WECOM, ['https://qyapi.weixin.qq.com'])).toBeUndefined();
    expect(robotBaseProblem('wecom', 'https://zwwx.example.gov.cn/cgi-bin/webhook/send?key=x', ['https://qyapi.weixin.qq.com'])).toMatch(
      /企业微信群机器人的地址 https:\/\/zwwx.example.gov.cn 不在已配置的服务地址/,
    );
  });
});

describe('Aliyun SMS', () => {
  it('signs the documentation’s example request as published', () => {
    const params = {
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'XML',
      OutId: '123',
      PhoneNumbers: '15300000001',
      RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
      Timestamp: '2017-07-12T02:42:19Z',
      Version: '2017-05-25',
    };
    expect(aliyunSignature('GET', params, 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('tells codes worth another try from refusals', () => {
    for (const code of ['isv.BUSINESS_LIMIT_CONTROL', 'isp.SYSTEM_ERROR', 'Throttling.User', 'isp.SOMETHING_NEW']) expect(classifyAliyunSmsCode(code), code).toBe('transient');
    for (const code of ['isv.MOBILE_NUMBER_ILLEGAL', 'isv.BLACK_KEY_CONTROL_LIMIT', 'isv.SMS_TEMPLATE_ILLEGAL', 'SignatureDoesNotMatch', 'InvalidAccessKeyId.NotFound', 'isv.SOMETHING_NEW']) {
      expect(classifyAliyunSmsCode(code), code).toBe('permanent');
    }
    expect(classifyAliyunSmsCode('OK')).toBe('ok');
  });
});

describe('channel texts', () => {
  const link = 'https://chuangwen.beihai.gov.cn/u/abc123';
  const notice: ChannelNotice = {
    kind: 'assignment',
    number: '北海创城交办〔2027〕3号',
    title: '关于交办“背街小巷环境整治”任务的通知',
    officeName: '北海园区创建文明城市工作领导小组办公室',
    unitName: '区综合执法分局',
    tasks: [{ title: '背街小巷环境整治', deadline: '2027-04-30' }],
    link,
  };

  it('writes an SMS with the number, task, deadline and link in one template', () => {
    const sms = smsText(notice, { audience: 'unit', signName: '北海创城办' });
    expect(sms.template).toBe('assignment');
    expect(sms.text).toBe(`【北海创城办】区综合执法分局：交办通知（北海创城交办〔2027〕3号）“背街小巷环境整治”，完成时限2027年4月30日，请及时签收办理：${link}`);
    expect(smsSegments(sms.text)).toBe(2);
  });

  it('keeps long texts within the cap: the title shortened first, then the link gives way', () => {
    const long = {
      ...notice,
      kind: 'overdue' as const,
      unitName: '北海经济技术开发区城市管理和综合行政执法局第三执法大队',
      tasks: [{ title: '城区主次干道、背街小巷、农贸市场、城乡结合部环境卫生和秩序综合整治提升专项行动', deadline: '2027-04-30' }, { title: '夜市', deadline: '2027-05-10' }],
    };
    const sms = smsText(long, { audience: 'unit', signName: '北海创城办' });
    expect(sms.template).toBe('rungs');
    expect(smsLength(sms.text)).toBeLessThanOrEqual(SMS_MAX_CHARS);
    expect(sms.text).toContain('等2项任务');
    expect(sms.text).toContain(link);
    for (const [name, value] of Object.entries(sms.params)) if (name !== 'link') expect(smsLength(value), name).toBeLessThanOrEqual(SMS_MAX_PARAM_CHARS);

    const withLongLink = smsText({ ...long, link: `https://chuangwen.beihai.gov.cn/u/${'x'.repeat(160)}` }, { audience: 'unit', signName: '北海创城办' });
    expect(smsLength(withLongLink.text)).toBeLessThanOrEqual(SMS_MAX_CHARS);
    expect(withLongLink.text).toMatch(/请抓紧整改：见邮件$/);
    // A short link fits where the signed one gave way.
    const short = 'https://chuangwen.beihai.gov.cn/l/4kT9xQ2bZr';
    const withShortLink = smsText({ ...long, link: `https://chuangwen.beihai.gov.cn/u/${'x'.repeat(160)}`, shortLink: short }, { audience: 'unit', signName: '北海创城办' });
    expect(withShortLink.text.endsWith(`请抓紧整改：${short}`)).toBe(true);
    expect(smsLength(withShortLink.text)).toBeLessThanOrEqual(SMS_MAX_CHARS);
    const leader = smsText({ ...long, shortLink: short }, { audience: 'leader', signName: '北海创城办' });
    expect(leader.template).toBe('escalationAlerts');
    expect(leader.text).not.toContain('http');
  });

  it('writes robot markdown listing the tasks, within the robots’ limits', () => {
    const many = { ...notice, kind: 'reminder' as const, tasks: Array.from({ length: 300 }, (_, i) => ({ title: `第${i + 1}项整治任务：背街小巷环境卫生`, deadline: '2027-04-30' })) };
    const text = robotText(many);
    expect(text.markdown).toMatch(/^### 催办通知 北海创城交办〔2027〕3号\n\*\*关于交办“背街小巷环境整治”任务的通知\*\*\n> 主送：区综合执法分局\n- 第1项整治任务：背街小巷环境卫生，时限 2027年4月30日/);
    expect(text.markdown).toMatch(/……等 300 项任务，详见邮件/);
    expect(text.markdown).toContain(`[打开链接办理](${link})`);
    expect(Buffer.byteLength(text.markdown)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(text.text)).toBeLessThanOrEqual(2048);
  });
});

describe('channel configuration', () => {
  it('needs the whole SMS account once any part is set, and says what is malformed', () => {
    let error: unknown;
    try {
      loadChannelConfig({ ALIYUN_SMS_ACCESS_KEY_ID: 'id', ALIYUN_SMS_TEMPLATES: 'assignment=SMS_12', WECOM_WEBHOOK_BASES: 'https://zwwx.example.gov.cn/path' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.message]));
    expect(problems.ALIYUN_SMS_TEMPLATES).toMatch(/assignment 的模板编号“SMS_12”无效/);
    expect(problems.WECOM_WEBHOOK_BASES).toMatch(/不是服务地址/);
    expect(problems.ALIYUN_SMS_ACCESS_KEY_SECRET).toMatch(/必须同时设置/);
    expect(problems.ALIYUN_SMS_SIGN_NAME).toMatch(/必须同时设置/);
  });

  it('reads a complete configuration', () => {
    const config = loadChannelConfig({
      ALIYUN_SMS_ACCESS_KEY_ID: 'id',
      ALIYUN_SMS_ACCESS_KEY_SECRET: 'secret',
      ALIYUN_SMS_SIGN_NAME: '北海创城办',
      ALIYUN_SMS_TEMPLATES: 'assignment=SMS_123456789, rungs=SMS_123456790',
      WECOM_WEBHOOK_BASES: 'https://qyapi.weixin.qq.com, https://zwwx.example.gov.cn/',
    });
    expect(config.sms?.templateCodes).toEqual({ assignment: 'SMS_123456789', rungs: 'SMS_123456790' });
    expect(config.robotBases).toEqual({ wecom: ['https://qyapi.weixin.qq.com', 'https://zwwx.example.gov.cn'], dingtalk: ['https://oapi.dingtalk.com'] });
    expect(config.robotMessagesPerMinute).toBe(20);
    expect(loadChannelConfig({}).sms).toBeUndefined();
  });
});

describe('the channel messages a notice owes', () => {
  const delivery = { sms: ['assignment', 'rungs', 'escalationAlerts'], wecom: ['reminders', 'rungs'], dingtalk: [] };
  const units = [
    { id: 'enforcement', name: '区综合执法分局', mobiles: ['13812345678', '13900001111'], mention: '13812345678', robots: { wecom: WECOM }, link: 'https://c.example/u/lead' },
    // A cooperating unit sharing the lead unit's principal and group: each reached once.
    { id: 'utilities', name: '区公用事业局', mobiles: ['13900001111'], robots: { wecom: WECOM }, link: 'https://c.example/u/coop' },
  ];
  const leaders = [{ id: 'chief', mobile: '13700002222' }, { id: 'deputy' }];
  const base = { number: '北海创城通报〔2027〕1号', title: '关于逾期未完成的通报', officeName: '北海创城办', tasks: [{ title: '背街小巷环境整治', deadline: '2027-04-30' }] };

  it('keys each message from the notice’s key, one per mobile and per robot', () => {
    const planned = planChannelMessages({ noticeKey: 'c/task/overdue/1', notice: { ...base, kind: 'overdue' }, delivery, units, leaders, signName: '北海创城办' });
    expect(planned.map((m) => m.key)).toEqual(['c/task/overdue/1/sms/13812345678', 'c/task/overdue/1/sms/13900001111', 'c/task/overdue/1/wecom/enforcement', 'c/task/overdue/1/sms/13700002222']);
    const leaderSms = planned.find((m) => m.key.endsWith('13700002222'));
    expect(leaderSms).toMatchObject({ audience: 'leader', sms: { template: 'escalationAlerts' } });
    expect(planned.find((m) => m.channel === 'wecom')).toMatchObject({ mentions: ['13812345678'], text: { markdown: expect.stringContaining('https://c.example/u/lead') } });
  });

  it('puts a unit’s short link in its SMS and keeps the full link for its robots', () => {
    const short = [{ ...units[0], shortLink: 'https://c.example/l/AbCdEfGh12' }];
    const planned = planChannelMessages({ noticeKey: 'k', notice: { ...base, kind: 'overdue' }, delivery, units: short, leaders: [], signName: '北海创城办' });
    const sms = planned.filter((m) => m.channel === 'sms');
    expect(sms.map((m) => m.sms.params.link)).toEqual(['https://c.example/l/AbCdEfGh12', 'https://c.example/l/AbCdEfGh12']);
    const robot = planned.find((m) => m.channel === 'wecom');
    expect(robot?.channel === 'wecom' && robot.text.markdown).toContain('https://c.example/u/lead');
    expect(robot?.channel === 'wecom' && robot.text.markdown).not.toContain('/l/');
  });

  it('makes short codes of 10 base62 characters, each new', () => {
    const codes = Array.from({ length: 500 }, newShortCode);
    for (const code of codes) expect(code).toMatch(SHORT_CODE_PATTERN);
    expect(new Set(codes).size).toBe(codes.length);
    // Every character of the alphabet turns up: no part of it is left out by the sampling.
    expect(new Set(codes.join('')).size).toBe(62);
  });

  it('sends nothing besides e-mail for a kind the campaign did not route', () => {
    expect(planChannelMessages({ noticeKey: 'k', notice: { ...base, kind: 'monthlyBulletin' }, delivery, units, leaders, signName: '北海创城办' })).toEqual([]);
    expect(planChannelMessages({ noticeKey: 'k', notice: { ...base, kind: 'assignment' }, delivery: undefined, units, leaders, signName: '北海创城办' })).toEqual([]);
  });
});
