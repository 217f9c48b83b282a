// Real-time runs on the Temporal dev server (persistent SQLite), and the same load on pg-boss.
//
// One run = one fresh stack (PostgreSQL database, SMTP sink, Temporal dev server with a new SQLite
// file, a worker process) and one load of N tasks, measured in two phases:
//
//   start   `campaign start` (startCampaign, or the baseline's insert + jobs) until the SMTP sink
//           has accepted every assignment mail: tasks per second; worker RSS with N tasks open;
//   lapse   every task's deadline lapses at a chosen instant T (atOnce) or one second apart over
//           a window (spread); per task, latency = SMTP acceptance of its overdue mail − the
//           instant its deadline lapsed. T is placed after the start phase is expected to end;
//           a run where it was not is flagged `overlap`.
//
// A run that stops early (the definition or the start refused, assignment or overdue mails still
// missing when the time limit passes) says why in `stopReason`; bench/run.ts keeps it out of the
// medians. Memory of every process (bench/processes.ts) is sampled from the moment the stack is up
// until it is taken down.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startCampaign } from '../client/campaigns.js';
import { insertCampaign } from '../db/campaigns.js';
import { TASK_QUEUE, taskWorkflowId } from '../domain/ids.js';
import { RectificationWorkflow } from '../workflows/rectification.js';
import type { CampaignDefinition } from '../domain/definition.js';
import { freePort } from '../stack/ports.js';
import { startDevServer } from '../stack/temporal-dev-server.js';
import { startBaselineCampaign, startBoss, type BaselineConfig } from './baseline-pgboss.js';
import {
  acceptedMail,
  addDays,
  benchCampaigns,
  civilDate,
  CpuMeter,
  dropDatabase,
  freshDatabase,
  MemorySampler,
  postmasterPid,
  procMemory,
  quantile,
  round,
  sleep,
  sqliteBytes,
  waitForMail,
} from './common.js';
import type { DeadlineMap } from './deadline-map.js';
import { withDriver, type Components } from './processes.js';
import { startSinkProcess, startWorkerProcess, type WorkerHandle } from './worker-handle.js';
import type { WorkerProcessConfig } from './worker-process.js';

export interface DevRunOptions {
  system: 'chuangwen' | 'pg-boss';
  tasks: number;
  mode: 'atOnce' | 'spread';
  /** spread: deadlines one second apart over this many seconds. */
  spreadSeconds: number;
  perCampaign: number;
  /** Expected start rate (tasks/s), to place the lapse after the start phase. */
  expectedRate: number;
  serverUrl: string;
  bundlePath: string;
  tuning?: Record<string, unknown>;
  /** The workers' PostgreSQL pool (chuangwen and pg-boss alike); default: the production worker's. */
  poolSize?: number;
  baseline: Pick<BaselineConfig, 'batchSize' | 'loops' | 'pollingIntervalSeconds'>;
  /** campaign: startCampaign (children of the campaign workflow); direct: the client starts each task's workflow. */
  startMode: 'campaign' | 'direct';
  /** Give up waiting for the assignments after this long (the run is then reported incomplete). */
  startLimitMs: number;
  log: (line: string) => void;
}

