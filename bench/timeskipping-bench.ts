// Runs on the Temporal time-skipping test server: the timer path of escalation (all deadlines of N
// open tasks lapsing at one simulated instant) and a one-year campaign with scripted units.
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { endOfCivilDay } from '../services/calendar.js';
import { campaignHandle, runUpdate, startCampaign, taskHandle } from '../client/campaigns.js';
import { createPool } from '../db/pool.js';
import { freePort } from '../stack/ports.js';
import { installRuntime } from '../stack/runtime.js';
import { startSmtpSink } from '../stack/smtp-sink.js';
import { testServerExecutable } from '../stack/temporal-binaries.js';
import { acknowledgeUpdate, reportProgressUpdate, submitEvidenceUpdate, verifyUpdate } from '../workflows/messages.js';
import {
  acceptedMail,
  addDays,
  benchCampaigns,
  civilDate,
  CpuMeter,
  dropDatabase,
  findProcesses,
  freshDatabase,
  postgresPids,
  procMemory,
  quantile,
  round,
  tableFootprint,
  waitForMail,
  ZONE,
} from './common.js';
import { startWorkerProcess } from './worker-handle.js';
import type { WorkerProcessConfig } from './worker-process.js';

const DAY = 86_400_000;

interface Stack {
  env: TestWorkflowEnvironment;
  client: Client;
  db: ReturnType<typeof createPool>;
  serverPid: number;
  worker: Awaited<ReturnType<typeof startWorkerProcess>>;
  cpu: CpuMeter;
  stop(): Promise<void>;
}

async function timeSkippingStack(o: {
  serverUrl: string;
  name: string;
  bundlePath: string;
  tuning?: Record<string, unknown>;
  poolSize?: number;
  log: (line: string) => void;
}): Promise<Stack> {
  installRuntime();
  const { url, db } = await freshDatabase(o.serverUrl, o.name);
  const sinkDb = createPool(url, 10);
  const sink = await startSmtpSink(sinkDb);
  const before = new Set(await findProcesses((c) => c.startsWith('temporal-test'), process.pid));
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: await testServerExecutable(), port: await freePort() } });
  const serverPid = (await findProcesses((c) => c.startsWith('temporal-test'), process.pid)).find((p) => !before.has(p)) ?? -1;
  const config: WorkerProcessConfig = { address: env.address, databaseUrl: url, smtpUrl: sink.url, bundlePath: o.bundlePath, tuning: o.tuning, poolSize: o.poolSize };
  const worker = await startWorkerProcess('./worker-process.ts', config, { log: o.log });
  const cpu = new CpuMeter(async () => ({ worker: [worker.pid], server: [serverPid], postgres: await postgresPids(o.serverUrl), driverAndSink: [process.pid] }));
  return {
    env,
    client: env.client,
    db,
    serverPid,
    worker,
    cpu,
    async stop() {
      for (const step of [() => worker.stop(), () => env.teardown(), () => sink.stop(), () => sinkDb.end(), () => db.end(), () => dropDatabase(o.serverUrl, o.name)]) {
        await step().catch((error) => o.log(`  cleanup: ${(error as Error).message}`));
      }
    },
  };
}

export interface SkipRunOptions {
  tasks: number;
  perCampaign: number;
  serverUrl: string;
  bundlePath: string;
  tuning?: Record<string, unknown>;
  poolSize?: number;
  log: (line: string) => void;
}

/**
 * N tasks assigned, every deadline the same simulated instant; then the clock is let run past it.
 * Latency = SMTP acceptance (real time) − the real moment the skip past the deadline was asked
 * for: the time-skipping server fires all N timers at once at that moment.
 */
