// Draws bench/plot.svg from bench/results.json: how each figure grows with the number of tasks.
// Plain SVG written here (log–log panels, one line per system; the first version's figures and the
// targets dashed): `tsx bench/plot.ts`.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadResults, type Figure, type Results } from './common.js';

const OUT = fileURLToPath(new URL('./plot.svg', import.meta.url));

interface Series {
  label: string;
  color: string;
  /** incomplete: a run stopped by its time limit (drawn hollow). */
  points: { x: number; y: number; incomplete?: boolean }[];
  dashed?: boolean;
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
  target?: { y: number; label: string };
}

const COLORS = { chuangwen: '#c0392b', direct: '#e67e22', spread: '#8e44ad', skip: '#16a085', pgboss: '#2c3e50' };

function seriesOf(results: Results, figure: string, system: string, key: string, label: string, color: string, variant = 'default'): Series {
  const points = results.figures
    .filter((f: Figure) => f.figure === figure && f.system === system && (f.variant ?? 'default') === variant)
    .map((f) => ({
      x: f.tasks,
      y: f.median[key],
      incomplete: (f.stopped?.length ?? 0) > 0 || f.runs.some((r) => r.complete === false || r.startComplete === false || r.lapseComplete === false),
    }))
    .filter((p) => Number.isFinite(p.y) && p.y > 0)
    .sort((a, b) => a.x - b.x);
  return { label, color, points };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceLabel(v: number): string {
  if (v >= 1000) return `${v / 1000}k`;
  if (v >= 1) return String(v);
  return String(Number(v.toPrecision(2)));
}

function drawPanel(panel: Panel, x0: number, y0: number, w: number, h: number): string {
  const pad = { left: 52, right: 12, top: 28, bottom: 36 };
  const pw = w - pad.left - pad.right;
  const ph = h - pad.top - pad.bottom;
  const all = panel.series.flatMap((s) => s.points);
  const out: string[] = [`<g transform="translate(${x0},${y0})">`, `<text x="${pad.left}" y="16" font-size="13" font-weight="600">${esc(panel.title)}</text>`];
  if (all.length === 0) {
    out.push(`<text x="${pad.left + 10}" y="${pad.top + ph / 2}" font-size="12" fill="#888">no data yet</text></g>`);
    return out.join('\n');
  }
  const xs = [100, 1000, 10000];
  const lx = (x: number) => Math.log10(x);
  const xMin = lx(100) - 0.15;
  const xMax = lx(10000) + 0.15;
  const ys = all.map((p) => p.y).concat(panel.target ? [panel.target.y] : []);
  const yMin = Math.floor(Math.log10(Math.min(...ys)));
  const yMax = Math.max(yMin + 1, Math.ceil(Math.log10(Math.max(...ys))));
  const px = (x: number) => pad.left + ((lx(x) - xMin) / (xMax - xMin)) * pw;
  const py = (y: number) => pad.top + ph - ((Math.log10(y) - yMin) / (yMax - yMin)) * ph;
  out.push(`<rect x="${pad.left}" y="${pad.top}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`);
  for (let d = yMin; d <= yMax; d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (Math.log10(v) > yMax + 1e-9) continue;
      const y = py(v);
      out.push(`<line x1="${pad.left}" x2="${pad.left + pw}" y1="${y}" y2="${y}" stroke="${m === 1 ? '#ddd' : '#eee'}"/>`);
      out.push(`<text x="${pad.left - 4}" y="${y + 4}" font-size="10" text-anchor="end" fill="#555">${niceLabel(v)}</text>`);
    }
  }
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${pad.top}" y2="${pad.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${pad.top + ph + 14}" font-size="10" text-anchor="middle" fill="#555">${x.toLocaleString('en-US')}</text>`);
  }
  out.push(`<text x="${pad.left + pw / 2}" y="${h - 6}" font-size="10" text-anchor="middle" fill="#555">open tasks</text>`);
  out.push(`<text transform="translate(12,${pad.top + ph / 2}) rotate(-90)" font-size="10" text-anchor="middle" fill="#555">${esc(panel.unit)}</text>`);
  if (panel.target) {
    const y = py(panel.target.y);
    out.push(`<line x1="${pad.left}" x2="${pad.left + pw}" y1="${y}" y2="${y}" stroke="#27ae60" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${pad.left + pw - 4}" y="${y - 4}" font-size="10" text-anchor="end" fill="#27ae60">${esc(panel.target.label)}</text>`);
  }
  let legendY = pad.top + 12;
  for (const s of panel.series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="3,3"' : ''}/>`);
    for (const p of s.points) {
      const fill = p.incomplete ? 'white' : s.color;
      const note = p.incomplete ? ' (stopped by its time limit)' : '';
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${fill}" stroke="${s.color}" stroke-width="1.5"><title>${esc(s.label)}: ${p.y} at ${p.x}${note}</title></circle>`);
    }
    out.push(`<rect x="${pad.left + 8}" y="${legendY - 8}" width="10" height="3" fill="${s.color}"/>`);
    out.push(`<text x="${pad.left + 22}" y="${legendY - 4}" font-size="10" fill="#333">${esc(s.label)}</text>`);
    legendY += 13;
  }
  out.push('</g>');
  return out.join('\n');
}

