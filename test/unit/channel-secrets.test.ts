// Robot secrets named instead of written (`env:NAME`): accepted by the definition, checked against
// the environment when a definition is validated or started (unit, field and variable named), read
// at send time, and a secret written out is shown masked.
import { describe, expect, it } from 'vitest';
import { maskedRobots, resolveSecret, withMaskedSecrets } from '../../domain/channels.js';
import { parseDefinition } from '../../domain/definition-yaml.js';
import { definitionProblems } from '../support/definitions.js';
import { createChannelDelivery, type PlannedChannelMessage } from '../../services/channels/delivery.js';
import { sent } from '../../services/channels/outcome.js';
import { maskDefinitionSecrets, unmaskDefinitionSecrets } from '../../services/definition-editor.js';
import type { RobotSenders } from '../../services/channels/robots.js';

const WECOM = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7f1e-4bc4-97a0-0ec2a1fa5aaa';
const DINGTALK = 'https://oapi.dingtalk.com/robot/send?access_token=6d4e0b3f9a7c4e1d8b2a5c3e7f9a1b2c';
const SECRET = 'SEC6d4e0b3f9a7c4e1d8b2a5c3e7f9a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a';

const definition = (robots: string, delivery = '{ wecom: [assignment], dingtalk: [assignment] }') => `id: secrets-test
title: 测试园区创建文明城市实施方案
office: { name: 测试园区创城办, documentPrefix: 测试创城, email: office@test.example.org }
start: 2027-03-01
end: 2027-12-31
leaders:
  - { id: chief, role: groupLeader, name: 王组长, email: chief@test.example.org }
units:
  - id: enforcement
    name: 区综合执法分局
    principal: { name: 刘局长, email: zf-head@test.example.org }
    contact: { name: 陈联络员, email: zf@test.example.org }
    robots:
${robots}
tasks: []
delivery: ${delivery}
`;
const REFERENCES = '      wecom: env:BEIHAI_WECOM_HOOK\n      dingtalk: { webhook: env:DINGTALK_HOOK_X, secret: env:DINGTALK_SEC_X }';

const problemsOf = definitionProblems;

describe('secret references in the definition', () => {
  it('keeps the references as written: nothing secret in the definition', () => {
    const def = parseDefinition(definition(REFERENCES), 'campaign.yaml');
    expect(def.units[0].robots).toEqual({ wecom: 'env:BEIHAI_WECOM_HOOK', dingtalk: { webhook: 'env:DINGTALK_HOOK_X', secret: 'env:DINGTALK_SEC_X' } });
  });

  it('names unit, field and variable of each reference the environment does not set, at its line', () => {
    const problems = problemsOf(definition(REFERENCES), { BEIHAI_WECOM_HOOK: WECOM });
    expect(problems.map((p) => [p.field, p.line])).toEqual([
      ['units[0].robots.dingtalk.webhook', 15],
      ['units[0].robots.dingtalk.secret', 15],
    ]);
    expect(problems[0].message).toBe(
      '单位“区综合执法分局”（enforcement）的 robots.dingtalk.webhook：环境变量 DINGTALK_HOOK_X 未设置（钉钉机器人 Webhook，env:DINGTALK_HOOK_X）；请在控制台和 worker 的环境中设置 DINGTALK_HOOK_X',
    );
    expect(problems[1].message).toContain('环境变量 DINGTALK_SEC_X 未设置');
    expect(problemsOf(definition(REFERENCES), { BEIHAI_WECOM_HOOK: WECOM, DINGTALK_HOOK_X: DINGTALK, DINGTALK_SEC_X: SECRET })).toEqual([]);
  });

  it('refuses a malformed value in the variable without showing it, and a malformed reference', () => {
    const leaked = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=not-a-uuid-but-secret';
    const problems = problemsOf(definition('      wecom: env:BEIHAI_WECOM_HOOK', '{ wecom: [assignment] }'), { BEIHAI_WECOM_HOOK: leaked });
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/环境变量 BEIHAI_WECOM_HOOK 的值无效：企业微信机器人 Webhook 应只带参数 key=/);
    expect(problems[0].message).not.toContain('not-a-uuid-but-secret');
    const bad = problemsOf(definition('      wecom: env:beihai-hook', '{ wecom: [assignment] }'));
    expect(bad.map((p) => [p.field, p.message])).toEqual([['units[0].robots.wecom', expect.stringContaining('环境变量引用无效：env:beihai-hook')]]);
  });
});

