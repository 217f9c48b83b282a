// The benchmarks: `tsx bench/run.ts [--sizes 100,1000] [--repeats 3] [--only start,spread,skip,year]`.
// Prints each figure and merges it into bench/results.json (bench/report.ts and bench/plot.ts
// turn that into docs/benchmarks.md's table and bench/plot.svg). Everything runs on this machine:
// an embedded PostgreSQL, Temporal servers and SMTP sinks on 127.0.0.1, nothing else.
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { bundleWorkflows } from '../worker/bundle.js';
import { startTemporaryPostgres } from '../stack/postgres.js';
import { medians, round, saveFigures, type Figure } from './common.js';
import { devServerRun, writeBundle } from './devserver-bench.js';
import { timeSkippingLapseRun, yearRun } from './timeskipping-bench.js';

const SCENARIOS = ['start', 'spread', 'skip', 'year'] as const;
type Scenario = (typeof SCENARIOS)[number];

const USAGE = `tsx bench/run.ts [options]
  --sizes 100,1000,10000   open tasks per run (default 100,1000,10000)
  --repeats 3              runs per figure; the median is reported (default 3)
  --spread-repeats 1       runs of the spread-over-a-window lapse (default 1)
  --only start,spread,skip,year
                           start:  campaign start + all deadlines at once, dev server (chuangwen and pg-boss)
                           spread: deadlines spread over --spread-seconds, dev server (both)
                           skip:   deadlines at once on the time-skipping server (chuangwen)
                           year:   a one-year campaign on the time-skipping server (sizes ≤ --year-max)
  --systems chuangwen,pg-boss
  --spread-seconds 300     the window the deadlines of the spread run lapse in
  --start-mode campaign    campaign: startCampaign; direct: the client starts every task's workflow itself
                           (the experiment behind a proposed change; stored as variant direct-start)
  --start-limit-minutes 15 stop waiting for the assignments after this long (the run is reported incomplete)
  --year-repeats 1         runs of the one-year simulation
  --per-campaign 2500      tasks per campaign at most (a larger campaign is tried once and its refusal recorded)
  --year-days 365 --year-max 1000 --year-limit-minutes 20
  --tuning '{"maxCachedWorkflows":5000}'   SDK worker options for createWorker's tuning (JSON)
  --pool 10                the worker's PostgreSQL pool size (default: db/pool.ts)
  --variant NAME           label stored with the figures (before/after a change)
  --worker-heap-mb 512     the worker process's V8 heap limit (--max-old-space-size)
  --expected-rate 3        chuangwen tasks/s assumed when placing the first run's deadlines
  --pgboss-batch 50 --pgboss-loops 2 --pgboss-poll 0.5`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100,1000,10000' },
      repeats: { type: 'string', default: '3' },
      'spread-repeats': { type: 'string', default: '1' },
      only: { type: 'string', default: SCENARIOS.join(',') },
      systems: { type: 'string', default: 'chuangwen,pg-boss' },
      'spread-seconds': { type: 'string', default: '300' },
      'start-mode': { type: 'string', default: 'campaign' },
      'start-limit-minutes': { type: 'string', default: '15' },
      'year-repeats': { type: 'string', default: '1' },
      'worker-heap-mb': { type: 'string' },
      'expected-rate': { type: 'string' },
      'per-campaign': { type: 'string', default: '2500' },
      'year-days': { type: 'string', default: '365' },
      'year-max': { type: 'string', default: '1000' },
      'year-limit-minutes': { type: 'string', default: '20' },
      tuning: { type: 'string' },
      pool: { type: 'string' },
      variant: { type: 'string', default: 'default' },
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
  const sizes = values.sizes.split(',').map(Number);
  const repeats = Number(values.repeats);
  const only = new Set(values.only.split(',') as Scenario[]);
  const systems = values.systems.split(',') as ('chuangwen' | 'pg-boss')[];
  const perCampaign = Number(values['per-campaign']);
  const tuning = values.tuning ? (JSON.parse(values.tuning) as Record<string, unknown>) : undefined;
  const poolSize = values.pool ? Number(values.pool) : undefined;
  const startMode = values['start-mode'] === 'direct' ? 'direct' : 'campaign';
  const variant = startMode === 'direct' && values.variant === 'default' ? 'direct-start' : values.variant;
  const startLimitMs = Number(values['start-limit-minutes']) * 60_000;
  if (values['worker-heap-mb']) process.env.BENCH_WORKER_HEAP_MB = values['worker-heap-mb'];
  const baseline = {
    batchSize: Number(values['pgboss-batch']),
    loops: Number(values['pgboss-loops']),
    pollingIntervalSeconds: Number(values['pgboss-poll']),
  };
  const machine = { cpus: cpus().length, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, platform: `${process.platform}-${process.arch}` };
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const quiet = (line: string) => {
    if (line.startsWith('  ')) log(line); // the benchmark's own progress
    else if (/error|fail|warn/i.test(line) && !/节假日|missingYears|activity_failure_include_heartbeat/.test(line)) log(`  worker: ${line.slice(0, 300)}`);
  };

  log(`machine: ${machine.cpus} cores, ${machine.memoryGiB} GiB, node ${machine.node}`);
  const pg = await startTemporaryPostgres();
  const bundle = await writeBundle((await bundleWorkflows()).code);
  const note =
    variant === 'default'
      ? undefined
      : `variant ${variant}${tuning ? ` tuning ${JSON.stringify(tuning)}` : ''}${poolSize ? ` pool ${poolSize}` : ''}${values['worker-heap-mb'] ? ` worker heap ${values['worker-heap-mb']} MB` : ''}`;
  const figure = (f: Omit<Figure, 'median'>): Figure => ({ ...f, median: medians(f.runs), variant, ...(note ? { note } : {}) });
  const save = (figures: Figure[]) => saveFigures(figures, machine);
  const expectedRate: Record<string, number> = { chuangwen: Number(values['expected-rate'] ?? 3), 'pg-boss': 40 };

  try {
    for (const tasks of sizes) {
      // Dev server: start + all deadlines at once; pg-boss the same.
      for (const mode of ['atOnce', 'spread'] as const) {
        if (!only.has(mode === 'atOnce' ? 'start' : 'spread')) continue;
        for (const system of systems) {
          const runs: Record<string, unknown>[] = [];
          const reps = mode === 'atOnce' ? repeats : Number(values['spread-repeats']);
          if (system === 'chuangwen' && mode === 'atOnce' && tasks > perCampaign) {
            // Try the whole load as one campaign once: record what the engine says.
            log(`${system} ${tasks} tasks as one campaign (probe)`);
            const probe = await devServerRun({ system, tasks, mode, spreadSeconds: Number(values['spread-seconds']), perCampaign: tasks, expectedRate: expectedRate[system], serverUrl: pg.url, bundlePath: bundle.path, tuning, poolSize, baseline, startMode, startLimitMs, log: quiet });
            log(`  one campaign of ${tasks}: ${probe.startError ? `refused (${String(probe.startError).slice(0, 160)})` : `${probe.tasksPerSecond} tasks/s`}`);
            if (!probe.startError) runs.push(probe);
            else await save([figure({ figure: 'singleCampaignProbe', system, server: 'devServer', tasks, runs: [probe] })]);
          }
          for (let r = runs.length; r < reps; r++) {
            log(`${system} ${mode} ${tasks} tasks, run ${r + 1}/${reps}`);
            const run = await devServerRun({ system, tasks, mode, spreadSeconds: Number(values['spread-seconds']), perCampaign, expectedRate: expectedRate[system], serverUrl: pg.url, bundlePath: bundle.path, tuning, poolSize, baseline, startMode, startLimitMs, log: quiet });
            runs.push(run);
            if (typeof run.tasksPerSecond === 'number' && run.tasksPerSecond > 0) expectedRate[system] = Math.min(expectedRate[system], run.tasksPerSecond);
            log(`  ${summary(run)}`);
          }
          await save([figure({ figure: mode === 'atOnce' ? 'devServerAtOnce' : 'devServerSpread', system, server: 'devServer', tasks, runs })]);
        }
      }
      if (only.has('skip') && systems.includes('chuangwen')) {
        const runs: Record<string, unknown>[] = [];
        for (let r = 0; r < repeats; r++) {
          log(`chuangwen time-skipping lapse ${tasks} tasks, run ${r + 1}/${repeats}`);
          runs.push(await timeSkippingLapseRun({ tasks, perCampaign, serverUrl: pg.url, bundlePath: bundle.path, tuning, poolSize, log: quiet }));
        }
        await save([figure({ figure: 'timeSkippingAtOnce', system: 'chuangwen', server: 'timeSkipping', tasks, runs })]);
      }
      if (only.has('year') && systems.includes('chuangwen') && tasks <= Number(values['year-max'])) {
        const runs: Record<string, unknown>[] = [];
        const yearRepeats = Number(values['year-repeats']);
        for (let r = 0; r < yearRepeats; r++) {
          log(`chuangwen one-year simulation ${tasks} tasks, run ${r + 1}/${yearRepeats}`);
          runs.push(
            await yearRun({
              tasks,
              perCampaign,
              serverUrl: pg.url,
              bundlePath: bundle.path,
              tuning,
              poolSize,
              log: quiet,
              days: Number(values['year-days']),
              limitMs: Number(values['year-limit-minutes']) * 60_000,
              concurrency: 16,
            }),
          );
        }
        await save([figure({ figure: 'yearSimulation', system: 'chuangwen', server: 'timeSkipping', tasks, runs })]);
      }
    }
  } finally {
    await bundle.remove();
    await pg.stop();
  }
  log('results merged into bench/results.json; `tsx bench/report.ts` and `tsx bench/plot.ts` render them');
}

function summary(run: Record<string, unknown>): string {
  if (run.startError) return `refused: ${String(run.startError).slice(0, 120)}`;
  const parts = [`${run.tasksPerSecond} tasks/s`, `worker +${run.workerKiBPerOpenTask} KiB/task`];
  if (run.latencyP99 !== undefined) parts.push(`lapse p50/p95/p99 ${run.latencyP50}/${run.latencyP95}/${run.latencyP99} s`);
  if (run.overlap) parts.push('OVERLAP');
  return parts.join(', ');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
