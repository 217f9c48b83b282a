// The benchmarks: `tsx bench/run.ts [--scale full|small] [--runs 3] [--no-warmup] [--only …]`.
//
// Method (docs/benchmarks.md, "How the figures are taken"):
//   - every scenario (figure × system × size) runs once as a warm-up that is recorded but not
//     counted, then --runs times (3 by default), each on a fresh stack;
//   - a run that stopped early (a time limit, an error, notices still missing) is recorded with its
//     stopReason and kept apart (`stopped`), never in a median;
//   - each metric's figure is the median over the complete runs of that metric alone (the average
//     of the two middle values for an even count; bench/median.ts);
//   - every run records the peak RSS of every process of its stack, sampled while it runs (the
//     worker, the Temporal server, PostgreSQL's whole process tree, the SMTP sink, this driver;
//     bench/processes.ts), and the machine's load average at its start and end;
//   - the workers run with the production worker's settings (bench/production-settings.ts).
//
// Each scenario's figure is merged into bench/results.json (a smoke run's into a file in the
// temporary directory); at the end bench/summary.json is written from it (bench/summary.ts). Everything runs on this machine: an embedded PostgreSQL,
// Temporal servers and SMTP sinks on 127.0.0.1, nothing else.
import { tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflows } from '../worker/bundle.js';
import { startTemporaryPostgres } from '../stack/postgres.js';
import { METHOD, RESULTS_PATH, round, saveFigures, type Figure, type Machine, type Run } from './common.js';
import { devServerRun, writeBundle } from './devserver-bench.js';
import { medianPerMetric } from './median.js';
import { cpuCount, machineLoad } from './processes.js';
import { productionConfig, productionSettingsRecord } from './production-settings.js';
import { SUMMARY_PATH, writeSummary } from './summary.js';
import { timeSkippingLapseRun, unitWeekRun, yearRun } from './timeskipping-bench.js';

