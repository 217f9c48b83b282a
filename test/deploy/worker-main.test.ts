// The production worker (worker/main.ts) run the way its container runs it, against real
// services: a Temporal dev server, PostgreSQL, the SMTP sink. Start, health, metrics, a campaign's
// first mail, graceful stop; then two workers on one task queue, one of them killed mid-way.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampaign } from '../../client/campaigns.js';
import { listMailbox } from '../../db/mailbox.js';
import { campaignWorkflowId, taskWorkflowId } from '../../domain/ids.js';
import { freePort } from '../../stack/ports.js';
import { startSmtpSink, type SmtpSink } from '../../stack/smtp-sink.js';
import { startDevServer, type DevServer } from '../../stack/temporal-dev-server.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import {
  describeWorker,
  exitWithin,
  httpStatus,
  startWorkerProcess,
  waitHealthy,
  type WorkerProcess,
} from './worker-process.js';

const GRACE_SECONDS = 10;

let dir: string;
let server: DevServer;
let connection: Connection;
let client: Client;
let bundlePath: string;
const started: WorkerProcess[] = [];

/** Distinct free loopback ports. */
async function ports(count: number): Promise<number[]> {
  const result = new Set<number>();
  while (result.size < count) result.add(await freePort());
  return [...result];
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-deploy-'));
  const [port, uiPort] = await ports(2);
  // What `npm run build` does for the image, once for every worker below.
  const [dev, bundle] = await Promise.all([
    startDevServer({ dataDir: path.join(dir, 'temporal'), port, uiPort }),
    bundleWorkflows(),
  ]);
  server = dev;
  bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: server.namespace });
});

