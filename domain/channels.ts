// Channels besides e-mail: 企业微信 and 钉钉 group robots (per unit) and SMS (per person's mobile),
// and which notices go by them (definition `delivery:`). Pure code: schemas, checks and look-ups
// shared by the definition, the worker's configuration and the senders.
import { z } from 'zod';
import { normaliseMobile, type DirectoryRobots } from './directory.js';
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

// ---------------------------------------------------------------------------------- secret references

/**
 * A robot's webhook or 加签 secret may be named instead of written: `env:BEIHAI_WECOM_HOOK` is read
 * from the worker's environment when a message is sent, so the secret stays out of the definition
 * (the console's views, Temporal's histories, the outbox). Upper-case letters, digits and `_`.
 */
export const SECRET_REFERENCE_PREFIX = 'env:';
const SECRET_REFERENCE = /^env:([A-Z_][A-Z0-9_]{0,127})$/;

/** The variable a value names (`env:NAME` → NAME), or undefined for a value written out. */
export function secretReference(value: string): string | undefined {
  return SECRET_REFERENCE.exec(value.trim())?.[1];
}

/** Where a robot keeps a secret: the field as the definition spells it, and how it is checked once read. */
export const ROBOT_SECRET_FIELDS = {
  wecom: { field: 'robots.wecom', name: '企业微信机器人 Webhook', problem: wecomWebhookProblem },
  dingtalkWebhook: { field: 'robots.dingtalk.webhook', name: '钉钉机器人 Webhook', problem: dingtalkWebhookProblem },
  dingtalkSecret: { field: 'robots.dingtalk.secret', name: '钉钉机器人加签密钥', problem: dingtalkSecretProblem },
} as const;
export type RobotSecretField = keyof typeof ROBOT_SECRET_FIELDS;

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A value as a sender uses it: written out, or read from `env` when it is a reference; a reference
 * to a variable that is unset or malformed is a problem naming the variable (never its value).
 */
export function resolveSecret(field: RobotSecretField, value: string, env: Env): { value: string } | { variable: string; problem: string } {
  const variable = secretReference(value);
  if (!variable) return { value };
  const { name, problem } = ROBOT_SECRET_FIELDS[field];
  const resolved = env[variable]?.trim();
  if (!resolved) return { variable, problem: `环境变量 ${variable} 未设置（${name}，${value.trim()}）` };
  // The value read is a secret: the problem names the variable in its place.
  const malformed = problem(resolved)?.replaceAll(resolved, () => `$${variable}`);
  return malformed ? { variable, problem: `环境变量 ${variable} 的值无效：${malformed}` } : { value: resolved };
}

/** A literal secret as the console shows it: its last 4 characters; a reference as it is. */
export function maskSecret(value: string): string {
  if (secretReference(value)) return value;
  return `****${[...value.trim()].slice(-4).join('')}`;
}

/** Whether a value is one the console showed masked (maskSecret): never a real webhook or secret. */
export const isMasked = (value: string) => value.includes('****');

/** A webhook as the console shows it: the address, its key or token masked (maskSecret); a reference as it is. */
export function maskWebhook(value: string): string {
  if (secretReference(value)) return value;
  const url = parseUrl(value.trim());
  if (!url) return maskSecret(value);
  for (const name of ['key', 'access_token']) {
    const credential = url.searchParams.get(name);
    if (credential) return `${url.origin}${url.pathname}?${name}=${maskSecret(credential)}`;
  }
  return `${url.origin}${url.pathname}`;
}

/** A unit's robots with their secrets masked, for the console's views. */
export function maskedRobots(robots: UnitRobots): UnitRobots {
  return {
    ...(robots.wecom ? { wecom: maskWebhook(robots.wecom) } : {}),
    ...(robots.dingtalk ? { dingtalk: { webhook: maskWebhook(robots.dingtalk.webhook), secret: maskSecret(robots.dingtalk.secret) } } : {}),
  };
}

/** A definition as the console shows it: every unit's robots masked (maskedRobots), the rest as it is. */
export function withMaskedSecrets<D extends { units: { robots?: UnitRobots }[] }>(def: D): D {
  return { ...def, units: def.units.map((u) => (u.robots ? { ...u, robots: maskedRobots(u.robots) } : u)) };
}

/**
 * The references of the units' robots whose variable is unset (or whose value is malformed) in
 * `env`: checked when a definition is validated or a campaign starts, naming unit, field and variable.
 */
export function secretReferenceProblems(
  def: { units: { id: string; name: string; robots?: UnitRobots }[] },
  env: Env,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  def.units.forEach((unit, i) => {
    const fields: [RobotSecretField, string | undefined, (string | number)[]][] = [
      ['wecom', unit.robots?.wecom, ['wecom']],
      ['dingtalkWebhook', unit.robots?.dingtalk?.webhook, ['dingtalk', 'webhook']],
      ['dingtalkSecret', unit.robots?.dingtalk?.secret, ['dingtalk', 'secret']],
    ];
    for (const [field, value, path] of fields) {
      const resolved = value === undefined ? undefined : resolveSecret(field, value, env);
      if (resolved && 'problem' in resolved) {
        problems.push({
          path: ['units', i, 'robots', ...path],
          message: `单位“${unit.name}”（${unit.id}）的 ${ROBOT_SECRET_FIELDS[field].field}：${resolved.problem}；请在控制台和 worker 的环境中设置 ${resolved.variable}`,
        });
      }
    }
  });
  return problems;
}

