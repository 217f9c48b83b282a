// The group robots: 企业微信 (WeCom) and 钉钉 (DingTalk) custom robots, each a webhook that takes a
// JSON message. Each message first takes a slot of its robot's rate limit, then is posted; the
// answer's errcode says sent, try again later, or refused for good.
import { createHmac } from 'node:crypto';
import { DEFAULT_ROBOT_BASES, robotBaseProblem } from '../../domain/channels.js';
import type { UnitRobots } from '../../domain/channels.js';
import { permanentFailure, postToProvider, sent, transientFailure, type DeliveryOutcome } from './outcome.js';
import type { RobotRateLimiter } from './rate-limiter.js';
import type { RobotText } from './texts.js';

export interface RobotMessage {
  /** The outbox message's key (for the record; the robots take none). */
  key: string;
  text: RobotText;
  /** 11-digit mobiles to @ in the group. */
  mentions: string[];
}

type Verdict = 'transient' | 'permanent';

/** 企业微信's errcodes (its global error code list) the robot answers. */
const WECOM_ERRORS: Record<number, [Verdict, string]> = {
  [-1]: ['transient', '企业微信系统繁忙'],
  45009: ['transient', '发送过于频繁（每个机器人每分钟最多 20 条）'],
  45033: ['transient', '并发请求过多'],
  93000: ['permanent', 'Webhook 地址无效（机器人已删除或密钥有误）'],
  93004: ['permanent', '机器人已被停用'],
  93008: ['permanent', '机器人不在该群中'],
  40008: ['permanent', '消息类型无效'],
  44004: ['permanent', '消息内容为空'],
  45002: ['permanent', '消息内容过长'],
};

/** 钉钉's errcodes for custom robots. */
const DINGTALK_ERRORS: Record<number, [Verdict, string]> = {
  [-1]: ['transient', '钉钉系统繁忙'],
  130101: ['transient', '发送过于频繁（每个机器人每分钟最多 20 条）'],
  410100: ['transient', '发送过于频繁（每个机器人每分钟最多 20 条）'],
  310000: ['permanent', '安全设置校验失败（加签密钥、关键词或 IP 白名单不符）'],
  300001: ['permanent', 'access_token 无效（机器人已删除或 Webhook 有误）'],
  400013: ['permanent', '群已解散'],
  400101: ['permanent', '机器人已被停用'],
  400102: ['permanent', '机器人已被停用'],
  430101: ['permanent', '消息内容中含有不安全的外链'],
};

/** Classifies a robot's answer; an unknown errcode is permanent (the office must look), save -1. */
function robotOutcome(channel: '企业微信' | '钉钉', table: Record<number, [Verdict, string]>, json: Record<string, unknown>): DeliveryOutcome {
  const errcode = Number(json.errcode ?? NaN);
  if (errcode === 0) return sent();
  const [verdict, meaning] = table[errcode] ?? ['permanent', String(json.errmsg ?? '未知错误')];
  const code = Number.isNaN(errcode) ? 'NO_ERRCODE' : String(errcode);
  const message = `${channel}机器人：${meaning}（errcode ${code}）`;
  return verdict === 'transient' ? transientFailure(code, message) : permanentFailure(code, message);
}

export interface RobotSenderOptions {
  limiter?: RobotRateLimiter;
  /** Where robots may be reached (the public services unless configured: 政务微信, the local fake). */
  bases?: { wecom?: readonly string[]; dingtalk?: readonly string[] };
  /** How long a message may wait for a slot within one attempt. */
  maxWaitMs?: number;
  now?: () => number;
}

/** 钉钉's 加签: base64 HMAC-SHA256 with the secret as key over "timestamp\nsecret", URL-encoded. */
export function dingtalkSign(timestamp: number, secret: string): string {
  return encodeURIComponent(createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64'));
}

export interface RobotSenders {
  wecom(webhook: string, message: RobotMessage): Promise<DeliveryOutcome>;
  dingtalk(robot: NonNullable<UnitRobots['dingtalk']>, message: RobotMessage): Promise<DeliveryOutcome>;
}

export function createRobotSenders(options: RobotSenderOptions = {}): RobotSenders {
  const bases = { wecom: options.bases?.wecom ?? [DEFAULT_ROBOT_BASES.wecom], dingtalk: options.bases?.dingtalk ?? [DEFAULT_ROBOT_BASES.dingtalk] };
  const now = options.now ?? Date.now;

  /** The base check and the rate limit, before anything is posted. */
  async function admit(channel: 'wecom' | 'dingtalk', webhook: string): Promise<DeliveryOutcome | undefined> {
    const problem = robotBaseProblem(channel, webhook, bases[channel]);
    if (problem) return permanentFailure('HOST_NOT_ALLOWED', problem);
    const slot = await options.limiter?.acquire(webhook, { maxWaitMs: options.maxWaitMs });
    if (slot && !slot.granted) {
      return transientFailure('RATE_LIMIT_QUEUED', `该机器人每分钟发送已达上限，约 ${Math.ceil(slot.retryAfterMs / 1000)} 秒后再发`);
    }
    return undefined;
  }

  return {
    async wecom(webhook, message) {
      const refused = await admit('wecom', webhook);
      if (refused) return refused;
      // Markdown cannot @ by mobile; a message that mentions someone goes as text, which can.
      const body = message.mentions.length
        ? { msgtype: 'text', text: { content: message.text.text, mentioned_mobile_list: message.mentions } }
        : { msgtype: 'markdown', markdown: { content: message.text.markdown } };
      const answer = await postToProvider(webhook, { body: JSON.stringify(body), contentType: 'application/json' });
      return answer.ok ? robotOutcome('企业微信', WECOM_ERRORS, answer.json) : answer.outcome;
    },
    async dingtalk(robot, message) {
      const refused = await admit('dingtalk', robot.webhook);
      if (refused) return refused;
      const timestamp = now();
      const url = `${robot.webhook}&timestamp=${timestamp}&sign=${dingtalkSign(timestamp, robot.secret)}`;
      // 钉钉 shows an @ only where the text names the mobile too.
      const mentions = message.mentions.map((m) => `@${m}`).join(' ');
      const body = {
        msgtype: 'markdown',
        markdown: { title: message.text.title, text: mentions ? `${message.text.markdown}\n\n${mentions}` : message.text.markdown },
        at: { atMobiles: message.mentions, isAtAll: false },
      };
      const answer = await postToProvider(url, { body: JSON.stringify(body), contentType: 'application/json' });
      return answer.ok ? robotOutcome('钉钉', DINGTALK_ERRORS, answer.json) : answer.outcome;
    },
  };
}
