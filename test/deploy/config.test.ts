// worker/config.ts: the environment is checked once, every problem reported at once by variable.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadConfig, temporalConnectOptions } from '../../worker/config.js';
import { REPO_ROOT, WORKER_COMMAND } from './worker-process.js';

const VALID = {
  TEMPORAL_ADDRESS: 'temporal:7233',
  DATABASE_URL: 'postgres://chuangwen:secret@app-db:5432/chuangwen',
  SMTP_URL: 'smtps://notices%40beihai.gov.cn:p%40ss@smtp.beihai.gov.cn:465',
  PUBLIC_URL: 'https://chuangwen.beihai.gov.cn/',
  LINK_SECRET: 'a-link-secret-of-forty-characters-000000',
};

function problemsOf(env: Record<string, string | undefined>) {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the environment');
}

let dir: string;
let cert: string;
let key: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-config-'));
  cert = path.join(dir, 'client.pem');
  key = path.join(dir, 'client.key');
  await writeFile(cert, 'CERT');
  await writeFile(key, 'KEY');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('accepts a complete environment and fills in the defaults', () => {
    const config = loadConfig(VALID);
    expect(config).toMatchObject({
      temporal: { address: 'temporal:7233', namespace: 'default', tls: false },
      databaseUrl: VALID.DATABASE_URL,
      pgPoolMax: 10,
      smtpUrl: VALID.SMTP_URL,
      publicUrl: 'https://chuangwen.beihai.gov.cn', // trailing slash dropped: links are built as `${publicUrl}/…`
      worker: {
        maxConcurrentActivityTaskExecutions: 20,
        maxConcurrentWorkflowTaskExecutions: 40,
        maxCachedWorkflows: 1000,
        shutdownGraceSeconds: 30,
      },
      metricsPort: 9464,
      healthPort: 8080,
      logLevel: 'info',
    });
    expect(config.mailFrom).toBeUndefined();
  });

  it('names every missing required variable, all at once, in Chinese', () => {
    const problems = problemsOf({});
    expect(problems.map((p) => p.variable)).toEqual(['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL', 'PUBLIC_URL', 'LINK_SECRET']);
    for (const p of problems) expect(p.message).toMatch(/^未设置（必填）/);
    // Blank is missing too.
    expect(problemsOf({ ...VALID, DATABASE_URL: '  ' }).map((p) => p.variable)).toEqual(['DATABASE_URL']);
  });

  it('names every invalid variable, all at once, without echoing a value', () => {
    const env = {
      TEMPORAL_ADDRESS: 'temporal',
      TEMPORAL_NAMESPACE: 'bad namespace',
      DATABASE_URL: 'mysql://root:hunter2@db/app',
      PG_POOL_MAX: '0',
      SMTP_URL: 'smtp://user-without-password@smtp.example.org',
      MAIL_FROM: 'not an address',
      PUBLIC_URL: 'chuangwen.example.org',
      LINK_SECRET: 'too-short-hunter2',
      WORKER_MAX_CONCURRENT_ACTIVITIES: 'many',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1',
      WORKER_MAX_CACHED_WORKFLOWS: '-5',
      WORKER_SHUTDOWN_GRACE_SECONDS: '2.5',
      METRICS_PORT: '70000',
      HEALTH_PORT: '0',
      LOG_LEVEL: 'verbose',
      TEMPORAL_TLS: 'maybe',
      TEMPORAL_TLS_CA: '/nonexistent/ca.pem',
      WORKFLOW_BUNDLE_PATH: '/nonexistent/bundle.js',
    };
    const problems = problemsOf(env);
    expect(new Set(problems.map((p) => p.variable))).toEqual(new Set(Object.keys(env)));
    const text = new ConfigError(problems).message;
    expect(text).not.toContain('hunter2');
    expect(text).toContain('环境变量配置有误');
    expect(problems.find((p) => p.variable === 'LINK_SECRET')?.message).toContain('至少 32 个字符');
    expect(problems.find((p) => p.variable === 'TEMPORAL_TLS_CA')?.message).toBe('文件不存在');
  });

  it('reports problems in the order of the schema, whatever the order of the environment', () => {
    const problems = problemsOf({ LINK_SECRET: 'x', TEMPORAL_ADDRESS: 'x' });
    const order = Object.keys(envSchema.shape);
    const indices = problems.map((p) => order.indexOf(p.variable));
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
  });

  it('turns TLS on for an API key or a client certificate, and wants certificate and key together', async () => {
    const cloud = loadConfig({ ...VALID, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'key' });
    expect(cloud.temporal.tls).toEqual({});
    expect(await temporalConnectOptions(cloud.temporal)).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', apiKey: 'key', tls: {} });

    const mtls = loadConfig({ ...VALID, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key });
    const options = await temporalConnectOptions(mtls.temporal);
    const pair = options.tls ? options.tls.clientCertPair : undefined;
    expect(Buffer.from(pair!.crt).toString()).toBe('CERT');
    expect(Buffer.from(pair!.key).toString()).toBe('KEY');

    expect(problemsOf({ ...VALID, TEMPORAL_TLS_CERT: cert })).toEqual([
      { variable: 'TEMPORAL_TLS_KEY', message: expect.stringContaining('TEMPORAL_TLS_CERT') },
    ]);
    expect(problemsOf({ ...VALID, TEMPORAL_API_KEY: 'key', TEMPORAL_TLS: 'false' }).map((p) => p.variable)).toEqual(['TEMPORAL_TLS']);
    // Cross-variable problems come with the others, not after them are fixed.
    expect(problemsOf({ TEMPORAL_TLS_KEY: key }).map((p) => p.variable)).toContain('TEMPORAL_TLS_CERT');
  });

  it('stops worker/main.ts before it touches anything, exit code 1, every problem on stderr', () => {
    const result = spawnSync(WORKER_COMMAND[0], WORKER_COMMAND.slice(1), {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SMTP_URL: 'http://mail', LOG_LEVEL: 'debug' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    for (const variable of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL', 'PUBLIC_URL', 'LINK_SECRET']) {
      expect(result.stderr).toContain(`- ${variable}：`);
    }
    expect(result.stderr).toContain('环境变量配置有误（5 处）');
  });
});
