// The production worker's configuration: the environment only, checked once at start.
// Every problem is reported at once, each naming its variable, and no value is echoed back
// (several of them are secrets).
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { z } from 'zod';
import { secretProblem } from '../client/web/secrets.js';

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
  return problems;
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
