// The production worker's configuration: the environment only, checked once at start.
// Every problem is reported at once, each naming its variable, and no value is echoed back
// (several of them are secrets).
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { z } from 'zod';
import { secretProblem } from '../client/web/secrets.js';
import { DEFAULT_ROBOT_BASES, SMS_TEMPLATE_NAMES, type SmsTemplateName } from '../domain/channels.js';
import type { ChannelConfig } from '../services/channels/delivery.js';

export interface ConfigProblem {
  /** The environment variable at fault. */
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `环境变量配置有误（${problems.length} 处），进程未启动：\n` +
        problems.map((p) => `  - ${p.variable}：${p.message}`).join('\n') +
        '\n各变量的含义与取值见 docs/production.md。',
    );
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type AppLogLevel = (typeof LOG_LEVELS)[number];

// ---- building blocks ----------------------------------------------------------------------

/** An unset variable and one set to blanks are the same thing: missing. */
const blankIsMissing = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const MISSING = '未设置（必填）';

/** A required string: present, then checked by check(), which returns a problem or nothing. */
function required(example: string, check?: (value: string) => string | undefined) {
  return z.preprocess(
    blankIsMissing,
    z
      .string({ error: (issue) => (issue.input === undefined ? `${MISSING}，例如 ${example}` : '必须是字符串') })
      .superRefine((value, ctx) => {
        const problem = check?.(value.trim());
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .transform((value) => value.trim()),
  );
}

function optional(check?: (value: string) => string | undefined) {
  return z.preprocess(
    blankIsMissing,
    z
      .string()
      .superRefine((value, ctx) => {
        const problem = check?.(value.trim());
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .transform((value) => value.trim())
      .optional(),
  );
}

/** A whole number in [min, max], default when unset. */
function integer(min: number, max: number, fallback: number) {
  return z.preprocess(
    blankIsMissing,
    z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        if (value === undefined) return;
        const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) {
          ctx.addIssue({ code: 'custom', message: `必须是 ${min} 到 ${max} 之间的整数` });
        }
      })
      .transform((value) => (value === undefined ? fallback : Number(value))),
  );
}

function boolean() {
  return z.preprocess(
    blankIsMissing,
    z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        if (value !== undefined && !/^(true|false|1|0|yes|no|on|off)$/i.test(value.trim())) {
          ctx.addIssue({ code: 'custom', message: '必须是 true 或 false' });
        }
      })
      .transform((value) => (value === undefined ? undefined : /^(true|1|yes|on)$/i.test(value.trim()))),
  );
}

