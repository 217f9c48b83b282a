// The worker's operations pieces on their own: health verdicts, the metrics page, the bundle loader.
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/pool.js';
import { loadWorkflowBundle } from '../../worker/bundle.js';
import { checkHealth, startOpsServer } from '../../worker/health.js';
import { createMetrics, renderMetrics } from '../../worker/metrics.js';

const answeringDb = { query: async () => ({ rows: [{ '?column?': 1 }] }) } as unknown as Db;
const hangingDb = { query: () => new Promise(() => {}) } as unknown as Db;
const failingDb = { query: async () => Promise.reject(new Error('connection refused')) } as unknown as Db;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-ops-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkHealth', () => {
  it('is healthy only when the worker runs and the database answers', async () => {
    expect(await checkHealth({ workerState: () => 'RUNNING', db: answeringDb })).toEqual({ ok: true, worker: 'RUNNING', database: 'ok' });
    expect(await checkHealth({ workerState: () => undefined, db: answeringDb })).toMatchObject({ ok: false, worker: 'STARTING' });
    expect(await checkHealth({ workerState: () => 'DRAINING', db: answeringDb })).toMatchObject({ ok: false, worker: 'DRAINING' });
    expect(await checkHealth({ workerState: () => 'RUNNING' })).toMatchObject({ ok: false, database: '尚未连接' });
    expect(await checkHealth({ workerState: () => 'RUNNING', db: failingDb })).toMatchObject({ ok: false, database: 'connection refused' });
    const started = Date.now();
    expect(await checkHealth({ workerState: () => 'RUNNING', db: hangingDb, timeoutMs: 200 })).toMatchObject({
      ok: false,
      database: '200 毫秒内无应答',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('startOpsServer', () => {
  it('answers /healthz with 200 or 503 and the report, /metrics with the exposition, anything else 404', async () => {
    let state: 'RUNNING' | 'STOPPING' = 'RUNNING';
    const metrics = createMetrics();
    metrics.noticeSent('assignment');
    const server = await startOpsServer(0, {
      health: () => checkHealth({ workerState: () => state, db: answeringDb }),
      metrics: () => renderMetrics(metrics),
    }, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${server.port}`;
      let response = await fetch(`${base}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, worker: 'RUNNING', database: 'ok' });
      state = 'STOPPING';
      response = await fetch(`${base}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ ok: false, worker: 'STOPPING' });
      response = await fetch(`${base}/metrics`);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toContain('chuangwen_notices_sent_total{kind="assignment"} 1');
      expect((await fetch(`${base}/nothing`)).status).toBe(404);
      expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});

describe('metrics', () => {
  it('counts notices, SMTP failures, escalations and activities', async () => {
    const metrics = createMetrics();
    metrics.noticeSent('reminder');
    metrics.noticeSent('reminder');
    metrics.smtpFailure();
    metrics.escalation(2);
    metrics.activityFinished('issueNotice', 'failed', 0.2);
    const text = (await renderMetrics(metrics)).body;
    expect(text).toContain('chuangwen_notices_sent_total{kind="reminder"} 2');
    expect(text).toContain('chuangwen_smtp_failures_total 1');
    expect(text).toContain('chuangwen_escalations_total{rung="2"} 1');
    expect(text).toContain('chuangwen_activity_executions_total{activity="issueNotice",outcome="failed"} 1');
    expect(text).toContain('chuangwen_activity_duration_seconds_count{activity="issueNotice"} 1');
  });

  it('appends the SDK exporter’s page, and still answers when that exporter does not', async () => {
    const sdk = createServer((_, response) => response.end('# TYPE temporal_num_pollers gauge\ntemporal_num_pollers 5\n'));
    await new Promise<void>((resolve) => sdk.listen(0, '127.0.0.1', resolve));
    const port = (sdk.address() as { port: number }).port;
    try {
      const metrics = createMetrics();
      const merged = (await renderMetrics(metrics, `http://127.0.0.1:${port}/metrics`)).body;
      expect(merged).toContain('chuangwen_smtp_failures_total 0\n');
      expect(merged.trimEnd().endsWith('temporal_num_pollers 5')).toBe(true);
    } finally {
      await new Promise((resolve) => sdk.close(resolve));
    }
    const alone = (await renderMetrics(createMetrics(), `http://127.0.0.1:${port}/metrics`)).body;
    expect(alone).toContain('chuangwen_smtp_failures_total 0');
    expect(alone).not.toContain('temporal_');
  });
});

describe('loadWorkflowBundle', () => {
  it('uses an explicit bundle file as it is, and refuses a missing one instead of bundling something else', async () => {
    const file = path.join(dir, 'bundle.js');
    await writeFile(file, '/* bundle */');
    expect(await loadWorkflowBundle({ path: file })).toEqual({ bundle: { code: '/* bundle */' }, source: 'prebuilt', detail: file });
    await expect(loadWorkflowBundle({ path: path.join(dir, 'missing.js') })).rejects.toThrow(/ENOENT/);
  });
});