export async function timeSkippingLapseRun(o: SkipRunOptions): Promise<Record<string, unknown>> {
  const stack = await timeSkippingStack({ ...o, name: `bench_skip_${o.tasks}_${Date.now()}` });
  try {
    const simNow = await stack.env.currentTimeMs();
    const today = civilDate(simNow);
    const definitions = benchCampaigns({ count: o.tasks, perCampaign: o.perCampaign, start: addDays(today, -1), end: addDays(today, 400), deadlineOf: () => today });
    const t0 = Date.now();
    await Promise.all(definitions.map((d) => startCampaign(stack.client, d)));
    const started = await waitForMail(stack.db, 'assignment', o.tasks, Math.max(180_000, o.tasks * 100), (n) => o.log(`  assignments accepted: ${n}/${o.tasks}`));
    const run: Record<string, unknown> = { campaigns: definitions.length, assignmentsAccepted: started.n, startSeconds: round((started.last - t0) / 1000, 2) };
    run.tasksPerSecond = round(started.n / ((started.last - t0) / 1000), 1);
    if (!started.complete) return run;
    const deadlineAt = Date.parse(endOfCivilDay(today, ZONE));
    await stack.cpu.begin();
    const tSkip = Date.now();
    await stack.env.sleep(deadlineAt - (await stack.env.currentTimeMs()) + 1000);
    run.sleepReturnedSeconds = round((Date.now() - tSkip) / 1000, 2);
    const lapse = await waitForMail(stack.db, 'overdue', o.tasks, Math.max(180_000, o.tasks * 100), (n) => o.log(`  overdue accepted: ${n}/${o.tasks}`));
    run.lapseCpuSeconds = await stack.cpu.end();
    run.lapseStats = await stack.worker.stats();
    const latencies = (await acceptedMail(stack.db, 'overdue')).map((m) => (m.receivedAt - tSkip) / 1000);
    run.overdueAccepted = latencies.length;
    run.lapseComplete = lapse.complete;
    run.latencyP50 = round(quantile(latencies, 0.5), 3);
    run.latencyP95 = round(quantile(latencies, 0.95), 3);
    run.latencyP99 = round(quantile(latencies, 0.99), 3);
    run.latencyMax = round(quantile(latencies, 1), 3);
    o.log(`  time-skipping lapse: p50 ${run.latencyP50} s, p95 ${run.latencyP95} s, p99 ${run.latencyP99} s`);
    return run;
  } finally {
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// One year

export interface YearRunOptions extends SkipRunOptions {
  days: number;
  /** Stop (and say so) when the simulation takes longer than this. */
  limitMs: number;
  /** Updates in flight at once. */
  concurrency: number;
}

type Behaviour = 'responsive' | 'late' | 'failsOnce' | 'silent';

/** Half the units answer and finish early; a fifth finish late; some fail a check once; 15 % never answer. */
export function behaviourOf(i: number): Behaviour {
  const k = i % 20;
  return k < 10 ? 'responsive' : k < 14 ? 'late' : k < 17 ? 'failsOnce' : 'silent';
}

/** Day of the deadline, counted from the campaign's first day: spread over days 60..299. */
export const deadlineDayOf = (i: number) => 60 + ((i * 7919) % 240);

type Action = { kind: 'ack' } | { kind: 'report' } | { kind: 'evidence' } | { kind: 'verify'; passed: boolean };

/** What the unit of task i (and the office) does on day d. */
export function actionsOn(i: number, d: number): Action[] {
  const D = deadlineDayOf(i);
  const out: Action[] = [];
  switch (behaviourOf(i)) {
    case 'responsive':
      if (d === 0) out.push({ kind: 'ack' });
      if (d > 0 && d % 7 === 3 && d < D - 5) out.push({ kind: 'report' });
      if (d === D - 5) out.push({ kind: 'evidence' });
      if (d === D - 2) out.push({ kind: 'verify', passed: true });
      break;
    case 'late':
      if (d === 2) out.push({ kind: 'ack' });
      if (d > 2 && d % 14 === 5 && d < D + 10) out.push({ kind: 'report' });
      if (d === D + 10) out.push({ kind: 'evidence' });
      if (d === D + 13) out.push({ kind: 'verify', passed: true });
      break;
    case 'failsOnce':
      if (d === 1) out.push({ kind: 'ack' });
      if (d > 1 && d % 7 === 4 && d < D - 10) out.push({ kind: 'report' });
      if (d === D - 10) out.push({ kind: 'evidence' });
      if (d === D - 7) out.push({ kind: 'verify', passed: false });
      if (d === D - 6) out.push({ kind: 'report' });
      if (d === D - 4) out.push({ kind: 'evidence' });
      if (d === D - 1) out.push({ kind: 'verify', passed: true });
      break;
    case 'silent':
      break;
  }
  return out;
}

export async function yearRun(o: YearRunOptions): Promise<Record<string, unknown>> {
  const wallStart = Date.now();
  const stack = await timeSkippingStack({ ...o, name: `bench_year_${o.tasks}_${Date.now()}` });
  const run: Record<string, unknown> = { days: o.days };
  try {
    const simStart = await stack.env.currentTimeMs();
    const today = civilDate(simStart);
    const definitions = benchCampaigns({
      count: o.tasks,
      perCampaign: o.perCampaign,
      start: today,
      end: addDays(today, o.days),
      deadlineOf: (i) => addDays(today, deadlineDayOf(i)),
    });
    run.campaigns = definitions.length;
    const campaignOf = (i: number) => definitions[Math.floor(i / o.perCampaign)];
    await stack.cpu.begin();
    const t0 = Date.now();
    await Promise.all(definitions.map((d) => startCampaign(stack.client, d)));
    // Units act at 10:00 local time each day.
    const local = DateTime.fromMillis(simStart).setZone(ZONE);
    let morning = local.startOf('day').plus({ hours: 10 });
    if (morning <= local) morning = morning.plus({ days: 1 });
    await stack.env.sleep(morning.toMillis() - simStart);
    let updates = 0;
    let refused = 0;
    let day = 0;
    /** Where the wall time goes: the units' updates of each day, and the server skipping to the next. */
    let updatingMs = 0;
    let skippingMs = 0;
    const refusals: Record<string, number> = {};
    for (; day < o.days; day++) {
      if (Date.now() - t0 > o.limitMs) break;
      const todays: { i: number; a: Action }[] = [];
      for (let i = 0; i < o.tasks; i++) for (const a of actionsOn(i, day)) todays.push({ i, a });
      let next = 0;
      const lane = async () => {
        while (next < todays.length) {
          const { i, a } = todays[next++];
          const def = campaignOf(i);
          const taskId = `t${i}`;
          const unitId = def.tasks.find((t) => t.id === taskId)!.leadUnit;
          const handle = taskHandle(stack.client, def.id, taskId);
          try {
            if (a.kind === 'ack') await runUpdate(handle, acknowledgeUpdate, { unitId });
            else if (a.kind === 'report') await runUpdate(handle, reportProgressUpdate, { unitId, text: `第${day}天：已整改${day}处。` });
            else if (a.kind === 'evidence') await runUpdate(handle, submitEvidenceUpdate, { unitId, form: 'report', text: '整改完成情况说明。' });
            else await runUpdate(handle, verifyUpdate, { passed: a.passed, comment: a.passed ? undefined : '现场核查：仍有问题。', by: '创城办' });
            updates++;
          } catch (error) {
            refused++;
            const reason = (error as Error).message.slice(0, 60);
            refusals[`${a.kind}: ${reason}`] = (refusals[`${a.kind}: ${reason}`] ?? 0) + 1;
          }
        }
      };
      const beforeUpdates = Date.now();
      await Promise.all(Array.from({ length: o.concurrency }, lane));
      const beforeSleep = Date.now();
      await stack.env.sleep(DAY);
      updatingMs += beforeSleep - beforeUpdates;
      skippingMs += Date.now() - beforeSleep;
      if (day % 30 === 29) {
        const [w, s] = await Promise.all([procMemory(stack.worker.pid), procMemory(stack.serverPid)]);
        o.log(`  day ${day + 1}: ${Math.round((Date.now() - t0) / 1000)} s, worker ${Math.round(w.rssMiB)} MiB, test server ${Math.round(s.rssMiB)} MiB, ${updates} updates`);
      }
    }
    run.simulatedDays = day;
    run.complete = day >= o.days;
    run.wallSeconds = round((Date.now() - t0) / 1000, 1);
    run.wallSecondsWithSetup = round((Date.now() - wallStart) / 1000, 1);
    run.updates = updates;
    run.updatingSeconds = round(updatingMs / 1000, 1);
    run.skippingSeconds = round(skippingMs / 1000, 1);
    run.updatesRefused = refused;
    if (refused) run.refusals = refusals;
    run.cpuSeconds = await stack.cpu.end();
    const [w, s] = await Promise.all([procMemory(stack.worker.pid), procMemory(stack.serverPid)]);
    run.workerPeakRssMiB = round(w.peakMiB, 1);
    run.testServerPeakRssMiB = round(s.peakMiB, 1);
    run.driverPeakRssMiB = round((await procMemory(process.pid)).peakMiB, 1);
    run.peakRssTotalMiB = round(w.peakMiB + s.peakMiB, 1);
    run.stats = await stack.worker.stats();
    const notices = await stack.db.query<{ kind: string; n: number }>('SELECT kind, count(*)::bigint AS n FROM notices GROUP BY kind ORDER BY kind');
    run.notices = Object.fromEntries(notices.rows.map((r) => [r.kind, r.n]));
    const statuses = await stack.db.query<{ status: string; n: number }>('SELECT status, count(*)::bigint AS n FROM tasks GROUP BY status ORDER BY status');
    run.taskStatuses = Object.fromEntries(statuses.rows.map((r) => [r.status, r.n]));
    run.mails = (await stack.db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM mailbox')).rows[0].n;
    const campaignStates: Record<string, number> = {};
    for (const d of definitions) {
      const status = await campaignHandle(stack.client, d.id).describe().then((x) => x.status.name, (e: Error) => `error: ${e.message.slice(0, 80)}`);
      campaignStates[status] = (campaignStates[status] ?? 0) + 1;
    }
    run.campaignWorkflows = campaignStates;
    const footprint = await tableFootprint(stack.db);
    const perTask: Record<string, { rows: number; bytes: number }> = {};
    let totalBytes = 0;
    let totalRows = 0;
    for (const [table, f] of Object.entries(footprint)) {
      if (f.rows === 0 && table !== 'notices') continue;
      perTask[table] = { rows: round(f.rows / o.tasks, 2), bytes: Math.round(f.bytes / o.tasks) };
      if (table !== 'mailbox' && table !== 'schema_migrations') {
        totalBytes += f.bytes;
        totalRows += f.rows;
      }
    }
    run.postgresPerTaskYear = perTask;
    run.postgresRowsPerTaskYear = round(totalRows / o.tasks, 1);
    run.postgresBytesPerTaskYear = Math.round(totalBytes / o.tasks);
    o.log(`  year: ${day} days in ${run.wallSeconds} s; peak RSS worker ${run.workerPeakRssMiB} MiB + test server ${run.testServerPeakRssMiB} MiB`);
    return run;
  } finally {
    await stack.stop();
  }
}