/** A URL fit to print: its password (SMTP_URL, DATABASE_URL) replaced by ***. */
export function redactUrl(value: string): string {
  const url = parseUrl(value);
  if (!url) return value.replace(/\/\/[^@/]*@/, '//***@');
  if (url.password) url.password = '***';
  return url.toString();
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

const checkHostPort = (value: string) =>
  /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(value) && Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535
    ? undefined
    : '必须是“主机:端口”，例如 temporal:7233 或 my-ns.a1b2c.tmprl.cloud:7233';

const checkDatabaseUrl = (value: string) => {
  const url = parseUrl(value);
  if (!url || !/^postgres(ql)?:$/.test(url.protocol) || !url.hostname) {
    return '必须是 PostgreSQL 连接串，例如 postgres://chuangwen:密码@app-db:5432/chuangwen';
  }
  if (url.pathname.replace(/^\//, '') === '') return '连接串缺少数据库名，例如 postgres://chuangwen:密码@app-db:5432/chuangwen';
  return undefined;
};

const checkSmtpUrl = (value: string) => {
  const url = parseUrl(value);
  if (!url || !/^smtps?:$/.test(url.protocol) || !url.hostname) {
    return '必须是 smtp:// 或 smtps:// 地址，例如 smtps://用户名:密码@smtp.example.gov.cn:465';
  }
  if (url.username && !url.password) return '写了用户名却没有密码（格式 smtp://用户名:密码@主机:端口，特殊字符需 URL 编码）';
  if (!url.username && url.password) return '写了密码却没有用户名';
  return undefined;
};

const ADDRESS = /^[^\s@<>",]+@[^\s@<>",]+\.[^\s@<>",]+$/;
const checkMailFrom = (value: string) => {
  const named = /^(?:"[^"]*"|[^<>"]*)\s*<([^<>]+)>$/.exec(value);
  const address = named ? named[1].trim() : value;
  return ADDRESS.test(address) ? undefined : '必须是邮箱地址，可带显示名，例如 "北海创城办" <chuangban@beihai.gov.cn>';
};

const checkPublicUrl = (value: string) => {
  const url = parseUrl(value);
  if (!url || !/^https?:$/.test(url.protocol)) return '必须是 http:// 或 https:// 开头的网址，例如 https://chuangwen.example.gov.cn';
  if (url.search || url.hash) return '不能带查询参数或 # 片段';
  return undefined;
};

const checkSecret = (value: string) => secretProblem(value);

const checkReadableFile = (value: string) => {
  try {
    if (!statSync(value).isFile()) return '不是文件';
    accessSync(value, fsConstants.R_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? '文件不存在' : '文件无法读取';
  }
};

const checkNamespace = (value: string) =>
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(value) ? undefined : '只能包含字母、数字、点、下划线和连字符';

// Channels besides e-mail (docs/channels.md)
const checkHttpUrl = (value: string) => {
  const url = parseUrl(value);
  return url && /^https?:$/.test(url.protocol) ? undefined : '必须是 http:// 或 https:// 开头的网址';
};

/** Comma-separated origins where group robots may be reached, e.g. a 政务微信 deployment. */
const checkRobotBases = (value: string) => {
  for (const base of value.split(',').map((b) => b.trim())) {
    const url = parseUrl(base);
    if (!url || !/^https?:$/.test(url.protocol) || (url.pathname !== '/' && url.pathname !== '') || url.search) {
      return `“${base}”不是服务地址：应只写协议和主机，逗号分隔，例如 https://qyapi.weixin.qq.com,https://zwwx.example.gov.cn`;
    }
    if (url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return `“${base}”应使用 https://（http 只用于本机）`;
  }
  return undefined;
};

/** name=TemplateCode pairs: assignment=SMS_123456789,rungs=SMS_123456790 */
function parseSmsTemplates(value: string): { codes: Partial<Record<SmsTemplateName, string>> } | { problem: string } {
  const codes: Partial<Record<SmsTemplateName, string>> = {};
  for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, code] = pair.split('=').map((s) => s.trim());
    if (!(SMS_TEMPLATE_NAMES as readonly string[]).includes(name)) return { problem: `未知的模板名称“${name}”（应为 ${SMS_TEMPLATE_NAMES.join('、')} 之一）` };
    if (!/^SMS_\d{6,}$/.test(code ?? '')) return { problem: `${name} 的模板编号“${code ?? ''}”无效（应如 SMS_123456789，见短信服务控制台）` };
    codes[name as SmsTemplateName] = code;
  }
  return Object.keys(codes).length ? { codes } : { problem: '至少写一个模板，格式 名称=模板编号，例如 assignment=SMS_123456789,rungs=SMS_123456790' };
}
const checkSmsTemplates = (value: string) => {
  const parsed = parseSmsTemplates(value);
  return 'problem' in parsed ? parsed.problem : undefined;
};
const checkSmsSignName = (value: string) => (/^[\u4e00-\u9fa5A-Za-z0-9]{2,12}$/.test(value) ? undefined : '短信签名应为 2 到 12 个汉字、字母或数字（不含【】），与短信服务控制台审核通过的一致');

const channelEnvShape = {
  ALIYUN_SMS_ACCESS_KEY_ID: optional(),
  ALIYUN_SMS_ACCESS_KEY_SECRET: optional(),
  ALIYUN_SMS_SIGN_NAME: optional(checkSmsSignName),
  ALIYUN_SMS_TEMPLATES: optional(checkSmsTemplates),
  ALIYUN_SMS_ENDPOINT: optional(checkHttpUrl),
  WECOM_WEBHOOK_BASES: optional(checkRobotBases),
  DINGTALK_WEBHOOK_BASES: optional(checkRobotBases),
  ROBOT_MESSAGES_PER_MINUTE: integer(1, 600, 20),
};
const ALIYUN_SMS_VARIABLES = ['ALIYUN_SMS_ACCESS_KEY_ID', 'ALIYUN_SMS_ACCESS_KEY_SECRET', 'ALIYUN_SMS_SIGN_NAME', 'ALIYUN_SMS_TEMPLATES'] as const;

// ---- the schema ---------------------------------------------------------------------------

/** The variables, as read from the environment. Unknown variables are ignored. */
export const envSchema = z.object({
  TEMPORAL_ADDRESS: required('temporal:7233', checkHostPort),
  TEMPORAL_NAMESPACE: optional(checkNamespace),
  TEMPORAL_API_KEY: optional(),
  TEMPORAL_TLS: boolean(),
  TEMPORAL_TLS_CERT: optional(checkReadableFile),
  TEMPORAL_TLS_KEY: optional(checkReadableFile),
  TEMPORAL_TLS_CA: optional(checkReadableFile),
  TEMPORAL_TLS_SERVER_NAME: optional(),
  DATABASE_URL: required('postgres://chuangwen:密码@app-db:5432/chuangwen', checkDatabaseUrl),
  PG_POOL_MAX: integer(1, 500, 10),
  SMTP_URL: required('smtp://mailpit:1025 或 smtps://用户名:密码@smtp.example.gov.cn:465', checkSmtpUrl),
  SMTP_MAX_CONNECTIONS: integer(1, 100, 16),
  MAIL_FROM: optional(checkMailFrom),
  PUBLIC_URL: required('https://chuangwen.example.gov.cn', checkPublicUrl),
  LINK_SECRET: required('openssl rand -base64 48 生成的 32 字节以上的随机串', checkSecret),
  WORKER_MAX_CONCURRENT_ACTIVITIES: integer(1, 10_000, 20),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: integer(2, 10_000, 40),
  WORKER_MAX_CACHED_WORKFLOWS: integer(0, 1_000_000, 1_000),
  WORKER_SHUTDOWN_GRACE_SECONDS: integer(0, 3_600, 30),
  WORKFLOW_BUNDLE_PATH: optional(checkReadableFile),
  METRICS_PORT: integer(0, 65_535, 9464),
  HEALTH_PORT: integer(1, 65_535, 8080),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof blankIsMissing(value) === 'string' ? (value as string).trim().toLowerCase() : undefined),
    z.enum(LOG_LEVELS, { error: `必须是 ${LOG_LEVELS.join('、')} 之一` }).default('info'),
  ),
  ...channelEnvShape,
});