describe('secret references at send time', () => {
  it('reads the variables when the message is sent, and fails for good when one is unset', async () => {
    const posted: unknown[] = [];
    const robots: RobotSenders = {
      wecom: async (webhook) => (posted.push(webhook), sent()),
      dingtalk: async (robot) => (posted.push(robot), sent()),
    };
    const text = { title: 't', markdown: 'm', text: 't' };
    const wecom: PlannedChannelMessage = { key: 'k/wecom/u', channel: 'wecom', webhook: 'env:BEIHAI_WECOM_HOOK', unitId: 'u', text, mentions: [] };
    const dingtalk: PlannedChannelMessage = {
      key: 'k/dingtalk/u',
      channel: 'dingtalk',
      robot: { webhook: 'env:DINGTALK_HOOK_X', secret: 'env:DINGTALK_SEC_X' },
      unitId: 'u',
      text,
      mentions: [],
    };
    const config = { robotBases: { wecom: [], dingtalk: [] }, robotMessagesPerMinute: 20 };
    const env: Record<string, string> = { BEIHAI_WECOM_HOOK: WECOM, DINGTALK_HOOK_X: DINGTALK };
    const delivery = createChannelDelivery(undefined as never, config, { robots, env });
    expect(await delivery.deliver(wecom)).toEqual(sent());
    expect(await delivery.deliver(dingtalk)).toMatchObject({ status: 'failed', transient: false, code: 'SECRET_NOT_SET', message: expect.stringContaining('环境变量 DINGTALK_SEC_X 未设置') });
    // Set later (the worker's environment fixed): the next send reads it.
    env.DINGTALK_SEC_X = SECRET;
    expect(await delivery.deliver(dingtalk)).toEqual(sent());
    expect(posted).toEqual([WECOM, { webhook: DINGTALK, secret: SECRET }]);
    expect(resolveSecret('wecom', WECOM, {})).toEqual({ value: WECOM });
  });
});

describe('secrets as the console shows them', () => {
  it('masks a written secret to its last 4 characters and shows a reference as it is', () => {
    expect(maskedRobots({ wecom: WECOM, dingtalk: { webhook: DINGTALK, secret: SECRET } })).toEqual({
      wecom: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****5aaa',
      dingtalk: { webhook: 'https://oapi.dingtalk.com/robot/send?access_token=****1b2c', secret: '****7f8a' },
    });
    const def = withMaskedSecrets(parseDefinition(definition(REFERENCES), 'campaign.yaml'));
    expect(def.units[0].robots?.wecom).toBe('env:BEIHAI_WECOM_HOOK');
  });

  it('masks the YAML the editor shows, and puts back only the secrets left as shown', () => {
    const yaml = definition(`      wecom: ${WECOM}  # 工作群\n      dingtalk: { webhook: "${DINGTALK}", secret: ${SECRET} }`);
    const shown = maskDefinitionSecrets(yaml);
    expect(shown).toContain('wecom: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****5aaa"  # 工作群');
    expect(shown).toContain('secret: "****7f8a" }');
    for (const secret of ['693a91f6', '6d4e0b3f', SECRET]) expect(shown).not.toContain(secret);
    expect(unmaskDefinitionSecrets(shown, yaml)).toBe(yaml);
    // A secret retyped is taken as typed; a mask that is not the secret's stays (and is refused by the checks).
    const retyped = shown.replace('"****7f8a"', 'SECffff0000ffff0000ffff').replace('key=****5aaa', 'key=****0000');
    const saved = unmaskDefinitionSecrets(retyped, yaml);
    expect(saved).toContain('secret: SECffff0000ffff0000ffff');
    expect(saved).toContain('key=****0000');
    expect(definitionProblems(saved).map((p) => p.field)).toEqual(['units[0].robots.wecom']);
  });
});
