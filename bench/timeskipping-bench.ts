// Runs on the Temporal time-skipping test server: the timer path of escalation (all deadlines of N
// open tasks lapsing at one simulated instant), a one-year campaign with scripted units, and the
// mail one unit with 30 open tasks receives in a week.
//
// Each run has a stack of its own (database, SMTP sink process, test server, worker process); the
// memory of every process is sampled from the moment it is up until it is taken down, and a run
// that stops early (a time limit, mail still missing, an error) says why in `stopReason`.
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { endOfCivilDay } from '../services/calendar.js';
import { campaignHandle, runUpdate, startCampaign, taskHandle } from '../client/campaigns.js';
import { createPool } from '../db/pool.js';
import { testDefinition } from '../test/support/definitions.js';
import { freePort } from '../stack/ports.js';
import { installRuntime } from '../stack/runtime.js';
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
  MemorySampler,
  postmasterPid,
  procMemory,
  quantile,
  round,
  tableFootprint,
  sleep,
  waitForMail,
  ZONE,
} from './common.js';
import { withDriver, type Components, type RunMemory } from './processes.js';
import { startSinkProcess, startWorkerProcess } from './worker-handle.js';
import type { WorkerProcessConfig } from './worker-process.js';

const DAY = 86_400_000;

interface Stack {
  env: TestWorkflowEnvironment;
  client: Client;
  db: ReturnType<typeof createPool>;
  serverPid: number;
  worker: Awaited<ReturnType<typeof startWorkerProcess>>;
  cpu: CpuMeter;
  /** Stops sampling memory and returns the peaks (bench/processes.ts). */
  memory(): Promise<RunMemory>;
  /** Waits until every notice issued so far has been mailed and accepted: no outbox row left unsent, no new mail for `quietMs`. */
  drain(limitMs: number, quietMs?: number): Promise<{ drained: boolean; unsent: number }>;
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
  const steps: (() => Promise<unknown>)[] = [() => db.end(), () => dropDatabase(o.serverUrl, o.name)];
  const stop = async () => {
    for (const step of steps) await step().catch((error) => o.log(`  cleanup: ${(error as Error).message}`));
  };
  try {
    const sink = await startSinkProcess(url, { log: o.log });
    steps.unshift(() => sink.stop());
    const before = new Set(await findProcesses((c) => c.startsWith('temporal-test'), process.pid));
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: await testServerExecutable(), port: await freePort() } });
    steps.unshift(() => env.teardown());
    const serverPid = (await findProcesses((c) => c.startsWith('temporal-test'), process.pid)).find((p) => !before.has(p)) ?? -1;
    const config: WorkerProcessConfig = { address: env.address, databaseUrl: url, smtpUrl: sink.url, bundlePath: o.bundlePath, tuning: o.tuning, poolSize: o.poolSize };
    const worker = await startWorkerProcess('./worker-process.ts', config, { log: o.log });
    steps.unshift(() => worker.stop());
    const postmaster = await postmasterPid(o.serverUrl);
    const components = async (): Promise<Components> =>
      withDriver({
        worker: { roots: [worker.pid] },
        temporalServer: { roots: serverPid > 0 ? [serverPid] : [] },
        postgres: { roots: postmaster ? [postmaster] : [], reaped: true },
        smtpSink: { roots: [sink.pid] },
      });
    const sampler = new MemorySampler(components).start();
    let memory: Promise<RunMemory> | undefined;
    const stopSampling = () => (memory ??= sampler.stop());
    steps.unshift(stopSampling);
    return {
      env,
      client: env.client,
      db,
      serverPid,
      worker,
      cpu: new CpuMeter(components),
      memory: stopSampling,
      async drain(limitMs, quietMs = 3000) {
        const until = Date.now() + limitMs;
        let last = -1;
        let quietSince = Date.now();
        for (;;) {
          const { rows } = await db.query<{ unsent: number; mails: number }>(
            `SELECT (SELECT count(*)::int FROM outbox WHERE status <> 'sent') AS unsent, (SELECT count(*)::int FROM mailbox) AS mails`,
          );
          if (rows[0].mails !== last) {
            last = rows[0].mails;
            quietSince = Date.now();
          }
          if (rows[0].unsent === 0 && Date.now() - quietSince >= quietMs) return { drained: true, unsent: 0 };
          if (Date.now() > until) return { drained: false, unsent: rows[0].unsent };
          await sleep(250);
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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
  const run: Record<string, unknown> = {};
  try {
    const simNow = await stack.env.currentTimeMs();
    const today = civilDate(simNow);
    const definitions = benchCampaigns({ count: o.tasks, perCampaign: o.perCampaign, start: addDays(today, -1), end: addDays(today, 400), deadlineOf: () => today });
    const t0 = Date.now();
    await Promise.all(definitions.map((d) => startCampaign(stack.client, d)));
    const limitMs = Math.max(180_000, o.tasks * 100);
    const started = await waitForMail(stack.db, 'assignment', o.tasks, limitMs, (n) => o.log(`  assignments accepted: ${n}/${o.tasks}`));
    Object.assign(run, { campaigns: definitions.length, assignmentsAccepted: started.n, startSeconds: round((started.last - t0) / 1000, 2) });
    run.tasksPerSecond = round(started.n / ((started.last - t0) / 1000), 1);
    if (!started.complete) {
      run.stopReason = `timeout: ${started.n} of ${o.tasks} assignment mails accepted within ${Math.round(limitMs / 1000)} s`;
      return run;
    }
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
    if (!lapse.complete) run.stopReason = `timeout: ${lapse.n} of ${o.tasks} overdue mails accepted`;
    o.log(`  time-skipping lapse: p50 ${run.latencyP50} s, p95 ${run.latencyP95} s, p99 ${run.latencyP99} s`);
    return run;
  } catch (error) {
    return failed(run, error);
  } finally {
    run.memory = await stack.memory();
    await stack.stop();
  }
}

/** A run that ended in an error: recorded as stopped early, with the error. */
function failed(run: Record<string, unknown>, error: unknown): Record<string, unknown> {
  run.error = (error as Error).stack?.slice(0, 1000) ?? String(error);
  run.stopReason = `error: ${(error as Error).message?.slice(0, 200) ?? String(error)}`;
  return run;
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
    if (!run.complete) run.stopReason = `time limit: stopped at day ${day} of ${o.days} after ${run.wallSeconds} s`;
    // Every notice of the year mailed: what is still unsent after a minute is missing.
    const drained = await stack.drain(60_000);
    run.unsentAtEnd = drained.unsent;
    if (!drained.drained && !run.stopReason) run.stopReason = `incomplete notices: ${drained.unsent} messages still unsent a minute after day ${day}`;
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
  } catch (error) {
    return failed(run, error);
  } finally {
    run.memory = await stack.memory();
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// One unit's week

export interface UnitWeekOptions {
  /** Open tasks the unit leads. */
  tasks: number;
  serverUrl: string;
  bundlePath: string;
  tuning?: Record<string, unknown>;
  poolSize?: number;
  log: (line: string) => void;
  /** Give up waiting for the assignments, or for the week's mail to be delivered, after this long. */
  limitMs: number;
}

const WEEK_DAYS = 7;

/**
 * One unit leading `tasks` open tasks, how much mail its contact receives in one simulated week.
 * test/support's three-unit campaign without cadences (only the tasks' own mail: a campaign's
 * bulletins and reminders to every unit come on top), every task led by 区综合执法分局 alone
 * (no cooperating units), started yesterday, deadline in 60 days. The campaign starts; when all
 * assignment mails are accepted the unit acknowledges every task and then reports nothing. The
 * week starts once that has settled (every notice mailed, the mailbox quiet) and lasts seven days
 * of simulated time, skipped one day at a time; then everything the week issued is let through.
 * Counted: messages the sink accepted in the week with the unit contact's address among the
 * envelope recipients (To or Cc), each Message-ID once.
 */
export async function unitWeekRun(o: UnitWeekOptions): Promise<Record<string, unknown>> {
  const stack = await timeSkippingStack({ ...o, name: `bench_week_${o.tasks}_${Date.now()}` });
  const run: Record<string, unknown> = { days: WEEK_DAYS };
  try {
    const today = civilDate(await stack.env.currentTimeMs());
    const unitId = 'enforcement';
    const definition = testDefinition({
      start: addDays(today, -1),
      end: addDays(today, 400),
      tasks: Array.from({ length: o.tasks }, (_, i) => ({ id: `t${i}`, start: addDays(today, -1), deadline: addDays(today, 60), leadUnit: unitId, cooperatingUnits: [] })),
    });
    const contact = definition.units.find((u) => u.id === unitId)!.contact.email;
    run.unit = unitId;
    run.contact = contact;
    const toUnit = async (afterId: number) => {
      const { rows } = await stack.db.query<{ kind: string | null; n: number; deliveries: number }>(
        `SELECT n.kind, count(*)::int AS n, sum(m.deliveries)::int AS deliveries
           FROM mailbox m LEFT JOIN outbox o ON o.message_id = m.message_id LEFT JOIN notices n ON n.id = o.notice_id
          WHERE m.id > $1 AND $2 = ANY (m.envelope_to)
          GROUP BY n.kind ORDER BY n.kind`,
        [afterId, contact],
      );
      const byKind = Object.fromEntries(rows.map((r) => [r.kind ?? 'other', r.n]));
      return { n: rows.reduce((a, r) => a + r.n, 0), deliveries: rows.reduce((a, r) => a + r.deliveries, 0), byKind };
    };
    const lastMailId = async () => (await stack.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM mailbox')).rows[0].id;

    const t0 = Date.now();
    await startCampaign(stack.client, definition);
    const assigned = await waitForMail(stack.db, 'assignment', o.tasks, o.limitMs, (n) => o.log(`  assignments accepted: ${n}/${o.tasks}`));
    run.assignmentsAccepted = assigned.n;
    if (!assigned.complete) {
      run.stopReason = `timeout: ${assigned.n} of ${o.tasks} assignment mails accepted within ${Math.round(o.limitMs / 1000)} s`;
      return run;
    }
    for (const task of definition.tasks) await runUpdate(taskHandle(stack.client, definition.id, task.id), acknowledgeUpdate, { unitId });
    const settled = await stack.drain(o.limitMs);
    if (!settled.drained) {
      run.stopReason = `incomplete notices: ${settled.unsent} messages unsent before the week began`;
      return run;
    }
    run.mailsToUnitBeforeWeek = (await toUnit(0)).n;

    const watermark = await lastMailId();
    const weekStart = await stack.env.currentTimeMs();
    run.weekStart = new Date(weekStart).toISOString();
    for (let day = 0; day < WEEK_DAYS; day++) await stack.env.sleep(DAY);
    run.simulatedDays = round((await stack.env.currentTimeMs() - weekStart) / DAY, 2);
    const delivered = await stack.drain(o.limitMs);
    const week = await toUnit(watermark);
    run.mailsToUnit = week.n;
    run.mailsToUnitPerTask = round(week.n / o.tasks, 3);
    run.redeliveriesToUnit = week.deliveries - week.n;
    run.mailsToUnitByKind = week.byKind;
    run.mailsInWeek = (await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mailbox WHERE id > $1', [watermark])).rows[0].n;
    run.wallSeconds = round((Date.now() - t0) / 1000, 1);
    if (!delivered.drained) run.stopReason = `incomplete notices: ${delivered.unsent} messages of the week still unsent after ${Math.round(o.limitMs / 1000)} s`;
    o.log(`  unit week: ${week.n} mails to ${contact} in ${WEEK_DAYS} days with ${o.tasks} open tasks (${JSON.stringify(week.byKind)})`);
    return run;
  } catch (error) {
    return failed(run, error);
  } finally {
    run.memory = await stack.memory();
    await stack.stop();
  }
}