export type Env = z.output<typeof envSchema>;

export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  apiKey?: string;
  /** false: plain connection; otherwise TLS, with a client certificate for mTLS when given. */
  tls: false | { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
}

export interface Config {
  temporal: TemporalConnectionConfig;
  databaseUrl: string;
  pgPoolMax: number;
  smtpUrl: string;
  /** SMTP connections the worker's pooled transport opens at most (notices issued in bulk use them all). */
  smtpMaxConnections: number;
  /** Sender of every notice; unset: each campaign office's own address. */
  mailFrom?: string;
  /** Base of the links in emails, without a trailing slash. */
  publicUrl: string;
  linkSecret: string;
  worker: {
    maxConcurrentActivityTaskExecutions: number;
    maxConcurrentWorkflowTaskExecutions: number;
    maxCachedWorkflows: number;
    shutdownGraceSeconds: number;
  };
  workflowBundlePath?: string;
  /** 0: no metrics endpoint. May equal healthPort: then one server answers both. */
  metricsPort: number;
  healthPort: number;
  logLevel: AppLogLevel;
  channels: ChannelConfig;
}

/** Checks that need two variables at once; on the raw environment, so they add to the others. */
function crossProblems(raw: NodeJS.ProcessEnv): ConfigProblem[] {
  const get = (name: string) => {
    const value = blankIsMissing(raw[name]);
    return typeof value === 'string' ? value.trim() : undefined;
  };
  const problems: ConfigProblem[] = [];
  if (get('TEMPORAL_TLS_CERT') && !get('TEMPORAL_TLS_KEY')) {
    problems.push({ variable: 'TEMPORAL_TLS_KEY', message: '设置了 TEMPORAL_TLS_CERT 时必须同时给出私钥文件' });
  }
  if (get('TEMPORAL_TLS_KEY') && !get('TEMPORAL_TLS_CERT')) {
    problems.push({ variable: 'TEMPORAL_TLS_CERT', message: '设置了 TEMPORAL_TLS_KEY 时必须同时给出证书文件' });
  }
  const wantsTls = Boolean(get('TEMPORAL_API_KEY') || get('TEMPORAL_TLS_CERT') || get('TEMPORAL_TLS_CA'));
  if (/^(false|0|no|off)$/i.test(get('TEMPORAL_TLS') ?? '') && wantsTls) {
    problems.push({
      variable: 'TEMPORAL_TLS',
      message: '为 false，但设置了 TEMPORAL_API_KEY 或 TLS 证书：API 密钥和证书只能经 TLS 传输',
    });
  }
  const smsSet = ALIYUN_SMS_VARIABLES.filter((name) => get(name));
  if (smsSet.length > 0) {
    for (const name of ALIYUN_SMS_VARIABLES) {
      if (!get(name)) problems.push({ variable: name, message: `设置了 ${smsSet.join('、')} 时必须同时设置（阿里云短信需要 AccessKey、签名和模板编号）` });
    }
  }
  return problems;
}