export async function devServerRun(o: DevRunOptions): Promise<Record<string, unknown>> {
  const name = `bench_${o.system.replace('-', '')}_${o.tasks}_${Date.now()}`;
  const { url, db } = await freshDatabase(o.serverUrl, name);
  const cleanups: (() => Promise<unknown>)[] = [() => dropDatabase(o.serverUrl, name), () => db.end()];
  let sampler: MemorySampler | undefined;
  const run: Record<string, unknown> = { mode: o.mode, ...(o.mode === 'spread' ? { spreadSeconds: o.spreadSeconds } : {}) };
  try {
    const sink = await startSinkProcess(url, { log: o.log });
    cleanups.unshift(() => sink.stop());
    const now = Date.now();
    const today = civilDate(now);
    const baseDate = addDays(today, 30);
    const steps = o.mode === 'spread' ? o.spreadSeconds : 1;
    const expectedStartMs = (o.tasks / o.expectedRate) * 1000;
    const leadMs = 15_000 + Math.max(15_000, Math.min(expectedStartMs * 1.5, o.startLimitMs));
    const map: DeadlineMap = { baseDate, baseInstant: now + leadMs, stepMs: 1000, steps };
    const deadlineOf = (i: number) => addDays(baseDate, i % steps);
    const instantOf = (i: number) => map.baseInstant + (i % steps) * map.stepMs;
    let definitions: CampaignDefinition[];
    try {
      definitions = benchCampaigns({ count: o.tasks, perCampaign: o.perCampaign, start: addDays(today, -1), end: addDays(today, 400), deadlineOf });
    } catch (error) {
      // The definition itself is refused (e.g. its size): what a user starting it would be told.
      run.startError = `definition refused: ${(error as Error).message.slice(0, 400)}`;
      run.stopReason = 'refused: the definition';
      return run;
    }
    run.campaigns = definitions.length;

    // Stack
    let worker: WorkerHandle;
    let serverPids: () => Promise<number[]> = async () => [];
    let startLoad: (defs: CampaignDefinition[]) => Promise<void>;
    let sqliteFile: string | undefined;
    if (o.system === 'chuangwen') {
      const dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-bench-temporal-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const server = await startDevServer({ dataDir: dir, port: await freePort(), uiPort: await freePort(), logLevel: 'error' });
      cleanups.unshift(() => server.stop());
      sqliteFile = server.dbFile;
      serverPids = async () => [server.pid];
      const connection = await Connection.connect({ address: server.address });
      cleanups.unshift(() => connection.close());
      const client = new Client({ connection });
      const config: WorkerProcessConfig = {
        address: server.address,
        databaseUrl: url,
        smtpUrl: sink.url,
        bundlePath: o.bundlePath,
        tuning: o.tuning,
        deadlineMap: map,
        poolSize: o.poolSize,
      };
      worker = await startWorkerProcess('./worker-process.ts', config, { log: o.log });
      startLoad =
        o.startMode === 'campaign'
          ? async (defs) => {
              await Promise.all(defs.map((d) => startCampaign(client, d)));
            }
          : async (defs) => {
              // The experiment behind a proposed change: no child starts, the client starts each task.
              for (const d of defs) await insertCampaign(db, d);
              const all = defs.flatMap((d) => d.tasks.map((task) => ({ d, task })));
              let next = 0;
              const lane = async () => {
                while (next < all.length) {
                  const { d, task } = all[next++];
                  await client.workflow.start(RectificationWorkflow, {
                    workflowId: taskWorkflowId(d.id, task.id),
                    taskQueue: TASK_QUEUE,
                    args: [{ campaignId: d.id, timeZone: d.timeZone, task }],
                  });
                }
              };
              await Promise.all(Array.from({ length: 20 }, lane));
            };
    } else {
      const boss = await startBoss(url);
      cleanups.unshift(() => boss.stop({ graceful: false, wait: true }));
      const config: BaselineConfig = { databaseUrl: url, smtpUrl: sink.url, deadlineMap: map, poolSize: o.poolSize, ...o.baseline };
      worker = await startWorkerProcess('./baseline-pgboss.ts', config, { log: o.log });
      startLoad = async (defs) => {
        await Promise.all(defs.map((d) => startBaselineCampaign(boss, db, d)));
      };
    }
    cleanups.unshift(() => worker.stop());
    const postmaster = await postmasterPid(o.serverUrl);
    const components = async (): Promise<Components> =>
      withDriver({
        worker: { roots: [worker.pid] },
        ...(o.system === 'chuangwen' ? { temporalServer: { roots: await serverPids() } } : {}),
        postgres: { roots: postmaster ? [postmaster] : [], reaped: true },
        smtpSink: { roots: [sink.pid] },
      });
    const cpu = new CpuMeter(components);
    sampler = new MemorySampler(components).start();

    // Phase 1: start
    await sleep(2000);
    const idle = await procMemory(worker.pid);
    run.workerIdleRssMiB = round(idle.rssMiB, 1);
    await cpu.begin();
    const t0 = Date.now();
    try {
      await startLoad(definitions);
    } catch (error) {
      run.startError = (error as Error).message.slice(0, 300);
      run.stopReason = `refused: ${String(run.startError).slice(0, 120)}`;
      o.log(`  start refused: ${run.startError}`);
      return run;
    }
    run.startCallMs = Date.now() - t0;
    const limit = Math.min(o.startLimitMs, Math.max(120_000, expectedStartMs * 6));
    const started = await waitForMail(db, 'assignment', o.tasks, limit, (n) => o.log(`  assignments accepted: ${n}/${o.tasks}`));
    const startCpu = await cpu.end();
    run.startCpuSeconds = startCpu;
    run.startCpuMsPerTask = round((startCpu.total * 1000) / Math.max(1, started.n), 1);
    run.assignmentsAccepted = started.n;
    run.assignmentMessages = started.messages;
    run.startSeconds = round((started.last - t0) / 1000, 2);
    run.tasksPerSecond = round(started.n / ((started.last - t0) / 1000), 1);
    run.startComplete = started.complete;
    run.startStats = await worker.stats();
    o.log(`  start: ${started.n} assignments in ${run.startSeconds} s → ${run.tasksPerSecond} tasks/s`);
    await sleep(3000);
    const open = await procMemory(worker.pid);
    run.workerOpenRssMiB = round(open.rssMiB, 1);
    run.workerKiBPerOpenTask = round(((open.rssMiB - idle.rssMiB) * 1024) / Math.max(1, started.n), 1);
    const servers = await serverPids();
    if (servers.length) run.serverRssMiB = round((await procMemory(servers[0])).rssMiB, 1);
    if (sqliteFile) {
      const bytes = await sqliteBytes(sqliteFile);
      run.temporalSqliteBytesPerTask = Math.round(bytes / Math.max(1, started.n));
    }
    if (!started.complete) {
      run.stopReason = `timeout: ${started.n} of ${o.tasks} assignment mails accepted within ${Math.round(limit / 1000)} s`;
      return run;
    }

    // Phase 2: lapse
    run.overlap = Date.now() > map.baseInstant;
    if (run.overlap) o.log('  the deadlines lapsed before the start phase ended (overlap)');
    const wait = map.baseInstant - Date.now();
    if (wait > 0) await sleep(wait);
    await cpu.begin();
    const windowMs = (steps - 1) * map.stepMs;
    const lapse = await waitForMail(db, 'overdue', o.tasks, windowMs + Math.max(120_000, expectedStartMs * 4), (n) =>
      o.log(`  overdue accepted: ${n}/${o.tasks}`),
    );
    run.lapseCpuSeconds = await cpu.end();
    run.lapseStats = await worker.stats();
    const taskIndex = (taskId: string) => Number(taskId.slice(1));
    const latencies = (await acceptedMail(db, 'overdue')).map((m) => (m.receivedAt - instantOf(taskIndex(m.taskId))) / 1000);
    run.overdueAccepted = latencies.length;
    run.overdueMessages = lapse.messages;
    run.lapseComplete = lapse.complete;
    run.latencyP50 = round(quantile(latencies, 0.5), 3);
    run.latencyP95 = round(quantile(latencies, 0.95), 3);
    run.latencyP99 = round(quantile(latencies, 0.99), 3);
    run.latencyMax = round(quantile(latencies, 1), 3);
    run.lastOverdueAfterLapseSeconds = round((lapse.last - map.baseInstant - windowMs) / 1000, 2);
    if (!lapse.complete) run.stopReason = `timeout: ${lapse.n} of ${o.tasks} overdue mails accepted`;
    o.log(`  lapse (${o.mode}): p50 ${run.latencyP50} s, p95 ${run.latencyP95} s, p99 ${run.latencyP99} s, max ${run.latencyMax} s`);
    return run;
  } catch (error) {
    run.error = (error as Error).stack?.slice(0, 1000) ?? String(error);
    run.stopReason = `error: ${(error as Error).message.slice(0, 200)}`;
    return run;
  } finally {
    if (sampler) run.memory = await sampler.stop();
    for (const c of cleanups) await c().catch((error) => o.log(`  cleanup: ${(error as Error).message}`));
  }
}

/** Writes the workflow bundle once, for every worker process of the benchmark. */
export async function writeBundle(code: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-bench-bundle-'));
  const file = path.join(dir, 'workflow-bundle.js');
  await writeFile(file, code);
  return { path: file, remove: () => rm(dir, { recursive: true, force: true }) };
}
