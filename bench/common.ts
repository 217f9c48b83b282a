// Shared pieces of the benchmarks: fresh databases, campaign definitions of N tasks, waiting for
// mail, and bench/results.json (statistics in bench/median.ts, processes in bench/processes.ts).
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { migrate } from '../db/migrate.js';
import { createPool, type Db } from '../db/pool.js';
import type { CampaignDefinition } from '../domain/definition.js';
import { ensureDatabase } from '../stack/postgres.js';
import { testDefinition } from '../test/support/definitions.js';

export const ZONE = 'Asia/Shanghai';
export const RESULTS_PATH = fileURLToPath(new URL('./results.json', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Statistics (bench/median.ts) and processes (bench/processes.ts)

export { median, medianPerMetric, quantile, round } from './median.js';
export { CpuMeter, findProcesses, MemorySampler, postmasterPid, procCpuSeconds, procMemory, type Components, type ProcMemory } from './processes.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Databases

/** A new, migrated database on the server of serverUrl. */
export async function freshDatabase(serverUrl: string, name: string, poolSize?: number): Promise<{ url: string; db: Db }> {
  const url = await ensureDatabase(serverUrl, name);
  const db = createPool(url, poolSize);
  await migrate(db);
  return { url, db };
}

export { dropDatabase } from '../stack/postgres.js';

/** Rows and bytes (table + indexes + TOAST) of every table of the public schema. */
export async function tableFootprint(db: Db, schema = 'public'): Promise<Record<string, { rows: number; bytes: number }>> {
  const { rows } = await db.query<{ name: string; bytes: number }>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname`,
    [schema],
  );
  const out: Record<string, { rows: number; bytes: number }> = {};
  for (const r of rows) {
    const count = await db.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM "${schema}"."${r.name}"`);
    out[r.name] = { rows: count.rows[0].n, bytes: r.bytes };
  }
  return out;
}

/** Size of a SQLite database with its write-ahead log, bytes. */
export async function sqliteBytes(file: string): Promise<number> {
  let total = 0;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) total += (await stat(f).catch(() => undefined))?.size ?? 0;
  return total;
}

// ---------------------------------------------------------------------------------------------
// Campaigns of N tasks

/** The Shanghai civil date of an instant, shifted by whole days. */
export function civilDate(at: Date | number, plusDays = 0): string {
  return DateTime.fromMillis(typeof at === 'number' ? at : at.getTime()).setZone(ZONE).plus({ days: plusDays }).toISODate()!;
}

export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

export interface BenchTask {
  id: string;
  start: string;
  deadline: string;
  leadUnit?: string;
}

const UNITS = ['enforcement', 'utilities', 'service'];

/**
 * Campaigns holding `count` tasks, at most `perCampaign` in each (test/support's three-unit
 * campaign, so every assignment mail has one addressee and two in copy). `deadlineOf(i)` gives the
 * i-th task's deadline date.
 */
