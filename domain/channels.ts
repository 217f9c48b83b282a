// Channels besides e-mail: 企业微信 and 钉钉 group robots (per unit) and SMS (per person's mobile),
// and which notices go by them (definition `delivery:`). Pure code: schemas, checks and look-ups
// shared by the definition, the worker's configuration and the senders.
import { z } from 'zod';
import { normaliseMobile } from './directory.js';
import { RUNG_INFO } from './ladder.js';
import { NOTICE_KINDS, type NoticeKind } from './notices.js';

export const CHANNELS = ['sms', 'wecom', 'dingtalk'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CHANNEL_NAMES: Record<Channel, string> = { sms: '短信', wecom: '企业微信群机器人', dingtalk: '钉钉群机器人' };

/** Where the public robot services live; the government edition (政务微信) or a local fake is configured instead. */
export const DEFAULT_ROBOT_BASES: Record<Exclude<Channel, 'sms'>, string> = {
  wecom: 'https://qyapi.weixin.qq.com',
  dingtalk: 'https://oapi.dingtalk.com',
};
export const WECOM_ROBOT_PATH = '/cgi-bin/webhook/send';
export const DINGTALK_ROBOT_PATH = '/robot/send';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACCESS_TOKEN = /^[0-9A-Za-z]{16,128}$/;
const DINGTALK_SECRET = /^SEC[0-9A-Za-z]{16,128}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * The webhook as a URL, or why it cannot be a robot's at `path`. The host is not fixed here: the
 * government edition runs on its own hosts (checked against the configuration by robotBaseProblem);
 * plain http only on loopback, where the embedded stack's fake listens.
 */
function parseWebhook(value: string, path: string, example: string): URL | string {
  const url = parseUrl(value.trim());
  if (!url) return `不是有效的网址：${value}（应如 ${example}）`;
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return `应以 https:// 开头：${value}（应如 ${example}）`;
  if (url.username || url.password || url.hash) return `网址中不能有用户名、密码或 # 片段：${value}`;
  if (url.pathname !== path) return `路径应为 ${path}：${value}（应如 ${example}）`;
  return url;
}

const WECOM_EXAMPLE = `${DEFAULT_ROBOT_BASES.wecom}${WECOM_ROBOT_PATH}?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa`;
const DINGTALK_EXAMPLE = `${DEFAULT_ROBOT_BASES.dingtalk}${DINGTALK_ROBOT_PATH}?access_token=…（群机器人设置中复制的 Webhook）`;

/** Why a 企业微信 group robot's webhook is malformed, or undefined. */
export function wecomWebhookProblem(value: string): string | undefined {
  const url = parseWebhook(value, WECOM_ROBOT_PATH, WECOM_EXAMPLE);
  if (typeof url === 'string') return `企业微信机器人 Webhook ${url}`;
  const key = url.searchParams.get('key') ?? '';
  if (!UUID.test(key) || [...url.searchParams.keys()].length !== 1) return `企业微信机器人 Webhook 应只带参数 key=<机器人密钥，UUID 格式>：${value}`;
  return undefined;
}

/** Why a 钉钉 custom robot's webhook is malformed, or undefined. */
export function dingtalkWebhookProblem(value: string): string | undefined {
  const url = parseWebhook(value, DINGTALK_ROBOT_PATH, DINGTALK_EXAMPLE);
  if (typeof url === 'string') return `钉钉机器人 Webhook ${url}`;
  const token = url.searchParams.get('access_token') ?? '';
  if (!ACCESS_TOKEN.test(token) || [...url.searchParams.keys()].length !== 1) {
    return `钉钉机器人 Webhook 应只带参数 access_token=<字母数字>（签名由系统发送时添加）：${value}`;
  }
  return undefined;
}

/** Why a webhook is not under the configured base of its channel (e.g. a 政务微信 deployment), or undefined. */
export function robotBaseProblem(channel: 'wecom' | 'dingtalk', webhook: string, bases: readonly string[]): string | undefined {
  const url = parseUrl(webhook);
  const origin = url?.origin;
  if (origin && bases.some((base) => parseUrl(base)?.origin === origin)) return undefined;
  return `${CHANNEL_NAMES[channel]}的地址 ${origin ?? webhook} 不在已配置的服务地址（${bases.join('、')}）之内`;
}

// ---------------------------------------------------------------------------------- schemas

/** A mobile number for SMS and robot mentions, kept as 11 digits (+86, spaces and dashes dropped). */
export const mobileSchema = z.string().transform((value, ctx) => {
  const result = normaliseMobile(value);
  if ('problem' in result) {
    ctx.addIssue({ code: 'custom', message: result.problem });
    return z.NEVER;
  }
  return result.value || undefined;
});

export const wecomWebhookSchema = z.string().trim().superRefine((value, ctx) => {
  const problem = wecomWebhookProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const dingtalkRobotSchema = z.strictObject({
  webhook: z.string().trim().superRefine((value, ctx) => {
    const problem = dingtalkWebhookProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** 加签 secret of the robot's security settings. */
  secret: z.string().trim().regex(DINGTALK_SECRET, '钉钉机器人加签密钥应以 SEC 开头，后接字母数字（机器人安全设置中“加签”一栏）'),
});

/** A unit's group robots (`units[].robots`). */
export const unitRobotsSchema = z.strictObject({
  wecom: wecomWebhookSchema.optional(),
  dingtalk: dingtalkRobotSchema.optional(),
});
export type UnitRobots = z.output<typeof unitRobotsSchema>;

// ---------------------------------------------------------------------------------- delivery

const RUNG_NOTICES = Object.values(RUNG_INFO).map((r) => r.notice);

/**
 * Groups of notice kinds a campaign routes at once. `rungs` reach the units (contact, principal,
 * their robots); `escalationAlerts` are the same rung notices as leaders receive them.
 */
export const DELIVERY_GROUPS = {
  assignment: { name: '交办', kinds: ['assignment', 'reassignment', 'delegation', 'pointDispatch'] },
  rungs: { name: '升级（逾期通报、督办函等）', kinds: RUNG_NOTICES },
  reminders: { name: '催办', kinds: ['reminder', 'acknowledgementReminder', 'materialsReminder', 'patrolReminder'] },
  escalationAlerts: { name: '领导督办提醒', kinds: RUNG_NOTICES },
  digests: {
    name: '通报与调度',
    kinds: ['phaseStart', 'weeklyCheck', 'monthlyBulletin', 'dispatch', 'quarterlyDispatch', 'halfYearSummary', 'yearEndSummary', 'monthlyCheck', 'assessmentResult', 'closingSummary'],
  },
} as const satisfies Record<string, { name: string; kinds: readonly NoticeKind[] }>;
export type DeliveryGroup = keyof typeof DELIVERY_GROUPS;

/** The SMS templates registered with a provider: one per group, and one for the notices of no group. */
export type SmsTemplateName = DeliveryGroup | 'general';
export const SMS_TEMPLATE_NAMES: readonly SmsTemplateName[] = [...(Object.keys(DELIVERY_GROUPS) as DeliveryGroup[]), 'general'];

/** Who a message is for: a unit (its contact, principal and group robots) or a leader. */
export type Audience = 'unit' | 'leader';

/**
 * `delivery:` — per channel, the notice groups or kinds it carries besides e-mail, e.g.
 * `sms: [assignment, rungs, escalationAlerts]`, `wecom: [reminders]`. Absent: e-mail only.
 */
const deliveryEntry = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (value in DELIVERY_GROUPS || value in NOTICE_KINDS) return;
    ctx.addIssue({
      code: 'custom',
      message: `未知的通知类别：${value}（应为 ${Object.keys(DELIVERY_GROUPS).join('、')} 之一，或一种通知，如 assignment、overdue）`,
    });
  });
export const deliverySchema = z.strictObject({
  sms: z.array(deliveryEntry).default([]),
  wecom: z.array(deliveryEntry).default([]),
  dingtalk: z.array(deliveryEntry).default([]),
});
export type Delivery = z.output<typeof deliverySchema>;

/** The channels besides e-mail that carry a notice of `kind` to `audience`. */
export function channelsFor(delivery: Delivery | undefined, kind: NoticeKind, audience: Audience): Channel[] {
  if (!delivery) return [];
  return CHANNELS.filter((channel) =>
    delivery[channel].some((entry) => {
      if (entry === kind) return true;
      if (entry === 'rungs' && audience !== 'unit') return false;
      if (entry === 'escalationAlerts' && audience !== 'leader') return false;
      const group = (DELIVERY_GROUPS as Record<string, { kinds: readonly string[] }>)[entry];
      return group?.kinds.includes(kind) ?? false;
    }),
  );
}

interface ChannelHolders {
  units: { robots?: UnitRobots; contact: { mobile?: string }; principal: { mobile?: string } }[];
  leaders: { mobile?: string }[];
}

/** Channels named in `delivery` that nobody in the definition can receive: a routing that would send nothing. */
export function deliveryProblems(delivery: Delivery | undefined, def: ChannelHolders): { path: (string | number)[]; message: string }[] {
  if (!delivery) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const someone = {
    sms: def.units.some((u) => u.contact.mobile || u.principal.mobile) || def.leaders.some((l) => l.mobile),
    wecom: def.units.some((u) => u.robots?.wecom),
    dingtalk: def.units.some((u) => u.robots?.dingtalk),
  };
  const where = { sms: '单位联系人、主要负责人或领导的 mobile', wecom: '单位的 robots.wecom', dingtalk: '单位的 robots.dingtalk' };
  for (const channel of CHANNELS) {
    if (delivery[channel].length > 0 && !someone[channel]) {
      problems.push({ path: ['delivery', channel], message: `按${CHANNEL_NAMES[channel]}发送，但没有任何人填写了${where[channel]}` });
    }
  }
  return problems;
}