const SCENARIOS = ['start', 'spread', 'skip', 'year', 'unitweek'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Sizes (open tasks) of each scenario, and the windows, at each scale. */
const SCALES = {
  full: { start: [100, 1000, 10000], spread: [1000], skip: [100, 1000], year: [100, 1000], unitweek: [30], spreadSeconds: 300, yearDays: 365 },
  small: { start: [50], spread: [50], skip: [50], year: [20], unitweek: [30], spreadSeconds: 30, yearDays: 90 },
} as const;
type Scale = keyof typeof SCALES;

const USAGE = `tsx bench/run.ts [options]
  --scale full             full: the sizes the summary is about (start 100,1000,10000; spread 1000;
                           skip 100,1000; year 100,1000 over 365 days; unit week 30 tasks). Hours.
                           small: a smoke run (start/spread/skip 50, spread window 30 s, year 20 tasks
                           over 90 days, unit week 30 tasks); stored as variant "smoke", in a results
                           file of its own (--results). Minutes.
  --runs 3                 counted runs per scenario; the median is over the complete ones (default 3)
  --no-warmup              skip the warm-up run before each scenario's counted runs
  --only start,spread,skip,year,unitweek
                           start:    campaign start + all deadlines at once, dev server (chuangwen and pg-boss)
                           spread:   deadlines spread over --spread-seconds, dev server (both)
                           skip:     deadlines at once on the time-skipping server (chuangwen)
                           year:     a one-year campaign on the time-skipping server (sizes ≤ --year-max)
                           unitweek: mail to one unit with 30 open tasks in one simulated week (chuangwen)
  --sizes 100,1000         override the sizes of start, spread, skip and year
  --systems chuangwen,pg-boss
  --spread-seconds 300     the window the deadlines of the spread run lapse in (default: the scale's)
  --start-mode campaign    campaign: startCampaign; direct: the client starts every task's workflow itself
                           (the experiment behind a proposed change; stored as variant direct-start)
  --start-limit-minutes 15 stop waiting for the assignments after this long (the run is stopped early)
  --per-campaign 2500      tasks per campaign at most (a larger campaign is tried once and its refusal recorded)
  --year-days 365 --year-max 1000 --year-limit-minutes 20
  --week-limit-minutes 5   unit week: stop waiting for its mail after this long
  --tuning '{"maxCachedWorkflows":5000}'   SDK worker options laid over the production ones (JSON)
  --pool 10                the workers' PostgreSQL pool size (default: the production worker's PG_POOL_MAX)
  --variant NAME           label stored with the figures (before/after a change; default "default",
                           "smoke" with --scale small)
  --results PATH           where the figures are merged (default bench/results.json; with --scale small
                           a file in the temporary directory, so a smoke run leaves results.json alone)
  --summary PATH           where the summary goes (default bench/summary.json)
  --worker-heap-mb 512     the worker process's V8 heap limit (--max-old-space-size)
  --expected-rate 3        chuangwen tasks/s assumed when placing the first run's deadlines
  --pgboss-batch 50 --pgboss-loops 2 --pgboss-poll 0.5
The workers use the production worker's settings (worker/config.ts; PG_POOL_MAX and WORKER_* in the
environment change them as they would in production).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'full' },
      runs: { type: 'string', default: '3' },
      'no-warmup': { type: 'boolean', default: false },
      sizes: { type: 'string' },
      only: { type: 'string', default: SCENARIOS.join(',') },
      systems: { type: 'string', default: 'chuangwen,pg-boss' },
      'spread-seconds': { type: 'string' },
      'start-mode': { type: 'string', default: 'campaign' },
      'start-limit-minutes': { type: 'string', default: '15' },
      'worker-heap-mb': { type: 'string' },
      'expected-rate': { type: 'string' },
      'per-campaign': { type: 'string', default: '2500' },
      'year-days': { type: 'string' },
      'year-max': { type: 'string', default: '1000' },
      'year-limit-minutes': { type: 'string', default: '20' },
      'week-limit-minutes': { type: 'string', default: '5' },
      tuning: { type: 'string' },
      pool: { type: 'string' },
      variant: { type: 'string' },
      summary: { type: 'string', default: SUMMARY_PATH },
      results: { type: 'string' },
      'pgboss-batch': { type: 'string', default: '50' },
      'pgboss-loops': { type: 'string', default: '2' },
      'pgboss-poll': { type: 'string', default: '0.5' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!(values.scale in SCALES)) throw new Error(`--scale ${values.scale}: expected ${Object.keys(SCALES).join(' or ')}`);
  const scale = SCALES[values.scale as Scale];
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: expected a whole number ≥ 1`);
  const warmup = !values['no-warmup'];
  const only = new Set(values.only.split(',') as Scenario[]);
  for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`--only ${s}: expected some of ${SCENARIOS.join(',')}`);
  const systems = values.systems.split(',') as ('chuangwen' | 'pg-boss')[];
  const overridden = values.sizes?.split(',').map(Number);
  const sizesOf = (s: Exclude<Scenario, 'unitweek'>) => overridden ?? [...scale[s]];
  const spreadSeconds = Number(values['spread-seconds'] ?? scale.spreadSeconds);
  const yearDays = Number(values['year-days'] ?? scale.yearDays);
  const perCampaign = Number(values['per-campaign']);
  const tuning = values.tuning ? (JSON.parse(values.tuning) as Record<string, unknown>) : undefined;
  const production = productionConfig();
  const poolSize = values.pool ? Number(values.pool) : production.pgPoolMax;
  const startMode = values['start-mode'] === 'direct' ? 'direct' : 'campaign';
  const variant = values.variant ?? (startMode === 'direct' ? 'direct-start' : values.scale === 'small' ? 'smoke' : 'default');
  const startLimitMs = Number(values['start-limit-minutes']) * 60_000;
  const resultsPath = values.results ?? (values.scale === 'small' ? path.join(tmpdir(), 'chuangwen-bench-smoke', 'results.json') : RESULTS_PATH);
  if (values['worker-heap-mb']) process.env.BENCH_WORKER_HEAP_MB = values['worker-heap-mb'];
  const baseline = {
    batchSize: Number(values['pgboss-batch']),
    loops: Number(values['pgboss-loops']),
    pollingIntervalSeconds: Number(values['pgboss-poll']),
  };
  const machine: Machine = { cpus: cpuCount(), memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, platform: `${process.platform}-${process.arch}` };
  const settings = {
    ...productionSettingsRecord(production),
    ...(tuning ? { tuningOverride: tuning } : {}),
    ...(values.pool ? { poolOverride: poolSize } : {}),
    ...(values['worker-heap-mb'] ? { workerHeapMb: Number(values['worker-heap-mb']) } : {}),
  };
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const quiet = (line: string) => {
    if (line.startsWith('  ')) log(line); // the benchmark's own progress
    else if (/error|fail|warn/i.test(line) && !/节假日|missingYears|activity_failure_include_heartbeat/.test(line)) log(`  worker: ${line.slice(0, 300)}`);
  };

  log(`machine: ${machine.cpus} cores, ${machine.memoryGiB} GiB, node ${machine.node}; load ${machineLoad().join(' ')}`);
  log(`scale ${values.scale}, ${runs} counted run(s) per scenario${warmup ? ' after a warm-up' : ', no warm-up'}, variant ${variant}`);
  log(`worker settings (production): ${JSON.stringify(settings)}`);
  const pg = await startTemporaryPostgres();
  const bundle = await writeBundle((await bundleWorkflows()).code);
  const note =
    variant === 'default'
      ? undefined
      : `variant ${variant}${tuning ? ` tuning ${JSON.stringify(tuning)}` : ''}${values.pool ? ` pool ${poolSize}` : ''}${values['worker-heap-mb'] ? ` worker heap ${values['worker-heap-mb']} MB` : ''}`;
  const common = { serverUrl: pg.url, bundlePath: bundle.path, tuning, poolSize, log: quiet };
  const expectedRate: Record<string, number> = { chuangwen: Number(values['expected-rate'] ?? 3), 'pg-boss': 40 };

  /** One run, with the machine's load at its start and end; an error makes it a run that stopped early. */
  async function measured(label: string, meta: { index: number; warmup: boolean; probe?: boolean }, once: () => Promise<Run>): Promise<Run> {
    const loadStart = machineLoad();
    const startedAt = new Date().toISOString();
    log(`${label}, ${meta.probe ? 'probe (not a run of the figure)' : meta.warmup ? 'warm-up (not counted)' : `run ${meta.index}/${runs}`}; load ${loadStart.join(' ')}`);
    let run: Run;
    try {
      run = await once();
    } catch (error) {
      run = { error: (error as Error).stack?.slice(0, 1000) ?? String(error), stopReason: `error: ${(error as Error).message?.slice(0, 200) ?? String(error)}` };
    }
    run.complete = run.stopReason === undefined;
    run.meta = { ...meta, startedAt, finishedAt: new Date().toISOString() };
    run.load = { cpus: machine.cpus, start: loadStart, end: machineLoad() };
    log(`  ${summary(run)}`);
    return run;
  }

  /** A scenario: the warm-up, the counted runs, the medians over the complete ones; saved at once. */
  async function scenario(spec: Pick<Figure, 'figure' | 'system' | 'server' | 'tasks'>, once: () => Promise<Run>, after?: (run: Run) => void): Promise<void> {
    const label = `${spec.system} ${spec.figure} ${spec.tasks} tasks`;
    const warm = warmup ? await measured(label, { index: 0, warmup: true }, once) : null;
    if (warm) after?.(warm);
    const counted: Run[] = [];
    for (let i = 1; i <= runs; i++) {
      const run = await measured(label, { index: i, warmup: false }, once);
      after?.(run);
      counted.push(run);
    }
    const complete = counted.filter((r) => r.complete === true);
    const stopped = counted.filter((r) => r.complete !== true);
    const figure: Figure = {
      ...spec,
      method: METHOD,
      requestedRuns: runs,
      runs: complete,
      stopped,
      warmup: warm,
      median: medianPerMetric(complete),
      variant,
      ...(note ? { note } : {}),
      machine,
      settings,
      measuredAt: new Date().toISOString(),
    };
    await saveFigures([figure], machine, resultsPath);
    log(`${label}: ${complete.length} complete of ${runs}${stopped.length ? `, ${stopped.length} stopped early (not counted)` : ''}`);
  }

  try {
    for (const mode of ['atOnce', 'spread'] as const) {
      if (!only.has(mode === 'atOnce' ? 'start' : 'spread')) continue;
      for (const tasks of sizesOf(mode === 'atOnce' ? 'start' : 'spread')) {
        for (const system of systems) {
          const options = { ...common, system, tasks, mode, spreadSeconds, perCampaign, baseline, startMode, startLimitMs } as const;
          if (system === 'chuangwen' && mode === 'atOnce' && tasks > perCampaign) {
            // Try the whole load as one campaign once: record what the engine says (not a run of the figure).
            const probe = await measured(`${system} ${tasks} tasks as one campaign`, { index: 0, warmup: false, probe: true }, () =>
              devServerRun({ ...options, perCampaign: tasks, expectedRate: expectedRate[system] }),
            );
            await saveFigures([{ figure: 'singleCampaignProbe', system, server: 'devServer', tasks, runs: [probe], median: {}, method: METHOD, variant, machine, settings, measuredAt: new Date().toISOString() }], machine, resultsPath);
          }
          await scenario(
            { figure: mode === 'atOnce' ? 'devServerAtOnce' : 'devServerSpread', system, server: 'devServer', tasks },
            () => devServerRun({ ...options, expectedRate: expectedRate[system] }),
            (run) => {
              // Later runs place their deadlines by the slowest start rate seen.
              if (typeof run.tasksPerSecond === 'number' && run.tasksPerSecond > 0) expectedRate[system] = Math.min(expectedRate[system], run.tasksPerSecond);
            },
          );
        }
      }
    }
    if (only.has('skip') && systems.includes('chuangwen')) {
      for (const tasks of sizesOf('skip')) {
        await scenario({ figure: 'timeSkippingAtOnce', system: 'chuangwen', server: 'timeSkipping', tasks }, () => timeSkippingLapseRun({ ...common, tasks, perCampaign }));
      }
    }
    if (only.has('year') && systems.includes('chuangwen')) {
      for (const tasks of sizesOf('year').filter((t) => t <= Number(values['year-max']))) {
        await scenario({ figure: 'yearSimulation', system: 'chuangwen', server: 'timeSkipping', tasks }, () =>
          yearRun({ ...common, tasks, perCampaign, days: yearDays, limitMs: Number(values['year-limit-minutes']) * 60_000, concurrency: 16 }),
        );
      }
    }
    if (only.has('unitweek') && systems.includes('chuangwen')) {
      for (const tasks of scale.unitweek) {
        await scenario({ figure: 'unitWeek', system: 'chuangwen', server: 'timeSkipping', tasks }, () =>
          unitWeekRun({ ...common, tasks, limitMs: Number(values['week-limit-minutes']) * 60_000 }),
        );
      }
    }
  } finally {
    await bundle.remove();
    await pg.stop();
    const written = await writeSummary({ variant, path: values.summary, machine, results: resultsPath }).catch((error: Error) => {
      log(`summary not written: ${error.message}`);
      return undefined;
    });
    if (written) log(`summary (variant ${variant}) written to ${values.summary}:\n${JSON.stringify(written, null, 2)}`);
  }
  log(`results merged into ${resultsPath}${resultsPath === RESULTS_PATH ? '; `tsx bench/report.ts` and `tsx bench/plot.ts` render them' : ''}`);
}

function summary(run: Run): string {
  const parts: string[] = [];
  if (run.stopReason) parts.push(`STOPPED EARLY (${String(run.stopReason).slice(0, 160)})`);
  if (typeof run.tasksPerSecond === 'number') parts.push(`${run.tasksPerSecond} tasks/s`);
  if (typeof run.workerKiBPerOpenTask === 'number') parts.push(`worker +${run.workerKiBPerOpenTask} KiB/task`);
  if (run.latencyP99 !== undefined) parts.push(`lapse p50/p95/p99 ${run.latencyP50}/${run.latencyP95}/${run.latencyP99} s`);
  if (typeof run.wallSeconds === 'number') parts.push(`${run.wallSeconds} s wall`);
  if (typeof run.mailsToUnit === 'number') parts.push(`${run.mailsToUnit} mails to the unit`);
  const total = (run.memory as Record<string, { peakRssMiB?: number }> | undefined)?.total?.peakRssMiB;
  if (total !== undefined) parts.push(`peak RSS all processes ${total} MiB`);
  if (run.overlap) parts.push('OVERLAP');
  return parts.join(', ');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
