// The processes of a benchmark run and what they use, read from /proc (Linux):
//
//   worker          the chuangwen worker (bench/worker-process.ts) or the pg-boss baseline's, with
//                   anything it started;
//   temporalServer  the dev server or the time-skipping test server, with its children;
//   postgres        the postmaster and every process under it (backends, checkpointer, WAL writer,
//                   autovacuum …): the RSS of the whole tree is summed;
//   smtpSink        the SMTP sink (bench/sink-process.ts), a process of its own;
//   driver          this process (the benchmark's client side: startCampaign, the units' updates,
//                   polling the mailbox) and its helpers (tsx's esbuild service), without the
//                   children that are the other components, and not the npm and tsx launchers above it.
//
// Memory is sampled while a run goes on (MemorySampler): at each sample every component's RSS is
// the sum over its processes, and the total is the sum of the components at that same instant; the
// peak of each is kept. Proportional set size (PSS) is sampled alongside: the sum of RSS counts a
// shared page once per process that maps it (PostgreSQL's shared buffers in every backend), PSS
// splits it between them. For single processes the kernel's own peak (VmHWM) is reported too.
import { readdir, readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { round } from './median.js';

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
}

/** Every process now: pid, parent and command name. */
export async function processTable(): Promise<Map<number, ProcInfo>> {
  const table = new Map<number, ProcInfo>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    table.set(Number(entry), { pid: Number(entry), ppid, comm });
  }
  return table;
}

/** The roots and all their descendants, except the subtrees of `exclude`. */
export function descendants(table: Map<number, ProcInfo>, roots: readonly number[], exclude: readonly number[] = []): number[] {
  const children = new Map<number, number[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const out: number[] = [];
  const seen = new Set<number>();
  const stack = roots.filter((r) => table.has(r));
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid) || exclude.includes(pid)) continue;
    seen.add(pid);
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Pids of processes whose command name matches, optionally only children of a parent. */
export async function findProcesses(match: (comm: string) => boolean, parent?: number): Promise<number[]> {
  return [...(await processTable()).values()].filter((p) => match(p.comm) && (parent === undefined || p.ppid === parent)).map((p) => p.pid);
}

/**
 * The postmaster of the PostgreSQL server of `serverUrl`: the process started with `-p <port>`
 * whose parent is not one too (a backend just forked may still show its parent's command line).
 */