function toChannelConfig(env: z.output<z.ZodObject<typeof channelEnvShape>>): ChannelConfig {
  const list = (value: string | undefined, fallback: string) => (value ?? fallback).split(',').map((b) => b.trim().replace(/\/+$/, ''));
  const templates = env.ALIYUN_SMS_TEMPLATES ? parseSmsTemplates(env.ALIYUN_SMS_TEMPLATES) : undefined;
  return {
    sms:
      env.ALIYUN_SMS_ACCESS_KEY_ID && env.ALIYUN_SMS_ACCESS_KEY_SECRET && env.ALIYUN_SMS_SIGN_NAME && templates && 'codes' in templates
        ? {
            provider: 'aliyun',
            accessKeyId: env.ALIYUN_SMS_ACCESS_KEY_ID,
            accessKeySecret: env.ALIYUN_SMS_ACCESS_KEY_SECRET,
            signName: env.ALIYUN_SMS_SIGN_NAME,
            templateCodes: templates.codes,
            endpoint: env.ALIYUN_SMS_ENDPOINT,
          }
        : undefined,
    robotBases: { wecom: list(env.WECOM_WEBHOOK_BASES, DEFAULT_ROBOT_BASES.wecom), dingtalk: list(env.DINGTALK_WEBHOOK_BASES, DEFAULT_ROBOT_BASES.dingtalk) },
    robotMessagesPerMinute: env.ROBOT_MESSAGES_PER_MINUTE,
  };
}

/**
 * The channels' part of the configuration alone (the embedded stack, which configures the rest
 * itself); throws ConfigError like loadConfig.
 */
export function loadChannelConfig(env: NodeJS.ProcessEnv = process.env): ChannelConfig {
  const parsed = z.object(channelEnvShape).safeParse(env);
  const problems: ConfigProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '（未知）'), message: issue.message }));
  problems.push(...crossProblems(env).filter((p) => p.variable in channelEnvShape));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return toChannelConfig(parsed.data);
}

function toConfig(env: Env): Config {
  const tlsOn = env.TEMPORAL_TLS ?? Boolean(env.TEMPORAL_API_KEY || env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA);
  return {
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE ?? 'default',
      apiKey: env.TEMPORAL_API_KEY,
      tls: tlsOn
        ? {
            certPath: env.TEMPORAL_TLS_CERT,
            keyPath: env.TEMPORAL_TLS_KEY,
            caPath: env.TEMPORAL_TLS_CA,
            serverName: env.TEMPORAL_TLS_SERVER_NAME,
          }
        : false,
    },
    databaseUrl: env.DATABASE_URL,
    pgPoolMax: env.PG_POOL_MAX,
    smtpUrl: env.SMTP_URL,
    smtpMaxConnections: env.SMTP_MAX_CONNECTIONS,
    mailFrom: env.MAIL_FROM,
    publicUrl: env.PUBLIC_URL.replace(/\/+$/, ''),
    linkSecret: env.LINK_SECRET,
    worker: {
      maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
      shutdownGraceSeconds: env.WORKER_SHUTDOWN_GRACE_SECONDS,
    },
    workflowBundlePath: env.WORKFLOW_BUNDLE_PATH,
    metricsPort: env.METRICS_PORT,
    healthPort: env.HEALTH_PORT,
    logLevel: env.LOG_LEVEL,
    channels: toChannelConfig(env),
  };
}

/** Reads and checks the configuration; throws ConfigError listing every problem, in schema order. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const problems: ConfigProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '（未知）'), message: issue.message }));
  problems.push(...crossProblems(env));
  if (!parsed.success || problems.length > 0) {
    const order = Object.keys(envSchema.shape);
    problems.sort((a, b) => order.indexOf(a.variable) - order.indexOf(b.variable));
    throw new ConfigError(problems);
  }
  return toConfig(parsed.data);
}

/**
 * Options for NativeConnection.connect (worker) and Connection.connect (clients) from the
 * configuration: TLS with the certificate files read now, and the API key when set.
 */
export interface TemporalConnectOptions {
  address: string;
  apiKey?: string;
  tls: false | TLSConfig;
}

export async function temporalConnectOptions(temporal: TemporalConnectionConfig): Promise<TemporalConnectOptions> {
  const { readFile } = await import('node:fs/promises');
  const tls = temporal.tls;
  return {
    address: temporal.address,
    apiKey: temporal.apiKey,
    tls:
      tls === false
        ? false
        : {
            serverNameOverride: tls.serverName,
            serverRootCACertificate: tls.caPath ? await readFile(tls.caPath) : undefined,
            clientCertPair:
              tls.certPath && tls.keyPath ? { crt: await readFile(tls.certPath), key: await readFile(tls.keyPath) } : undefined,
          },
  };
}