/** A 通讯录 unit's robots as the console shows and exports them (maskWebhook, maskSecret; '' stays ''). */
export function maskedDirectoryRobots(robots: DirectoryRobots): DirectoryRobots {
  return { wecom: robots.wecom && maskWebhook(robots.wecom), dingtalk: robots.dingtalk && maskWebhook(robots.dingtalk), dingtalkSecret: robots.dingtalkSecret && maskSecret(robots.dingtalkSecret) };
}

/**
 * A unit's robots as a message is sent: the 通讯录's current ones where the unit stands for an entry
 * that has them (as its contacts: a robot changed there applies at once), else the definition's.
 */
export function withDirectoryRobots(robots: UnitRobots | undefined, directory: DirectoryRobots): UnitRobots | undefined {
  const wecom = directory.wecom || robots?.wecom;
  const dingtalk = directory.dingtalk && directory.dingtalkSecret ? { webhook: directory.dingtalk, secret: directory.dingtalkSecret } : robots?.dingtalk;
  return wecom || dingtalk ? { ...(wecom ? { wecom } : {}), ...(dingtalk ? { dingtalk } : {}) } : undefined;
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

/**
 * A robot's secret field: a value written out, checked by `problem`, or a reference `env:NAME`
 * (its variable is checked where the environment is known: secretReferenceProblems, the sender).
 */
function robotSecretSchema(problem: (value: string) => string | undefined) {
  return z.string().trim().superRefine((value, ctx) => {
    if (value.startsWith(SECRET_REFERENCE_PREFIX)) {
      if (!secretReference(value)) {
        ctx.addIssue({ code: 'custom', message: `环境变量引用无效：${value}（应如 env:BEIHAI_WECOM_HOOK，变量名为大写字母、数字和下划线）` });
      }
      return;
    }
    const found = problem(value);
    if (found) ctx.addIssue({ code: 'custom', message: found });
  });
}

/** Why a 钉钉 加签 secret is malformed, or undefined. */
export function dingtalkSecretProblem(value: string): string | undefined {
  return DINGTALK_SECRET.test(value.trim()) ? undefined : '钉钉机器人加签密钥应以 SEC 开头，后接字母数字（机器人安全设置中“加签”一栏）';
}

export const wecomWebhookSchema = robotSecretSchema(wecomWebhookProblem);

export const dingtalkRobotSchema = z.strictObject({
  webhook: robotSecretSchema(dingtalkWebhookProblem),
  /** 加签 secret of the robot's security settings. */
  secret: robotSecretSchema(dingtalkSecretProblem),
});

/**
 * Why a 通讯录 robot field (its 单位 sheet's column, its form's field) is not what the definition
 * accepts there, or undefined. Empty (none) and masked (as the console showed it: kept when it is
 * the entry's own, services/directory.ts) pass here.
 */
export function directoryRobotProblem(field: keyof DirectoryRobots, value: string): string | undefined {
  if (value === '' || isMasked(value)) return undefined;
  const schema = { wecom: wecomWebhookSchema, dingtalk: dingtalkRobotSchema.shape.webhook, dingtalkSecret: dingtalkRobotSchema.shape.secret }[field];
  const checked = schema.safeParse(value);
  return checked.success ? undefined : checked.error.issues[0].message;
}

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
  units: { robots?: UnitRobots; contact: { mobile?: string }; principal: { mobile?: string }; directoryId?: number }[];
  leaders: { mobile?: string }[];
}

/** Channels named in `delivery` that nobody in the definition can receive: a routing that would send nothing. */
export function deliveryProblems(delivery: Delivery | undefined, def: ChannelHolders): { path: (string | number)[]; message: string }[] {
  if (!delivery) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const someone = {
    sms: def.units.some((u) => u.contact.mobile || u.principal.mobile) || def.leaders.some((l) => l.mobile),
    // A unit from the 通讯录 is sent to the robots the directory has for it then (withDirectoryRobots).
    wecom: def.units.some((u) => u.robots?.wecom || u.directoryId),
    dingtalk: def.units.some((u) => u.robots?.dingtalk || u.directoryId),
  };
  const where = { sms: '单位联系人、主要负责人或领导的 mobile', wecom: '单位的 robots.wecom', dingtalk: '单位的 robots.dingtalk' };
  for (const channel of CHANNELS) {
    if (delivery[channel].length > 0 && !someone[channel]) {
      problems.push({ path: ['delivery', channel], message: `按${CHANNEL_NAMES[channel]}发送，但没有任何人填写了${where[channel]}` });
    }
  }
  return problems;
}
