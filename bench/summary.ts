// bench/summary.json: the figures the throughput targets are about, one number each, from
// bench/results.json: medians over complete runs, taken with the current method (warm-up, complete
// runs only, true medians), on this machine. `npm run bench` writes it at its end; this script
// writes it again from results.json: `tsx bench/summary.ts [--variant default] [--results PATH]
// [--out PATH] [--print]`.
//
// The file holds exactly the keys below and `notes`. A key whose scenario did not complete (not run
// at that size, every run stopped early, run on another machine or with another window) is null,
// and notes[key] says why; notes also qualify a number taken from fewer than three complete runs,
// with runs that stopped early, or without a warm-up.
import { writeFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadResults, METHOD, RESULTS_PATH, round, type Figure, type Machine, type Results } from './common.js';
import { cpuCount } from './processes.js';

export const SUMMARY_PATH = fileURLToPath(new URL('./summary.json', import.meta.url));

interface KeySpec {
  figure: string;
  system: 'chuangwen' | 'pg-boss';
  tasks: number;
  /** A key of the figure's medians (dotted for nested metrics). */
  metric: string;
  /** What it is, for the notes. */
  what: string;
  /** The bench/run.ts scenario that measures it (for the notes' "run …"). */
  scenario: string;
  /** A reason the figure does not answer the key (another window, fewer days), if any. */
  mismatch?: (f: Figure) => string | undefined;
}

const everyRun = (f: Figure, key: string, want: number, say: (got: unknown) => string) => {
  const other = f.runs.find((r) => r[key] !== want);
  return other ? say(other[key]) : undefined;
};

export const SUMMARY_KEYS = {
  start_tasks_per_s_10k: {
    figure: 'devServerAtOnce',
    system: 'chuangwen',
    tasks: 10_000,
    metric: 'tasksPerSecond',
    what: 'the campaign start of 10,000 tasks, tasks per second until every assignment notice was mailed (dev server)',
    scenario: 'start',
  },
  start_cpu_ms_per_task: {
    figure: 'devServerAtOnce',
    system: 'chuangwen',
    tasks: 10_000,
    metric: 'startCpuMsPerTask',
    what: 'the CPU ms per task during the start of 10,000 tasks, all processes (worker, Temporal server, PostgreSQL, SMTP sink, driver)',
    scenario: 'start',
  },
  burst_all_notices_s_10k: {
    figure: 'devServerAtOnce',
    system: 'chuangwen',
    tasks: 10_000,
    metric: 'lastOverdueAfterLapseSeconds',
    what: 'the seconds from the instant 10,000 deadlines lapsed together to the last overdue notice mailed',
    scenario: 'start',
  },
  burst_p99_s_10k: {
    figure: 'devServerAtOnce',
    system: 'chuangwen',
    tasks: 10_000,
    metric: 'latencyP99',
    what: 'the p99 latency, s, deadline → overdue mail accepted, 10,000 deadlines at once',
    scenario: 'start',
  },
  pgboss_burst_p99_s_10k: {
    figure: 'devServerAtOnce',
    system: 'pg-boss',
    tasks: 10_000,
    metric: 'latencyP99',
    what: 'the pg-boss baseline, p99 latency, s, deadline → overdue mail accepted, 10,000 deadlines at once',
    scenario: 'start',
  },
  spread_p99_s_1k: {
    figure: 'devServerSpread',
    system: 'chuangwen',
    tasks: 1_000,
    metric: 'latencyP99',
    what: 'the p99 latency, s, 1,000 deadlines spread one a second over 300 s',
    scenario: 'spread',
    mismatch: (f) => everyRun(f, 'spreadSeconds', 300, (got) => `measured with a ${String(got)} s window, not 300 s`),
  },
  year_wall_s_1k: {
    figure: 'yearSimulation',
    system: 'chuangwen',
    tasks: 1_000,
    metric: 'wallSeconds',
    what: 'the wall seconds of a one-year campaign of 1,000 tasks on the time-skipping server',
    scenario: 'year',
    mismatch: (f) => everyRun(f, 'days', 365, (got) => `measured over ${String(got)} simulated days, not 365`),
  },
  year_peak_rss_mib_1k: {
    figure: 'yearSimulation',
    system: 'chuangwen',
    tasks: 1_000,
    metric: 'memory.total.peakRssMiB',
    what: 'the peak of the summed RSS of all processes (worker, test server, PostgreSQL tree, SMTP sink, driver), MiB, one-year campaign of 1,000 tasks',
    scenario: 'year',
    mismatch: (f) => everyRun(f, 'days', 365, (got) => `measured over ${String(got)} simulated days, not 365`),
  },
  mails_per_unit_week_30_tasks: {
    figure: 'unitWeek',
    system: 'chuangwen',
    tasks: 30,
    metric: 'mailsToUnit',
    what: "the mails received by one unit's contact in one simulated week with 30 open tasks",
    scenario: 'unitweek',
  },
} satisfies Record<string, KeySpec>;