afterAll(async () => {
  for (const worker of started) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await Promise.all(started.map((w) => w.exited));
  await connection?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function launch(database: TestDatabase, sink: SmtpSink, extra: Record<string, string> = {}): Promise<WorkerProcess> {
  const [health, metrics] = await ports(2);
  const worker = startWorkerProcess(
    {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      DATABASE_URL: database.url,
      PG_POOL_MAX: '5',
      SMTP_URL: sink.url,
      PUBLIC_URL: 'http://127.0.0.1:3000',
      LINK_SECRET: 'deploy-test-link-secret-0123456789abcdef',
      WORKFLOW_BUNDLE_PATH: bundlePath,
      WORKER_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
      LOG_LEVEL: 'debug',
      ...extra,
    },
    { health, metrics },
  );
  started.push(worker);
  return worker;
}

/** Ends a campaign and its tasks, so nothing of it is left for the next test's workers. */
async function terminateCampaign(def: { id: string; tasks: { id: string }[] }): Promise<void> {
  const ids = [campaignWorkflowId(def.id), ...def.tasks.map((t) => taskWorkflowId(def.id, t.id))];
  await Promise.all(ids.map((id) => client.workflow.getHandle(id).terminate('测试结束').catch(() => undefined)));
}

async function assignmentNumbers(database: TestDatabase, campaignId: string): Promise<number[]> {
  const { rows } = await database.db.query<{ document_number: string }>(
    `SELECT document_number FROM notices WHERE campaign_id = $1 AND kind = 'assignment'`,
    [campaignId],
  );
  return rows.map((r) => Number(/〕(\d+)号$/.exec(r.document_number)?.[1])).sort((a, b) => a - b);
}

describe('worker/main.ts, the production worker', () => {
  it('starts, answers /healthz and /metrics, sends a campaign’s assignment, and stops cleanly on SIGTERM', async () => {
    const database = await createTestDatabase();
    const sink = await startSmtpSink(database.db);
    try {
      const worker = await launch(database, sink);
      await waitHealthy(worker);

      const health = await httpStatus(worker.healthUrl);
      expect(health?.status).toBe(200);
      expect(JSON.parse(health!.body)).toEqual({ ok: true, worker: 'RUNNING', database: 'ok' });
      const metrics = await httpStatus(worker.metricsUrl);
      expect(metrics?.status).toBe(200);
      expect(metrics!.body).toContain('chuangwen_notices_sent_total'); // ours (prom-client)
      expect(metrics!.body).toContain('process_cpu_user_seconds_total'); // Node.js process
      expect(metrics!.body).toMatch(/^temporal_\w+/m); // the SDK's, merged in
      expect(worker.logs.find((l) => l.msg === '使用预构建的工作流代码')).toBeTruthy();

      const today = new Date();
      const def = testDefinition({
        start: shanghaiDate(today, -1),
        end: shanghaiDate(today, 60),
        tasks: [{ id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) }],
      });
      await startCampaign(client, def);
      // A notice's messages go out together: the lead unit's is not necessarily the first received.
      const mail = await waitFor(
        async () => (await listMailbox(database.db, { to: 'zf@test.example.org' }))[0],
        'the assignment mail',
        20_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${describeWorker(worker)}`);
      });
      expect(mail.subject).toContain('交办');
      expect(mail.envelope_to).toContain('zf@test.example.org');
      expect(await assignmentNumbers(database, def.id)).toEqual([1]);

      // Graceful stop: the process ends by itself, with 0, well within the grace time.
      const stopAt = Date.now();
      worker.child.kill('SIGTERM');
      const exit = await exitWithin(worker, (GRACE_SECONDS + 5) * 1_000);
      expect(exit, describeWorker(worker)).toEqual({ code: 0, signal: null });
      expect(Date.now() - stopAt).toBeLessThan(GRACE_SECONDS * 1_000);
      expect(worker.logs.map((l) => l.msg)).toContain('工作进程已停止，进行中的任务均已完成');
      await terminateCampaign(def);
    } finally {
      await sink.stop();
      await database.drop();
    }
  });

  it('shares one task queue between two workers; killing one mid-way loses and doubles no notice', async () => {
    const database = await createTestDatabase();
    const sink = await startSmtpSink(database.db);
    try {
      const [a, b] = [await launch(database, sink), await launch(database, sink)];
      await Promise.all([waitHealthy(a), waitHealthy(b)]);

      const TASKS = 20;
      const today = new Date();
      const def = testDefinition({
        start: shanghaiDate(today, -1),
        end: shanghaiDate(today, 60),
        tasks: Array.from({ length: TASKS }, (_, i) => ({
          id: `t${String(i + 1).padStart(2, '0')}`,
          start: shanghaiDate(today, -1),
          deadline: shanghaiDate(today, 20),
        })),
      });
      // The first few deliveries fail after the sink stored them: their retries go out again with the
      // same Message-ID, as after a lost SMTP answer; it also spreads the work over a few seconds.
      sink.failAfterStoring(4);
      await startCampaign(client, def);

      // Mid-way: once A has sent a notice and while notices are still owed, A dies without warning.
      await waitFor(async () => a.completedActivities('issueNotice') > 0, 'worker A to send a notice', 60_000);
      const sentBeforeKill = (await listMailbox(database.db)).length;
      const aIdentity = a.identity()!;
      a.child.kill('SIGKILL');
      expect(await exitWithin(a, 5_000)).toEqual({ code: null, signal: 'SIGKILL' });

      // What A was running stays "started" on the server until its start-to-close timeout (1 minute),
      // then Temporal retries it elsewhere. Fail those attempts now, as an operator could with
      // `temporal activity fail`, so that the retry on B happens within this test's time.
      const workflowIds = [campaignWorkflowId(def.id), ...def.tasks.map((t) => taskWorkflowId(def.id, t.id))];
      let rescued = 0;
      for (const workflowId of workflowIds) {
        const description = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
        for (const pending of description?.raw.pendingActivities ?? []) {
          if (pending.lastWorkerIdentity !== aIdentity || !pending.activityId) continue;
          await client.activity
            .fail({ workflowId, runId: description!.runId, activityId: pending.activityId }, new Error('工作进程被强制终止'))
            .then(() => rescued++)
            .catch(() => undefined); // finished meanwhile
        }
      }

      // Delivered: the sink stores a message before it answers, so a refused one is in the mailbox
      // already; done is when every outbox row is sent (the refused ones retried).
      const unsent = async () =>
        (await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status <> 'sent'`)).rows[0].n;
      // A notice owes one message to the lead unit (with its link) and others to the units and
      // people in copy, each with its own Message-ID.
      const owed = async () => (await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox`)).rows[0].n;
      await waitFor(
        async () =>
          (await assignmentNumbers(database, def.id)).length === TASKS &&
          (await listMailbox(database.db)).length === (await owed()) &&
          (await unsent()) === 0,
        'every assignment notice to be numbered and delivered',
        40_000,
      ).catch(async (error: Error) => {
        throw new Error(
          `${error.message}: ${(await listMailbox(database.db)).length} mails, ${(await assignmentNumbers(database, def.id)).length} notices\n${describeWorker(b)}`,
        );
      });

      // One mailbox row per message owed, the same messages for every notice, notices numbered
      // 1..20 without a gap or a repeat.
      const mailbox = await listMailbox(database.db);
      const perNotice = (await owed()) / TASKS;
      expect(Number.isInteger(perNotice) && perNotice >= 1).toBe(true);
      expect(mailbox).toHaveLength(TASKS * perNotice);
      expect(new Set(mailbox.map((m) => m.subject)).size).toBe(TASKS);
      expect(await assignmentNumbers(database, def.id)).toEqual(Array.from({ length: TASKS }, (_, i) => i + 1));
      // A repeated delivery is the same message (same Message-ID), counted on its one row.
      const redelivered = mailbox.filter((m) => m.deliveries > 1);
      expect(redelivered.length).toBeGreaterThanOrEqual(1); // the injected failures
      const { rows: outbox } = await database.db.query<{ status: string }>(
        `SELECT o.status FROM outbox o JOIN notices n ON n.id = o.notice_id WHERE n.campaign_id = $1`,
        [def.id],
      );
      expect(outbox.map((o) => o.status)).toEqual(Array(TASKS * perNotice).fill('sent'));

      // Both workers did work.
      expect(a.completedActivities()).toBeGreaterThan(0);
      expect(b.completedActivities()).toBeGreaterThan(0);
      console.info(
        `killed A after ${sentBeforeKill}/${TASKS} mails; A completed ${a.completedActivities()} activities ` +
          `(${a.completedActivities('issueNotice')} notices), B ${b.completedActivities()} (${b.completedActivities('issueNotice')}); ` +
          `${rescued} of A's attempts failed over; ${redelivered.length} mails delivered more than once`,
      );

      b.child.kill('SIGTERM');
      expect(await exitWithin(b, (GRACE_SECONDS + 5) * 1_000)).toEqual({ code: 0, signal: null });
      await terminateCampaign(def);
    } finally {
      await sink.stop();
      await database.drop();
    }
  });
});