export async function postmasterPid(serverUrl: string): Promise<number | undefined> {
  const port = new URL(serverUrl).port;
  const table = await processTable();
  const matching = new Set<number>();
  for (const p of table.values()) {
    if (!p.comm.startsWith('postgres')) continue;
    const args = (await readFile(`/proc/${p.pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const i = args.indexOf('-p');
    if (i >= 0 && args[i + 1] === port) matching.add(p.pid);
  }
  return [...matching].find((pid) => !matching.has(table.get(pid)!.ppid));
}

export interface ProcMemory {
  /** Resident set size now, MiB. */
  rssMiB: number;
  /** Peak resident set size since the process started (VmHWM), MiB. */
  peakMiB: number;
}

export async function procMemory(pid: number): Promise<ProcMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** Proportional set size, MiB (NaN where smaps_rollup cannot be read). */
async function procPssMiB(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const kib = Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? Number.NaN);
  return kib / 1024;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * User + system CPU seconds the process has used so far; with `reaped`, also those of its children
 * that have exited and been waited for (a PostgreSQL backend that ended during a phase).
 */
export async function procCpuSeconds(pid: number, reaped = false): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return 0;
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return (reaped ? own + Number(fields[13]) + Number(fields[14]) : own) / CLOCK_TICKS;
}

/** One measured part of the stack: its root processes, and whether their descendants belong to it. */
export interface Component {
  roots: number[];
  /** Count every process under the roots too (default true). */
  tree?: boolean;
  /** Subtrees that belong to other components (the driver's children that are the worker, the servers …). */
  exclude?: number[];
  /** CPU: add the exited children's time the roots have reaped (PostgreSQL's postmaster). */
  reaped?: boolean;
}

export type Components = Record<string, Component>;

/** The components of a stack and the driver: this process and its children that are none of them. */
export function withDriver(components: Components): Components {
  return { ...components, driver: { roots: [process.pid], exclude: Object.values(components).flatMap((c) => c.roots) } };
}

async function pidsOf(c: Component, table: () => Promise<Map<number, ProcInfo>>): Promise<number[]> {
  return c.tree === false ? c.roots : descendants(await table(), c.roots, c.exclude);
}

/** A table read at most once per call of the returned function's owner. */
function lazyTable(): () => Promise<Map<number, ProcInfo>> {
  let table: Promise<Map<number, ProcInfo>> | undefined;
  return () => (table ??= processTable());
}

/** CPU seconds per component, from counters read before and after a phase. */
export class CpuMeter {
  private readonly start = new Map<string, number>();
  constructor(private readonly components: () => Promise<Components>) {}

  private async read(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const table = lazyTable();
    for (const [name, c] of Object.entries(await this.components())) {
      let total = 0;
      for (const pid of await pidsOf(c, table)) total += await procCpuSeconds(pid, c.reaped === true && c.roots.includes(pid));
      out.set(name, total);
    }
    return out;
  }

  async begin(): Promise<void> {
    this.start.clear();
    for (const [k, v] of await this.read()) this.start.set(k, v);
  }

  /** CPU seconds used by each component since begin(), and their total. */
  async end(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    let total = 0;
    for (const [k, v] of await this.read()) {
      result[k] = round(v - (this.start.get(k) ?? 0), 1);
      total += v - (this.start.get(k) ?? 0);
    }
    result.total = round(total, 1);
    return result;
  }
}

export interface ComponentMemory {
  /** Highest sampled RSS, summed over the component's processes, MiB. */
  peakRssMiB: number;
  /** Highest sampled PSS, summed likewise, MiB. */
  peakPssMiB?: number;
  /** RSS at the last sample, MiB. */
  lastRssMiB: number;
  /** Most processes seen at once. */
  processes: number;
  /** Single-process components: the kernel's peak RSS of that process (VmHWM), MiB. */
  hwmMiB?: number;
}

export interface RunMemory {
  /** Per component, and `total`: the sum of all components at the same sample. */
  [component: string]: ComponentMemory | number;
  samples: number;
  intervalMs: number;
}

/**
 * Samples the RSS (and PSS) of every component every `intervalMs` until stop(), keeping the peaks.
 * The components are asked for at every sample, so processes that start late are caught.
 */
export class MemorySampler {
  private readonly peaks = new Map<string, { rss: number; pss: number; last: number; processes: number; single?: number }>();
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly components: () => Promise<Components>,
    private readonly intervalMs = 1000,
  ) {}

  start(): this {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.sample()
        .catch(() => undefined)
        .then(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    tick();
    return this;
  }

  async sample(): Promise<void> {
    const table = lazyTable();
    let totalRss = 0;
    let totalPss = 0;
    let processes = 0;
    for (const [name, c] of Object.entries(await this.components())) {
      const pids = await pidsOf(c, table);
      let rss = 0;
      let pss = 0;
      for (const pid of pids) {
        const memory = await procMemory(pid);
        if (!Number.isFinite(memory.rssMiB)) continue; // gone since the table was read
        rss += memory.rssMiB;
        const proportional = await procPssMiB(pid);
        if (Number.isFinite(proportional)) pss += proportional;
        // Unreadable for a process that is still there: this sample has no PSS (one that just ended adds nothing).
        else if (Number.isFinite((await procMemory(pid)).rssMiB)) pss = Number.NaN;
      }
      const peak = this.peaks.get(name) ?? { rss: 0, pss: 0, last: 0, processes: 0 };
      peak.rss = Math.max(peak.rss, rss);
      if (Number.isFinite(pss)) peak.pss = Math.max(peak.pss, pss);
      peak.last = rss;
      peak.processes = Math.max(peak.processes, pids.length);
      // The kernel's own peak, for a process that lives only as long as the run (not the driver).
      if (!c.roots.includes(process.pid) && pids.length === 1 && c.roots.length === 1 && pids[0] === c.roots[0]) peak.single = pids[0];
      this.peaks.set(name, peak);
      totalRss += rss;
      totalPss += pss;
      processes += pids.length;
    }
    const total = this.peaks.get('total') ?? { rss: 0, pss: 0, last: 0, processes: 0 };
    total.rss = Math.max(total.rss, totalRss);
    if (Number.isFinite(totalPss)) total.pss = Math.max(total.pss, totalPss);
    total.last = totalRss;
    total.processes = Math.max(total.processes, processes);
    this.peaks.set('total', total);
    this.samples++;
  }

  /** Stops sampling (after one last sample) and returns the peaks. */
  async stop(): Promise<RunMemory> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.sample().catch(() => undefined);
    const out: RunMemory = { samples: this.samples, intervalMs: this.intervalMs };
    for (const [name, p] of this.peaks) {
      const m: ComponentMemory = { peakRssMiB: round(p.rss, 1), lastRssMiB: round(p.last, 1), processes: p.processes };
      if (Number.isFinite(p.pss) && p.pss > 0) m.peakPssMiB = round(p.pss, 1);
      if (p.single !== undefined) {
        const hwm = (await procMemory(p.single)).peakMiB;
        if (Number.isFinite(hwm)) m.hwmMiB = round(hwm, 1);
      }
      out[name] = m;
    }
    return out;
  }
}

/** The machine's load when a run starts or ends: load averages over 1, 5 and 15 minutes. */
export function machineLoad(): number[] {
  return loadavg().map((v) => round(v, 2));
}

export const cpuCount = () => cpus().length;
