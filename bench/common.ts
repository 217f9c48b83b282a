// Shared pieces of the benchmarks: statistics, process measurements (/proc), fresh databases,
// campaign definitions of N tasks, waiting for mail, and bench/results.json.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
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
// Statistics

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Nearest-rank quantile (q in 0..1) of the values; NaN when there are none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Processes: memory and CPU from /proc (Linux)

export interface ProcMemory {
  /** Resident set size now, MiB. */
  rssMiB: number;
  /** Peak resident set size since the process started (VmHWM), MiB. */
  peakMiB: number;
}

export async function procMemory(pid: number): Promise<ProcMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** User + system CPU seconds the process has used so far. */
export async function procCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return 0;
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Pids of processes whose command name matches, optionally only children of a parent. */
export async function findProcesses(match: (comm: string) => boolean, parent?: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (match(comm) && (parent === undefined || ppid === parent)) pids.push(Number(entry));
  }
  return pids;
}

/** CPU seconds per component, from counters read before and after a phase. */
export class CpuMeter {
  private readonly start = new Map<string, number>();
  constructor(private readonly components: () => Promise<Record<string, number[]>>) {}

  private async read(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [name, pids] of Object.entries(await this.components())) {
      let total = 0;
      for (const pid of pids) total += await procCpuSeconds(pid);
      out.set(name, total);
    }
    return out;
  }

  async begin(): Promise<void> {
    this.start.clear();
    for (const [k, v] of await this.read()) this.start.set(k, v);
  }

  /** CPU seconds used by each component since begin(). */
  async end(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const [k, v] of await this.read()) result[k] = round(v - (this.start.get(k) ?? 0), 1);
    return result;
  }
}

/** The PostgreSQL server of `serverUrl` (found by its port on the command line) and its backends. */
export async function postgresPids(serverUrl: string): Promise<number[]> {
  const port = new URL(serverUrl).port;
  const candidates = await findProcesses((comm) => comm.startsWith('postgres'));
  const postmasters: number[] = [];
  for (const pid of candidates) {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const i = args.indexOf('-p');
    if (i >= 0 && args[i + 1] === port) postmasters.push(pid);
  }
  const children = postmasters.length ? await findProcesses((comm) => comm.startsWith('postgres'), postmasters[0]) : [];
  return [...postmasters, ...children];
}

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
  receivedAt: number;
}

/** Messages of notices of a kind that the SMTP sink accepted (mailbox joined to outbox by Message-ID). */
export async function acceptedMail(db: Db, kind: string): Promise<Accepted[]> {
  const { rows } = await db.query<{ task_id: string; campaign_id: string; received_at: Date }>(
    `SELECT n.task_id, n.campaign_id, m.received_at
       FROM mailbox m JOIN outbox o ON o.message_id = m.message_id JOIN notices n ON n.id = o.notice_id
      WHERE n.kind = $1`,
    [kind],
  );
  return rows.map((r) => ({ taskId: r.task_id, campaignId: r.campaign_id, receivedAt: r.received_at.getTime() }));
}

export async function countAccepted(db: Db, kind: string): Promise<{ n: number; last: number }> {
  const { rows } = await db.query<{ n: number; last: Date | null }>(
    `SELECT count(*)::bigint AS n, max(m.received_at) AS last
       FROM mailbox m JOIN outbox o ON o.message_id = m.message_id JOIN notices n ON n.id = o.notice_id
      WHERE n.kind = $1`,
    [kind],
  );
  return { n: rows[0].n, last: rows[0].last?.getTime() ?? 0 };
}

/** Waits until `expected` mails of a kind were accepted, or the time limit passes. */
export async function waitForMail(
  db: Db,
  kind: string,
  expected: number,
  limitMs: number,
  onProgress?: (n: number) => void,
): Promise<{ n: number; last: number; complete: boolean }> {
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

export interface Figure {
  /** e.g. campaignStart, escalationAtOnce, yearSimulation. */
  figure: string;
  system: 'chuangwen' | 'pg-boss';
  /** Where it ran: devServer, timeSkipping. */
  server: string;
  tasks: number;
  /** One entry per repetition. */
  runs: Record<string, unknown>[];
  /** Medians over the runs of the numeric fields. */
  median: Record<string, number>;
  /** 'default', or the label of a changed configuration (before/after). */
  variant?: string;
  note?: string;
}

export interface Results {
  machine: { cpus: number; memoryGiB: number; node: string; platform: string };
  updatedAt: string;
  figures: Figure[];
}

export async function loadResults(): Promise<Results | undefined> {
  try {
    return JSON.parse(await readFile(RESULTS_PATH, 'utf8')) as Results;
  } catch {
    return undefined;
  }
}

/** Replaces the figures of the same (figure, system, server, tasks) and writes the file. */
export async function saveFigures(figures: Figure[], machine: Results['machine']): Promise<void> {
  const previous = (await loadResults())?.figures ?? [];
  const same = (a: Figure, b: Figure) =>
    a.figure === b.figure && a.system === b.system && a.server === b.server && a.tasks === b.tasks && (a.variant ?? 'default') === (b.variant ?? 'default');
  const kept = previous.filter((p) => !figures.some((f) => same(f, p)));
  const all = [...kept, ...figures].sort(
    (a, b) => a.figure.localeCompare(b.figure) || a.system.localeCompare(b.system) || a.server.localeCompare(b.server) || a.tasks - b.tasks,
  );
  const results: Results = { machine, updatedAt: new Date().toISOString(), figures: all };
  await writeFile(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
}

/** Medians of every numeric field that all runs have. */
export function medians(runs: Record<string, unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  const keys = new Set(runs.flatMap((r) => Object.keys(r)));
  for (const key of keys) {
    const values = runs.map((r) => r[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length > 0 && values.length === runs.length) out[key] = round(median(values), 3);
  }
  return out;
}
