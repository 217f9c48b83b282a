// Renders bench/results.json as the figures table of docs/benchmarks.md (between the markers
// <!-- figures:start --> and <!-- figures:end -->), or prints it: `tsx bench/report.ts [--print]`.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadResults, round, type Figure, type Results } from './common.js';

const DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const START = '<!-- figures:start -->';
const END = '<!-- figures:end -->';
const README = fileURLToPath(new URL('../README.md', import.meta.url));
const SUMMARY_START = '<!-- bench:start -->';
const SUMMARY_END = '<!-- bench:end -->';

type Get = (figure: string, system: string, tasks: number, variant?: string) => Figure | undefined;

function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(round(value, digits));
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${fmt(a / b, 2)}×`;
}

/** Every run of a figure: the counted ones and those that stopped early (figures before the method hold both in runs). */
const allRuns = (f: Figure | undefined) => (f ? [...f.runs, ...(f.stopped ?? [])] : []);

/** How many runs a figure has, and whether any was incomplete. */
function runsNote(f: Figure | undefined, completeKey?: string): string {
  if (!f) return '';
  const incomplete = f.method ? (f.stopped?.length ?? 0) : completeKey ? f.runs.filter((r) => r[completeKey] === false).length : 0;
  const overlap = f.runs.filter((r) => r.overlap === true).length;
  const campaigns = Number(allRuns(f)[0]?.campaigns ?? 1);
  const counted = f.method ? f.runs.length : f.runs.filter((r) => !completeKey || r[completeKey] !== false).length;
  return [
    `n=${counted}`,
    campaigns > 1 ? `${campaigns} campaigns` : '',
    incomplete ? `${incomplete} stopped early${f.method ? ', not counted' : ''}` : '',
    overlap ? `${overlap} overlapped` : '',
    f.method ? (f.warmup ? '+ warm-up' : 'no warm-up') : 'old method',
  ]
    .filter(Boolean)
    .join(', ');
}

export function renderTable(results: Results): string {
  const get: Get = (figure, system, tasks, variant = 'default') =>
    results.figures.find((f) => f.figure === figure && f.system === system && f.tasks === tasks && (f.variant ?? 'default') === variant);
  // Columns: the sizes of the reported figures (the smoke variant and the unit week have their own).
  const sizes = [...new Set(results.figures.filter((f) => ['default', 'before'].includes(f.variant ?? 'default') && f.figure !== 'unitWeek').map((f) => f.tasks))].sort((a, b) => a - b);
  const m = (f: Figure | undefined, key: string) => f?.median[key];
  const lines: string[] = [];
  const head = (title: string) => {
    lines.push('', `| ${title} | ${sizes.map((s) => `${s.toLocaleString('en-US')} tasks`).join(' | ')} |`, `|---|${sizes.map(() => '---:').join('|')}|`);
  };
  const row = (label: string, cell: (tasks: number) => string) => lines.push(`| ${label} | ${sizes.map(cell).join(' | ')} |`);

  lines.push(`Machine: ${results.machine.cpus} cores, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}. Medians per metric over the n complete runs (the average of the two middle ones for an even n), after a warm-up run that is not counted; runs that stopped early are listed apart. Figures marked "old method" predate this (nearest-rank medians, no warm-up). Updated ${results.updatedAt.slice(0, 16).replace('T', ' ')} UTC.`);

  head('Campaign start (dev server, SQLite), all assignment mails accepted');
  row('chuangwen, tasks/s', (t) => fmt(m(get('devServerAtOnce', 'chuangwen', t), 'tasksPerSecond')));
  row('chuangwen, seconds for all', (t) => {
    const f = get('devServerAtOnce', 'chuangwen', t);
    const stopped = allRuns(f).find((r) => r.startComplete === false);
    if (stopped && f?.method && f.runs.length) return `${fmt(m(f, 'startSeconds'))} (and ${f.stopped?.length} run stopped early, not counted)`;
    return stopped ? `stopped after ${fmt(Number(stopped.startSeconds), 0)} s with ${stopped.assignmentsAccepted} sent` : fmt(m(f, 'startSeconds'));
  });
  row('chuangwen before the changes below (first version), tasks/s', (t) => {
    const f = get('devServerAtOnce', 'chuangwen', t, 'before');
    const stopped = allRuns(f).find((r) => r.startComplete === false);
    return stopped ? `${fmt(m(f, 'tasksPerSecond'))} (stopped after ${fmt(Number(stopped.startSeconds), 0)} s with ${stopped.assignmentsAccepted} sent)` : fmt(m(f, 'tasksPerSecond'));
  });
  row('pg-boss baseline, tasks/s', (t) => fmt(m(get('devServerAtOnce', 'pg-boss', t), 'tasksPerSecond')));
  row('ratio chuangwen / pg-boss', (t) => ratio(m(get('devServerAtOnce', 'chuangwen', t), 'tasksPerSecond'), m(get('devServerAtOnce', 'pg-boss', t), 'tasksPerSecond')));
  row('runs (chuangwen; pg-boss)', (t) => `${runsNote(get('devServerAtOnce', 'chuangwen', t), 'startComplete')}; ${runsNote(get('devServerAtOnce', 'pg-boss', t), 'startComplete')}`);

  const lat = (f: Figure | undefined) => (f && m(f, 'latencyP50') !== undefined ? `${fmt(m(f, 'latencyP50'), 2)} / ${fmt(m(f, 'latencyP95'), 2)} / ${fmt(m(f, 'latencyP99'), 2)}` : '–');
  head('Escalation latency, s (p50 / p95 / p99): deadline instant → overdue mail accepted');
  row('chuangwen, dev server, all at once', (t) => lat(get('devServerAtOnce', 'chuangwen', t)));
  row('chuangwen before, all at once', (t) => lat(get('devServerAtOnce', 'chuangwen', t, 'before')));
  row('pg-boss, all at once', (t) => lat(get('devServerAtOnce', 'pg-boss', t)));
  row('ratio p99 chuangwen / pg-boss, at once', (t) => ratio(m(get('devServerAtOnce', 'chuangwen', t), 'latencyP99'), m(get('devServerAtOnce', 'pg-boss', t), 'latencyP99')));
  row('chuangwen, dev server, spread over the window', (t) => lat(get('devServerSpread', 'chuangwen', t)));
  row('pg-boss, spread over the window', (t) => lat(get('devServerSpread', 'pg-boss', t)));
  row('ratio p99 chuangwen / pg-boss, spread', (t) => ratio(m(get('devServerSpread', 'chuangwen', t), 'latencyP99'), m(get('devServerSpread', 'pg-boss', t), 'latencyP99')));
  row('chuangwen, time-skipping server, all at once', (t) => lat(get('timeSkippingAtOnce', 'chuangwen', t)));
  row('chuangwen before, time-skipping server, all at once', (t) => lat(get('timeSkippingAtOnce', 'chuangwen', t, 'before')));

  // A one-year run stopped by its time limit covers fewer days: say so next to its numbers.
  const yearCell = (t: number, key: string, digits = 1) => {
    const f = get('yearSimulation', 'chuangwen', t);
    const v = fmt(m(f, key), digits);
    const stopped = allRuns(f).find((r) => r.complete === false);
    if (stopped && f?.method) return v === '–' ? `every run stopped (day ${stopped.simulatedDays})` : `${v} (a run stopped at day ${stopped.simulatedDays}, not counted)`;
    return stopped && v !== '–' ? `${v} (stopped at day ${stopped.simulatedDays})` : v;
  };
  head('Footprint');
  // Per open task only where every assignment went out (an incomplete start has workflows half-way).
  const complete = (f: Figure | undefined) => (f && f.runs.every((r) => r.startComplete !== false) ? f : undefined);
  row('chuangwen worker RSS per open task, KiB', (t) => fmt(m(complete(get('devServerAtOnce', 'chuangwen', t)), 'workerKiBPerOpenTask')));
  row('chuangwen before, worker RSS per open task, KiB', (t) => fmt(m(complete(get('devServerAtOnce', 'chuangwen', t, 'before')), 'workerKiBPerOpenTask')));
  row('pg-boss worker RSS per open task, KiB', (t) => fmt(m(get('devServerAtOnce', 'pg-boss', t), 'workerKiBPerOpenTask')));
  row('chuangwen worker RSS with the tasks open, MiB', (t) => fmt(m(get('devServerAtOnce', 'chuangwen', t), 'workerOpenRssMiB')));
  row('Temporal dev server SQLite, bytes per task after start', (t) => fmt(m(complete(get('devServerAtOnce', 'chuangwen', t)), 'temporalSqliteBytesPerTask'), 0));
  row('PostgreSQL rows per task-year (one-year run)', (t) => yearCell(t, 'postgresRowsPerTaskYear'));
  row('PostgreSQL bytes per task-year (one-year run)', (t) => yearCell(t, 'postgresBytesPerTaskYear', 0));

  head('One-year campaign, time-skipping server');
  row('wall time, s', (t) => yearCell(t, 'wallSeconds'));
  row('updates (units and office)', (t) => yearCell(t, 'updates', 0));
  row('peak RSS worker, MiB', (t) => yearCell(t, 'workerPeakRssMiB'));
  row('peak RSS test server, MiB', (t) => yearCell(t, 'testServerPeakRssMiB'));
  const beforeYear = (t: number, key: string) => {
    const f = get('yearSimulation', 'chuangwen', t, 'before');
    const stopped = allRuns(f).find((r) => r.complete === false);
    return stopped ? `${fmt(m(f, key))} (stopped at day ${stopped.simulatedDays})` : fmt(m(f, key));
  };
  row('before: wall time, s', (t) => beforeYear(t, 'wallSeconds'));
  row('before: peak RSS worker, MiB', (t) => beforeYear(t, 'workerPeakRssMiB'));
  row('before: peak RSS test server, MiB', (t) => beforeYear(t, 'testServerPeakRssMiB'));

  head('Memory and CPU of the whole stack (worker, Temporal server, PostgreSQL tree, SMTP sink, driver)');
  row('one-year campaign, peak RSS of all processes, MiB', (t) => yearCell(t, 'memory.total.peakRssMiB', 0));
  row('campaign start, peak RSS of all processes, MiB', (t) => fmt(m(get('devServerAtOnce', 'chuangwen', t), 'memory.total.peakRssMiB'), 0));
  row('campaign start, CPU ms per task, all processes', (t) => fmt(m(get('devServerAtOnce', 'chuangwen', t), 'startCpuMsPerTask')));

  const week = get('unitWeek', 'chuangwen', 30);
  if (week) {
    lines.push('', `Mails to one unit's contact in one simulated week with 30 open tasks: ${fmt(m(week, 'mailsToUnit'), 0)} (${runsNote(week)}).`);
  }

  const probes = results.figures.filter((f) => f.figure === 'singleCampaignProbe' && (f.variant ?? 'default') === 'default');
  for (const p of probes) {
    lines.push('', `One campaign of ${p.tasks.toLocaleString('en-US')} tasks: ${p.runs[0]?.startError ? `refused — \`${String(p.runs[0].startError).slice(0, 200)}\`` : 'started'}.`);
  }
  return lines.join('\n');
}

/** The README's short table: the figures the targets are about, now and in the first version. */
export function renderSummary(results: Results): string {
  const get = (figure: string, system: string, tasks: number, variant = 'default') =>
    results.figures.find((f) => f.figure === figure && f.system === system && f.tasks === tasks && (f.variant ?? 'default') === variant);
  const m = (f: Figure | undefined, key: string) => f?.median[key];
  const sizes = [...new Set(results.figures.filter((f) => (f.variant ?? 'default') === 'default').map((f) => f.tasks))].sort((a, b) => a - b);
  // A run stopped by its time limit says so: its figure covers fewer days.
  const cell = (f: Figure | undefined, key: string, digits: number) => {
    const stopped = allRuns(f).find((r) => r.complete === false);
    const unfinished = allRuns(f).some((r) => r.startComplete === false);
    const v = fmt(m(f, key), digits);
    if (v === '–') return v;
    return stopped ? `${v} at day ${stopped.simulatedDays}` : unfinished ? `${v}, stopped before all were sent` : v;
  };
  const both = (figure: string, system: string, key: string, t: number, digits = 1) => {
    const now = cell(get(figure, system, t), key, digits);
    const before = cell(get(figure, system, t, 'before'), key, digits);
    return before === '–' ? now : `${now} (${before})`;
  };
  const lines = [
    `| figure, now (first version) | ${sizes.map((t) => `${t.toLocaleString('en-US')} tasks`).join(' | ')} |`,
    `|---|${sizes.map(() => '---:').join('|')}|`,
  ];
  const row = (label: string, cell: (t: number) => string) => lines.push(`| ${label} | ${sizes.map(cell).join(' | ')} |`);
  row('campaign start, tasks/s', (t) => both('devServerAtOnce', 'chuangwen', 'tasksPerSecond', t));
  row('pg-boss baseline start, tasks/s', (t) => fmt(m(get('devServerAtOnce', 'pg-boss', t), 'tasksPerSecond')));
  row('all deadlines at once, p99 to the last overdue mail, s', (t) => both('devServerAtOnce', 'chuangwen', 'latencyP99', t));
  row('deadlines spread over 5 minutes, p99, s', (t) => both('devServerSpread', 'chuangwen', 'latencyP99', t, 2));
  row('worker RSS per open task, KiB', (t) => both('devServerAtOnce', 'chuangwen', 'workerKiBPerOpenTask', t, 0));
  row('one simulated year, wall s', (t) => both('yearSimulation', 'chuangwen', 'wallSeconds', t));
  row('one simulated year, peak RSS worker + test server, MiB', (t) => both('yearSimulation', 'chuangwen', 'peakRssTotalMiB', t, 0));
  return lines.join('\n');
}

async function replaceBetween(file: string, start: string, end: string, text: string): Promise<void> {
  const doc = await readFile(file, 'utf8');
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} … ${end} markers`);
  await writeFile(file, `${doc.slice(0, from + start.length)}\n${text}\n${doc.slice(to)}`);
}

async function main(): Promise<void> {
  const results = await loadResults();
  if (!results) throw new Error('bench/results.json is missing: run `tsx bench/run.ts` first');
  const table = renderTable(results);
  if (process.argv.includes('--print')) {
    console.log(table);
    console.log(`\n${renderSummary(results)}`);
    return;
  }
  await replaceBetween(DOC, START, END, table);
  await replaceBetween(README, SUMMARY_START, SUMMARY_END, renderSummary(results));
  console.log(`figures written to ${DOC} and ${README}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
