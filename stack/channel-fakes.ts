// The embedded stack's stand-in for the SMS provider and the group robots: one HTTP server on
// loopback that speaks Aliyun's SendSms, the 企业微信 robot webhook and the 钉钉 robot webhook,
// checks their signatures as the real services do, and keeps every message it accepts in
// PostgreSQL (table channel_inbox), which the console shows beside the SMTP sink's mailbox.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DEFAULT_ROBOT_BASES, DINGTALK_ROBOT_PATH, SMS_TEMPLATE_NAMES, WECOM_ROBOT_PATH, type SmsTemplateName } from '../domain/channels.js';
import { storeChannelMessage, type InboxChannel } from '../db/channels.js';
import type { Db } from '../db/pool.js';
import { dingtalkSign } from '../services/channels/robots.js';
import { aliyunSignature } from '../services/channels/sms.js';
import { renderSmsTemplate, SMS_TEMPLATES } from '../services/channels/texts.js';

/** TemplateCodes the fake knows our templates by (a real account has its own, from the provider's console). */
export const FAKE_SMS_TEMPLATE_CODES = Object.fromEntries(
  SMS_TEMPLATE_NAMES.map((name, i) => [name, `SMS_${100000001 + i}`]),
) as Record<SmsTemplateName, string>;

export interface ChannelFakesOptions {
  port?: number;
  /** The SMS account the fake accepts (requests signed with another secret are refused). */
  sms?: { accessKeyId: string; accessKeySecret: string };
  /** 钉钉 robots whose 加签 the fake checks, by access_token; others are accepted unsigned. */
  dingtalkSecrets?: Record<string, string>;
}

export interface ChannelFakes {
  port: number;
  /** http://127.0.0.1:<port>: the base of every robot address and the SMS endpoint. */
  url: string;
  smsEndpoint: string;
  /** A 企业微信 robot webhook on the fake (a new key when none is given). */
  wecomWebhook(key?: string): string;
  /** A 钉钉 robot webhook on the fake; with a secret, its signature is checked. */
  dingtalkWebhook(accessToken: string, secret?: string): string;
  // Fault injection for tests
  /** The next `count` messages on the channel are answered "too many messages" (accepted after). */
  rateLimit(channel: InboxChannel, count: number): void;
  /** Messages to this mobile are refused for good (isv.MOBILE_NUMBER_ILLEGAL unless another code is given). */
  refuseMobile(mobile: string, code?: string): void;
  /** A robot (by WeCom key or DingTalk token) answered as deleted: 93000 / 300001. */
  refuseRobot(keyOrToken: string): void;
  stop(): Promise<void>;
}

const MAX_BODY = 256 * 1024;
const DINGTALK_CLOCK_SKEW_MS = 60 * 60 * 1000;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const shortTarget = (key: string) => (key.length > 10 ? `${key.slice(0, 8)}…` : key);

