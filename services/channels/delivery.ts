// The door the notice outbox uses: which channel messages a notice owes (each with a key derived
// from the notice's, stable across retries and replays) and how one is delivered.
import {
  CHANNEL_NAMES,
  channelsFor,
  resolveSecret,
  type Audience,
  type Delivery,
  type Env,
  type RobotSecretField,
  type SmsTemplateName,
  type UnitRobots,
} from '../../domain/channels.js';
import type { Db } from '../../db/pool.js';
import { permanentFailure, type DeliveryOutcome } from './outcome.js';
import { createRobotRateLimiter } from './rate-limiter.js';
import { createRobotSenders, type RobotSenders } from './robots.js';
import { createAliyunSmsProvider, type SmsProvider } from './sms.js';
import { robotText, smsText, type ChannelNotice, type RobotText, type SmsText } from './texts.js';

/** A unit the notice reaches, with what the definition (or the directory) knows of its channels. */
export interface ChannelUnit {
  id: string;
  name: string;
  /** Mobiles of the people of the unit the notice is addressed to (contact, principal), as resolved for the e-mail. */
  mobiles: string[];
  /** The contact's mobile, @-mentioned in the group robot's message. */
  mention?: string;
  robots?: UnitRobots;
  /** This unit's own link (the lead unit's, a cooperating unit's read-only one), when its e-mail carries one. */
  link?: string;
  /** The same as a short link, for its SMS (the robots carry the full link). */
  shortLink?: string;
}

export interface ChannelLeader {
  id: string;
  mobile?: string;
}

export type PlannedChannelMessage =
  | { key: string; channel: 'sms'; mobile: string; audience: Audience; sms: SmsText }
  | { key: string; channel: 'wecom'; webhook: string; unitId: string; text: RobotText; mentions: string[] }
  | { key: string; channel: 'dingtalk'; robot: NonNullable<UnitRobots['dingtalk']>; unitId: string; text: RobotText; mentions: string[] };

/**
 * The channel messages a notice owes besides its e-mail, by the campaign's `delivery`: one SMS per
 * mobile (a person who is contact and principal, or of two units, gets one), one message per
 * group robot. Keys: `<noticeKey>/sms/<mobile>`, `<noticeKey>/wecom/<unit>`, `<noticeKey>/dingtalk/<unit>`.
 */
export function planChannelMessages(input: {
  noticeKey: string;
  notice: ChannelNotice;
  delivery: Delivery | undefined;
  units: ChannelUnit[];
  leaders: ChannelLeader[];
  signName: string;
}): PlannedChannelMessage[] {
  const planned: PlannedChannelMessage[] = [];
  const mobilesDone = new Set<string>();
  const robotsDone = new Set<string>();
  const sms = (mobile: string | undefined, audience: Audience, notice: ChannelNotice) => {
    if (!mobile || mobilesDone.has(mobile)) return;
    mobilesDone.add(mobile);
    planned.push({ key: `${input.noticeKey}/sms/${mobile}`, channel: 'sms', mobile, audience, sms: smsText(notice, { audience, signName: input.signName }) });
  };
  for (const unit of input.units) {
    const channels = channelsFor(input.delivery, input.notice.kind, 'unit');
    const notice = { ...input.notice, unitName: unit.name, link: unit.link, shortLink: unit.shortLink };
    if (channels.includes('sms')) unit.mobiles.forEach((m) => sms(m, 'unit', notice));
    const mentions = unit.mention ? [unit.mention] : [];
    const wecom = unit.robots?.wecom;
    if (channels.includes('wecom') && wecom && !robotsDone.has(wecom)) {
      robotsDone.add(wecom);
      planned.push({ key: `${input.noticeKey}/wecom/${unit.id}`, channel: 'wecom', webhook: wecom, unitId: unit.id, text: robotText(notice), mentions });
    }
    const dingtalk = unit.robots?.dingtalk;
    if (channels.includes('dingtalk') && dingtalk && !robotsDone.has(dingtalk.webhook)) {
      robotsDone.add(dingtalk.webhook);
      planned.push({ key: `${input.noticeKey}/dingtalk/${unit.id}`, channel: 'dingtalk', robot: dingtalk, unitId: unit.id, text: robotText(notice), mentions });
    }
  }
  // Leaders read no unit link; robots are the units' groups, so a leader is reached by SMS only.
  if (channelsFor(input.delivery, input.notice.kind, 'leader').includes('sms')) {
    const notice = { ...input.notice, link: undefined };
    for (const leader of input.leaders) sms(leader.mobile, 'leader', notice);
  }
  return planned;
}

/** SMS and the group robots as configured (worker/config.ts reads it from the environment); no SMS unless its account is set. */
export interface ChannelConfig {
  sms?: { provider: 'aliyun'; accessKeyId: string; accessKeySecret: string; signName: string; templateCodes: Partial<Record<SmsTemplateName, string>>; endpoint?: string };
  robotBases: { wecom: string[]; dingtalk: string[] };
  robotMessagesPerMinute: number;
}

export interface ChannelDelivery {
  /** Sends one planned message; never throws for the provider's answer (a DeliveryOutcome says it). */
  deliver(message: PlannedChannelMessage): Promise<DeliveryOutcome>;
}

/** A robot's field as sent: a reference (`env:NAME`) read from the environment now, a problem for good if it cannot be. */
function resolved(field: RobotSecretField, value: string, env: Env): { value: string } | { outcome: DeliveryOutcome } {
  const answer = resolveSecret(field, value, env);
  return 'problem' in answer ? { outcome: permanentFailure('SECRET_NOT_SET', `${CHANNEL_NAMES[field === 'wecom' ? 'wecom' : 'dingtalk']}：${answer.problem}`) } : answer;
}

/**
 * The senders of the worker's configuration; the robots share their rate limit through PostgreSQL.
 * `env`: where the robots' secret references are read, at each send (the worker's environment).
 */
export function createChannelDelivery(
  db: Db,
  config: ChannelConfig,
  overrides: { sms?: SmsProvider; robots?: RobotSenders; env?: Env } = {},
): ChannelDelivery {
  const env = overrides.env ?? process.env;
  const sms = overrides.sms ?? (config.sms ? createAliyunSmsProvider(config.sms) : undefined);
  const robots =
    overrides.robots ??
    createRobotSenders({ limiter: createRobotRateLimiter(db, { perMinute: config.robotMessagesPerMinute }), bases: config.robotBases });
  return {
    async deliver(message) {
      switch (message.channel) {
        case 'sms':
          if (!sms) return permanentFailure('SMS_NOT_CONFIGURED', '未配置短信服务（ALIYUN_SMS_*，见 docs/channels.md）');
          return sms.send({ key: message.key, mobiles: [message.mobile], template: message.sms.template, params: message.sms.params, text: message.sms.text });
        case 'wecom': {
          const webhook = resolved('wecom', message.webhook, env);
          if ('outcome' in webhook) return webhook.outcome;
          return robots.wecom(webhook.value, { key: message.key, text: message.text, mentions: message.mentions });
        }
        case 'dingtalk': {
          const webhook = resolved('dingtalkWebhook', message.robot.webhook, env);
          if ('outcome' in webhook) return webhook.outcome;
          const secret = resolved('dingtalkSecret', message.robot.secret, env);
          if ('outcome' in secret) return secret.outcome;
          return robots.dingtalk({ webhook: webhook.value, secret: secret.value }, { key: message.key, text: message.text, mentions: message.mentions });
        }
      }
    },
  };
}