export type SummaryKey = keyof typeof SUMMARY_KEYS;
export type Summary = { [K in SummaryKey]: number | null } & { notes: Partial<Record<SummaryKey, string>> };

const sameMachine = (a: Machine | undefined, b: Machine) => !a || (a.cpus === b.cpus && a.memoryGiB === b.memoryGiB && a.platform === b.platform);

export function thisMachine(): Machine {
  return { cpus: cpuCount(), memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** The summary of the figures of one variant in results.json. */
export function buildSummary(results: Results | undefined, options: { variant?: string; machine?: Machine } = {}): Summary {
  const variant = options.variant ?? 'default';
  const machine = options.machine ?? thisMachine();
  const figures = results?.figures ?? [];
  const notes: Partial<Record<SummaryKey, string>> = {};
  const values = {} as { [K in SummaryKey]: number | null };
  const runHint = (spec: KeySpec) => `run \`npm run bench -- --only ${spec.scenario}${spec.scenario === 'unitweek' ? '' : ` --sizes ${spec.tasks}`}\``;
  for (const [key, spec] of Object.entries(SUMMARY_KEYS) as [SummaryKey, KeySpec][]) {
    values[key] = null;
    const matches = (f: Figure) => f.figure === spec.figure && f.system === spec.system && (f.variant ?? 'default') === variant;
    const figure = figures.find((f) => matches(f) && f.tasks === spec.tasks && f.method === METHOD);
    if (!figure) {
      const old = figures.find((f) => matches(f) && f.tasks === spec.tasks);
      const elsewhere = figures
        .filter((f) => matches(f) && f.method === METHOD && f.tasks !== spec.tasks && f.median[spec.metric] !== undefined)
        .map((f) => `${f.median[spec.metric]} at ${f.tasks.toLocaleString('en-US')} tasks (${f.runs.length} complete run${f.runs.length === 1 ? '' : 's'})`);
      notes[key] =
        `not measured: the results have no figure of variant ${variant} taken with the current method for ${spec.what}` +
        (old ? '; the figure there predates it (nearest-rank medians, no warm-up, stopped runs mixed in) and is not reported' : '') +
        (elsewhere.length ? `; this variant measured ${elsewhere.join(', ')}` : '') +
        `; ${runHint(spec)}`;
      continue;
    }
    const stopped = figure.stopped ?? [];
    const reasons = [...new Set(stopped.map((r) => String(r.stopReason ?? 'stopped')))].join('; ');
    if (!sameMachine(figure.machine, machine)) {
      notes[key] = `measured on another machine (${figure.machine?.cpus} cores, ${figure.machine?.memoryGiB} GiB), not this one; ${runHint(spec)}`;
      continue;
    }
    if (figure.runs.length === 0) {
      notes[key] = `no complete run: ${stopped.length} of ${figure.requestedRuns ?? stopped.length} stopped early (${reasons}); none is averaged in`;
      continue;
    }
    const mismatch = spec.mismatch?.(figure);
    if (mismatch) {
      notes[key] = `${mismatch}; ${runHint(spec)}`;
      continue;
    }
    const value = figure.median[spec.metric];
    if (value === undefined || !Number.isFinite(value)) {
      notes[key] = `the complete runs have no ${spec.metric}`;
      continue;
    }
    values[key] = value;
    const caveats = [
      figure.runs.length < 3 ? `median of ${figure.runs.length} complete run${figure.runs.length === 1 ? '' : 's'}, fewer than 3` : '',
      stopped.length ? `${stopped.length} run${stopped.length === 1 ? '' : 's'} stopped early and not counted (${reasons})` : '',
      figure.warmup ? '' : 'no warm-up run',
    ].filter(Boolean);
    if (caveats.length) notes[key] = caveats.join('; ');
  }
  return { ...values, notes };
}

export async function writeSummary(options: { variant?: string; path?: string; machine?: Machine; results?: string } = {}): Promise<Summary> {
  const summary = buildSummary(await loadResults(options.results), options);
  await writeFile(options.path ?? SUMMARY_PATH, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      variant: { type: 'string', default: 'default' },
      results: { type: 'string', default: RESULTS_PATH },
      out: { type: 'string', default: SUMMARY_PATH },
      print: { type: 'boolean', default: false },
    },
  });
  const run = values.print
    ? async () => buildSummary(await loadResults(values.results), { variant: values.variant })
    : () => writeSummary({ variant: values.variant, path: values.out, results: values.results });
  run().then(
    (summary) => console.log(JSON.stringify(summary, null, 2)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