export async function startChannelFakes(db: Db, options: ChannelFakesOptions = {}): Promise<ChannelFakes> {
  const rateLimited: Record<InboxChannel, number> = { sms: 0, wecom: 0, dingtalk: 0 };
  const refusedMobiles = new Map<string, string>();
  const refusedRobots = new Set<string>();
  const dingtalkSecrets = new Map(Object.entries(options.dingtalkSecrets ?? {}));
  const templateByCode = new Map(Object.entries(FAKE_SMS_TEMPLATE_CODES).map(([name, code]) => [code, SMS_TEMPLATES[name as SmsTemplateName]]));
  const takeRateLimit = (channel: InboxChannel) => (rateLimited[channel] > 0 ? (rateLimited[channel]--, true) : false);

  async function wecom(url: URL, body: string): Promise<unknown> {
    const key = url.searchParams.get('key') ?? '';
    if (!key || refusedRobots.has(key)) return { errcode: 93000, errmsg: 'invalid webhook url' };
    const message = parseJson(body) as { msgtype?: string; markdown?: { content?: string }; text?: { content?: string; mentioned_mobile_list?: string[] } } | undefined;
    const content = message?.msgtype === 'markdown' ? message.markdown?.content : message?.msgtype === 'text' ? message.text?.content : undefined;
    if (!message || content === undefined) return { errcode: 40008, errmsg: 'invalid message type' };
    if (!content.trim()) return { errcode: 44004, errmsg: 'empty content' };
    if (Buffer.byteLength(content) > (message.msgtype === 'markdown' ? 4096 : 2048)) return { errcode: 45002, errmsg: 'content size out of limit' };
    if (takeRateLimit('wecom')) return { errcode: 45009, errmsg: 'api freq out of limit' };
    const mentions = message.msgtype === 'text' ? (message.text?.mentioned_mobile_list ?? []) : [];
    await storeChannelMessage(db, { channel: 'wecom', messageKey: `wecom:${sha(key)}:${sha(body)}`, target: shortTarget(key), mentions, title: '', body: content, payload: message });
    return { errcode: 0, errmsg: 'ok' };
  }

  async function dingtalk(url: URL, body: string): Promise<unknown> {
    const token = url.searchParams.get('access_token') ?? '';
    if (!token || refusedRobots.has(token)) return { errcode: 300001, errmsg: 'token is not exist' };
    const secret = dingtalkSecrets.get(token);
    if (secret) {
      const timestamp = Number(url.searchParams.get('timestamp'));
      // The query is already decoded once by URL: compare with the signature decoded once too.
      const sign = url.searchParams.get('sign') ?? '';
      if (!Number.isFinite(timestamp) || Math.abs(Date.now() - timestamp) > DINGTALK_CLOCK_SKEW_MS || sign !== decodeURIComponent(dingtalkSign(timestamp, secret))) {
        return { errcode: 310000, errmsg: 'sign not match' };
      }
    }
    const message = parseJson(body) as { msgtype?: string; markdown?: { title?: string; text?: string }; text?: { content?: string }; at?: { atMobiles?: string[] } } | undefined;
    const content = message?.msgtype === 'markdown' ? message.markdown?.text : message?.msgtype === 'text' ? message.text?.content : undefined;
    if (!message || !content?.trim()) return { errcode: 40035, errmsg: '缺少参数 json' };
    if (takeRateLimit('dingtalk')) return { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' };
    await storeChannelMessage(db, {
      channel: 'dingtalk',
      messageKey: `dingtalk:${sha(token)}:${sha(body)}`,
      target: shortTarget(token),
      mentions: message.at?.atMobiles ?? [],
      title: message.markdown?.title ?? '',
      body: content,
      payload: message,
    });
    return { errcode: 0, errmsg: 'ok' };
  }

  async function sms(params: URLSearchParams, method: 'GET' | 'POST'): Promise<[number, unknown]> {
    const requestId = randomUUID().toUpperCase();
    const fields = Object.fromEntries([...params].filter(([k]) => k !== 'Signature'));
    const account = options.sms;
    if (!account || fields.AccessKeyId !== account.accessKeyId) return [404, { Code: 'InvalidAccessKeyId.NotFound', Message: 'Specified access key is not found.', RequestId: requestId }];
    if (params.get('Signature') !== aliyunSignature(method, fields, account.accessKeySecret)) {
      return [400, { Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.', RequestId: requestId }];
    }
    if (fields.Action !== 'SendSms') return [400, { Code: 'InvalidAction', Message: `不支持的 Action：${fields.Action}`, RequestId: requestId }];
    const mobiles = (fields.PhoneNumbers ?? '').split(',').filter(Boolean);
    if (mobiles.length === 0 || mobiles.some((m) => !/^1[3-9]\d{9}$/.test(m))) return [200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号', RequestId: requestId }];
    const refused = mobiles.find((m) => refusedMobiles.has(m));
    if (refused) return [200, { Code: refusedMobiles.get(refused), Message: `号码 ${refused} 被拒收`, RequestId: requestId }];
    const template = templateByCode.get(fields.TemplateCode ?? '');
    if (!template) return [200, { Code: 'isv.SMS_TEMPLATE_ILLEGAL', Message: '模板不存在', RequestId: requestId }];
    const variables = parseJson(fields.TemplateParam ?? '{}') as Record<string, string> | undefined;
    if (!variables || typeof variables !== 'object') return [200, { Code: 'isv.INVALID_JSON_PARAM', Message: 'JSON参数不合法', RequestId: requestId }];
    if (takeRateLimit('sms')) return [200, { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发流控', RequestId: requestId }];
    const text = `【${fields.SignName ?? ''}】${renderSmsTemplate(template, variables)}`;
    const identity = fields.OutId ? `out:${fields.OutId}` : `text:${sha(text)}`;
    await storeChannelMessage(db, { channel: 'sms', messageKey: `sms:${identity}:${mobiles.join(',')}`, target: mobiles.join(','), mentions: [], title: fields.TemplateCode ?? '', body: text, payload: fields });
    return [200, { Code: 'OK', Message: 'OK', BizId: `${Date.now()}^0`, RequestId: requestId }];
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(request);
    const answer = (status: number, json: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(json));
    };
    if (request.method === 'POST' && url.pathname === WECOM_ROBOT_PATH) return answer(200, await wecom(url, body));
    if (request.method === 'POST' && url.pathname === DINGTALK_ROBOT_PATH) return answer(200, await dingtalk(url, body));
    if (url.pathname === '/' && (request.method === 'GET' || request.method === 'POST')) {
      const params = request.method === 'GET' ? url.searchParams : new URLSearchParams(body);
      return answer(...(await sms(params, request.method)));
    }
    answer(404, { errcode: 404, errmsg: 'not found' });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`内部错误：${error.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    port,
    url,
    smsEndpoint: `${url}/`,
    wecomWebhook: (key = randomUUID()) => `${url}${WECOM_ROBOT_PATH}?key=${key}`,
    dingtalkWebhook(accessToken, secret) {
      if (secret) dingtalkSecrets.set(accessToken, secret);
      return `${url}${DINGTALK_ROBOT_PATH}?access_token=${accessToken}`;
    },
    rateLimit(channel, count) {
      rateLimited[channel] = count;
    },
    refuseMobile(mobile, code = 'isv.MOBILE_NUMBER_ILLEGAL') {
      refusedMobiles.set(mobile, code);
    },
    refuseRobot(keyOrToken) {
      refusedRobots.add(keyOrToken);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('请求体过大');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The variables the worker reads (worker/config.ts) that point SMS and the robots at the fake:
 * its own SMS account and template codes, and its address among the robots' allowed bases.
 */
export function channelFakesEnv(fakes: ChannelFakes, account: { accessKeyId: string; accessKeySecret: string }): Record<string, string> {
  return {
    ALIYUN_SMS_ACCESS_KEY_ID: account.accessKeyId,
    ALIYUN_SMS_ACCESS_KEY_SECRET: account.accessKeySecret,
    ALIYUN_SMS_SIGN_NAME: '创城模拟',
    ALIYUN_SMS_TEMPLATES: Object.entries(FAKE_SMS_TEMPLATE_CODES).map(([name, code]) => `${name}=${code}`).join(','),
    ALIYUN_SMS_ENDPOINT: fakes.smsEndpoint,
    WECOM_WEBHOOK_BASES: `${DEFAULT_ROBOT_BASES.wecom},${fakes.url}`,
    DINGTALK_WEBHOOK_BASES: `${DEFAULT_ROBOT_BASES.dingtalk},${fakes.url}`,
  };
}