export function benchCampaigns(options: {
  count: number;
  perCampaign: number;
  start: string;
  end: string;
  deadlineOf: (i: number) => string;
  taskStart?: string;
}): CampaignDefinition[] {
  const out: CampaignDefinition[] = [];
  for (let first = 0; first < options.count; first += options.perCampaign) {
    const tasks: BenchTask[] = [];
    for (let i = first; i < Math.min(options.count, first + options.perCampaign); i++) {
      tasks.push({ id: `t${i}`, start: options.taskStart ?? options.start, deadline: options.deadlineOf(i), leadUnit: UNITS[i % 3] });
    }
    out.push(
      testDefinition({
        start: options.start,
        end: options.end,
        tasks: tasks.map((t) => ({ ...t, cooperatingUnits: UNITS.filter((u) => u !== t.leadUnit).slice(0, 2) })),
      }),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mail accepted by the sink

export interface Accepted {
  taskId: string;
  campaignId: string;
  /** When the sink accepted the last of the notice's messages (a notice owes one message per unit with a link, and one to the others). */
  receivedAt: number;
}

/**
 * Per notice of a kind: its messages accepted by the SMTP sink (mailbox joined to outbox by
 * Message-ID), those still owed, and when the last was accepted; `tasks` joins each task to the
 * notice its `notice.<kind>` event cites, so a notice listing several tasks (one per unit and day,
 * docs/notices.md) counts for each of them.
 */
const PER_NOTICE = `
  per_notice AS (
    SELECT n.id, n.campaign_id, n.document_number, count(*) FILTER (WHERE m.id IS NULL) AS pending,
           count(m.id) AS accepted, max(m.received_at) AS last
      FROM notices n JOIN outbox o ON o.notice_id = n.id LEFT JOIN mailbox m ON m.message_id = o.message_id
     WHERE n.kind = $1
     GROUP BY n.id),
  tasks AS (
    SELECT e.task_id, p.*
      FROM per_notice p
      JOIN task_events e ON e.campaign_id = p.campaign_id AND e.kind = 'notice.' || $1 AND e.detail->>'documentNumber' = p.document_number)`;

/** Tasks whose notice of a kind the sink accepted whole: when the last of its messages was accepted. */
export async function acceptedMail(db: Db, kind: string): Promise<Accepted[]> {
  const { rows } = await db.query<{ task_id: string; campaign_id: string; received_at: Date }>(
    `WITH ${PER_NOTICE} SELECT task_id, campaign_id, last AS received_at FROM tasks WHERE pending = 0`,
    [kind],
  );
  return rows.map((r) => ({ taskId: r.task_id, campaignId: r.campaign_id, receivedAt: r.received_at.getTime() }));
}

/**
 * How many tasks had their notice of a kind mailed completely (every message accepted by the sink),
 * how many messages those notices took, and when the last of them was accepted. A task counts once
 * however many messages its notice owes, and however many tasks the notice lists.
 */
export async function countAccepted(db: Db, kind: string): Promise<{ n: number; messages: number; last: number }> {
  const { rows } = await db.query<{ n: number; messages: number; last: Date | null }>(
    `WITH ${PER_NOTICE}
     SELECT (SELECT count(*) FROM tasks WHERE pending = 0)::int AS n,
            (SELECT coalesce(sum(accepted), 0) FROM per_notice)::int AS messages,
            (SELECT max(last) FROM per_notice) AS last`,
    [kind],
  );
  return { n: rows[0].n, messages: rows[0].messages, last: rows[0].last?.getTime() ?? 0 };
}

/** Waits until `expected` tasks had their notice of a kind mailed completely (countAccepted), or the time limit passes. */
export async function waitForMail(
  db: Db,
  kind: string,
  expected: number,
  limitMs: number,
  onProgress?: (n: number) => void,
): Promise<{ n: number; messages: number; last: number; complete: boolean }> {
  const until = Date.now() + limitMs;
  let lastReport = 0;
  for (;;) {
    const c = await countAccepted(db, kind);
    if (onProgress && Date.now() - lastReport > 10_000) {
      onProgress(c.n);
      lastReport = Date.now();
    }
    if (c.n >= expected) return { ...c, complete: true };
    if (Date.now() > until) return { ...c, complete: false };
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// results.json

export type Run = Record<string, unknown>;

export interface Machine {
  cpus: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** How figures are taken since the runs were made honest (bench/run.ts's header). */
export const METHOD = 'median-of-complete-runs';

export interface Figure {
  /** e.g. devServerAtOnce, devServerSpread, timeSkippingAtOnce, yearSimulation, unitWeek. */
  figure: string;
  system: 'chuangwen' | 'pg-boss';
  /** Where it ran: devServer, timeSkipping. */
  server: string;
  tasks: number;
  /**
   * The runs the medians are taken over: complete ones only, the warm-up not among them. Figures
   * without `method` (taken before) hold every run here, stopped ones included.
   */
  runs: Run[];
  /** Runs that stopped early (a time limit, an error, notices missing), each with its stopReason: shown, never in a median. */
  stopped?: Run[];
  /** The warm-up run before the counted ones (not counted), or null when it was skipped. */
  warmup?: Run | null;
  /** Counted runs asked for. */
  requestedRuns?: number;
  /** Median per metric over `runs` (bench/median.ts); nested metrics as dotted keys. */
  median: Record<string, number>;
  /** METHOD for figures taken with warm-up, complete runs only and true medians; absent before. */
  method?: string;
  /** The machine and the worker settings of these runs; when they were taken. */
  machine?: Machine;
  settings?: Record<string, unknown>;
  measuredAt?: string;
  /** 'default', or the label of a changed configuration (before/after), or 'smoke' for --scale small. */
  variant?: string;
  note?: string;
}

export interface Results {
  machine: Machine;
  updatedAt: string;
  figures: Figure[];
}

export async function loadResults(path = RESULTS_PATH): Promise<Results | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Results;
  } catch {
    return undefined;
  }
}

/** Replaces the figures of the same (figure, system, server, tasks, variant) and writes the file. */
export async function saveFigures(figures: Figure[], machine: Machine, path = RESULTS_PATH): Promise<void> {
  const previous = (await loadResults(path))?.figures ?? [];
  const same = (a: Figure, b: Figure) =>
    a.figure === b.figure && a.system === b.system && a.server === b.server && a.tasks === b.tasks && (a.variant ?? 'default') === (b.variant ?? 'default');
  const kept = previous.filter((p) => !figures.some((f) => same(f, p)));
  const all = [...kept, ...figures].sort(
    (a, b) => a.figure.localeCompare(b.figure) || a.system.localeCompare(b.system) || a.server.localeCompare(b.server) || a.tasks - b.tasks,
  );
  const results: Results = { machine, updatedAt: new Date().toISOString(), figures: all };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}