export function renderPlot(results: Results): string {
  const s = (figure: string, system: string, key: string, label: string, color: string, variant?: string) =>
    seriesOf(results, figure, system, key, label, color, variant);
  const panels: Panel[] = [
    {
      title: 'Campaign start: tasks per second',
      unit: 'tasks/s',
      series: [
        s('devServerAtOnce', 'chuangwen', 'tasksPerSecond', 'chuangwen', COLORS.chuangwen),
        { ...s('devServerAtOnce', 'chuangwen', 'tasksPerSecond', 'chuangwen, first version', COLORS.chuangwen, 'before'), dashed: true },
        s('devServerAtOnce', 'pg-boss', 'tasksPerSecond', 'pg-boss', COLORS.pgboss),
      ],
      target: { y: 10000 / 60, label: 'target: 10,000 in 60 s' },
    },
    {
      title: 'Campaign start: seconds until every assignment is accepted',
      unit: 's',
      series: [
        s('devServerAtOnce', 'chuangwen', 'startSeconds', 'chuangwen', COLORS.chuangwen),
        { ...s('devServerAtOnce', 'chuangwen', 'startSeconds', 'chuangwen, first version', COLORS.chuangwen, 'before'), dashed: true },
        s('devServerAtOnce', 'pg-boss', 'startSeconds', 'pg-boss', COLORS.pgboss),
      ],
      target: { y: 60, label: '60 s' },
    },
    {
      title: 'Escalation latency p99',
      unit: 's',
      series: [
        s('devServerAtOnce', 'chuangwen', 'latencyP99', 'chuangwen, all at once', COLORS.chuangwen),
        { ...s('devServerAtOnce', 'chuangwen', 'latencyP99', 'chuangwen first version, all at once', COLORS.chuangwen, 'before'), dashed: true },
        s('devServerSpread', 'chuangwen', 'latencyP99', 'chuangwen, spread', COLORS.spread),
        s('timeSkippingAtOnce', 'chuangwen', 'latencyP99', 'chuangwen, time-skipping', COLORS.skip),
        s('devServerAtOnce', 'pg-boss', 'latencyP99', 'pg-boss, all at once', COLORS.pgboss),
        { ...s('devServerSpread', 'pg-boss', 'latencyP99', 'pg-boss, spread', COLORS.pgboss), dashed: true },
      ],
      target: { y: 2, label: 'target p99 2 s' },
    },
    {
      title: 'Worker memory per open task',
      unit: 'KiB RSS',
      series: [
        s('devServerAtOnce', 'chuangwen', 'workerKiBPerOpenTask', 'chuangwen', COLORS.chuangwen),
        { ...s('devServerAtOnce', 'chuangwen', 'workerKiBPerOpenTask', 'chuangwen, first version', COLORS.chuangwen, 'before'), dashed: true },
        s('devServerAtOnce', 'pg-boss', 'workerKiBPerOpenTask', 'pg-boss', COLORS.pgboss),
      ],
    },
    {
      title: 'One-year campaign (time-skipping): wall time',
      unit: 's',
      series: [
        s('yearSimulation', 'chuangwen', 'wallSeconds', 'chuangwen', COLORS.chuangwen),
        { ...s('yearSimulation', 'chuangwen', 'wallSeconds', 'chuangwen, first version', COLORS.chuangwen, 'before'), dashed: true },
      ],
      target: { y: 120, label: '2 min' },
    },
    {
      title: 'One-year campaign: peak RSS, worker + test server',
      unit: 'MiB',
      series: [
        s('yearSimulation', 'chuangwen', 'peakRssTotalMiB', 'worker + test server', COLORS.chuangwen),
        { ...s('yearSimulation', 'chuangwen', 'peakRssTotalMiB', 'worker + test server, first version', COLORS.chuangwen, 'before'), dashed: true },
        s('yearSimulation', 'chuangwen', 'workerPeakRssMiB', 'worker', COLORS.direct),
        s('yearSimulation', 'chuangwen', 'testServerPeakRssMiB', 'test server', COLORS.skip),
      ],
      target: { y: 1024, label: '1 GiB' },
    },
  ];
  const w = 440;
  const h = 260;
  const cols = 2;
  const width = w * cols;
  const height = h * Math.ceil(panels.length / cols) + 30;
  const body = panels.map((p, i) => drawPanel(p, (i % cols) * w, 30 + Math.floor(i / cols) * h, w, h)).join('\n');
  const m = results.machine;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="12" y="20" font-size="14" font-weight="700">chuangwen benchmarks — medians, log–log, ${m.cpus} cores / ${m.memoryGiB} GiB, ${esc(m.node)} (${results.updatedAt.slice(0, 10)}); hollow: stopped by its time limit</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const results = await loadResults();
  if (!results) throw new Error('bench/results.json is missing: run `tsx bench/run.ts` first');
  await writeFile(OUT, renderPlot(results));
  console.log(`plot written to ${OUT}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
