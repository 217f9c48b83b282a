// worker/config.ts: the environment is checked once, every problem reported at once by variable.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadConfig, redactUrl, temporalConnectOptions } from '../../worker/config.js';
import { trustedProxies } from '../../client/web/trust-proxy.js';
import { writeRuntimeInfo } from '../../stack/runtime-info.js';
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
      smtpMaxConnections: 16,
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
    expect(problems.find((p) => p.variable === 'LINK_SECRET')?.message).toContain('至少 32 个字节');
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

  it('refuses a link secret once shipped as a default, or shorter than 32 bytes, naming LINK_SECRET', () => {
    for (const secret of ['local-trial-only-link-secret-change-me-0123456789', ' local-trial-only-link-secret-change-me-0123456789 ']) {
      const [problem] = problemsOf({ ...VALID, LINK_SECRET: secret });
      expect(problem).toEqual({ variable: 'LINK_SECRET', message: expect.stringContaining('公开默认值') });
      expect(new ConfigError([problem]).message).not.toContain('change-me');
    }
    // 31 bytes refused, 32 accepted; bytes, not characters: 11 Chinese characters are 33 bytes.
    expect(problemsOf({ ...VALID, LINK_SECRET: 'x'.repeat(31) })).toEqual([{ variable: 'LINK_SECRET', message: expect.stringContaining('至少 32 个字节') }]);
    expect(loadConfig({ ...VALID, LINK_SECRET: 'x'.repeat(32) }).linkSecret).toBe('x'.repeat(32));
    expect(loadConfig({ ...VALID, LINK_SECRET: '创'.repeat(11) }).linkSecret).toBe('创'.repeat(11));
  });

  it('stops the console (npm run console) on a default or short secret, or TRUST_PROXY=1, before it connects to anything', () => {
    const start = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'client/console-main.ts'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: 'postgres://127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1', ...env },
        encoding: 'utf8',
        timeout: 30_000,
      });
    const good = { LINK_SECRET: VALID.LINK_SECRET, SESSION_SECRET: 'a-session-secret-of-forty-characters-000' };
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...good, LINK_SECRET: 'local-trial-only-link-secret-change-me-0123456789' }, /LINK_SECRET 是曾经随项目发布的公开默认值/],
      [{ ...good, LINK_SECRET: 'sixteen-chars-ok' }, /LINK_SECRET 至少 32 个字节/],
      [{ ...good, SESSION_SECRET: 'short' }, /SESSION_SECRET 至少 32 个字节/],
      [{ ...good, TRUST_PROXY: '1' }, /TRUST_PROXY 不接受 1 或 true/],
      [{ ...good, TRUST_PROXY: 'proxy.example' }, /TRUST_PROXY 中的「proxy\.example」不是 IP 地址或网段/],
    ];
    for (const [env, message] of cases) {
      const result = start(env);
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^\[chuangwen 控制台\] 启动失败：/);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('数据库');
    }
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

describe('what the console and the worker print', () => {
  it('masks the password of SMTP_URL and DATABASE_URL', () => {
    expect(redactUrl('smtps://notices%40beihai.gov.cn:p%40ss@smtp.beihai.gov.cn:465')).toBe('smtps://notices%40beihai.gov.cn:***@smtp.beihai.gov.cn:465');
    expect(redactUrl('postgres://chuangwen:hunter2@app-db:5432/chuangwen')).toBe('postgres://chuangwen:***@app-db:5432/chuangwen');
    expect(redactUrl('smtp://mailpit:1025')).toBe('smtp://mailpit:1025');
  });

  it('trusts only the proxies TRUST_PROXY names', () => {
    expect(trustedProxies(undefined)).toBe(false);
    expect(trustedProxies('')).toBe(false);
    expect(trustedProxies('false')).toBe(false);
    expect(trustedProxies('127.0.0.1')).toEqual(['127.0.0.1']);
    expect(trustedProxies(' 10.0.0.0/8, 172.16.0.0/12 ,::1,loopback')).toEqual(['10.0.0.0/8', '172.16.0.0/12', '::1', 'loopback']);
    for (const bad of ['1', 'true', 'TRUE', '*']) expect(() => trustedProxies(bad)).toThrow(/TRUST_PROXY 不接受 1 或 true/);
    for (const bad of ['10.0.0.0/33', 'proxy', '10.0.0.1/8/1']) expect(() => trustedProxies(bad)).toThrow(/不是 IP 地址或网段/);
  });

  it('writes runtime.json (connection strings with passwords) readable by its owner only, also over an older file', async () => {
    const file = path.join(dir, 'runtime.json');
    await writeFile(file, '{}', { mode: 0o644 });
    const info = { temporalAddress: '127.0.0.1:7233', databaseUrl: 'postgres://chuangwen:hunter2@127.0.0.1:54329/chuangwen', smtpUrl: 'smtp://127.0.0.1:2525', pid: 1 };
    await writeRuntimeInfo(info, file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(info);
  });
});
