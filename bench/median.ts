// The statistics of the benchmarks, kept apart so they can be checked on their own:
// `npx tsx bench/median.ts` runs the self-check below and exits non-zero on a mistake.
//
//   median            the middle value of the sorted values; for an even count the average of the
//                     two middle ones (so the median of two runs is their mean, never the lower);
//   quantile          nearest rank, for percentiles over the tasks of one run (p50/p95/p99 of N
//                     latencies: the value below which q of them lie, always a measured latency);
//   medianPerMetric   the median of each numeric metric across runs, taken metric by metric over the
//                     same runs (nested objects become dotted keys: memory.worker.peakRssMiB). A
//                     metric is reported only when every run has it, so no median mixes a metric of
//                     some runs with a gap in others. The caller passes complete runs only.
import { fileURLToPath } from 'node:url';

/** The median: middle value, or the mean of the two middle values for an even count; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank quantile (q in 0..1) of the values; NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
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

/** Keys of a run that are not metrics: its bookkeeping, the machine's load, the worker's raw counters. */
export const NOT_METRICS = ['meta', 'load', 'stats', 'startStats', 'lapseStats', 'settings'];

/** Every finite number of an object, nested objects flattened into dotted keys (arrays are skipped). */
export function numericFields(value: Record<string, unknown>, exclude: readonly string[] = NOT_METRICS, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, v] of Object.entries(value)) {
    if (prefix === '' && exclude.includes(key)) continue;
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof v === 'number' && Number.isFinite(v)) out.set(name, v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, n] of numericFields(v as Record<string, unknown>, exclude, name)) out.set(k, n);
    }
  }
  return out;
}

/** The median of each metric that every run has, over those runs (rounded to `digits`). */
export function medianPerMetric(runs: readonly Record<string, unknown>[], options: { exclude?: readonly string[]; digits?: number } = {}): Record<string, number> {
  if (runs.length === 0) return {};
  const fields = runs.map((r) => numericFields(r, options.exclude ?? NOT_METRICS));
  const out: Record<string, number> = {};
  for (const key of fields[0].keys()) {
    if (!fields.every((f) => f.has(key))) continue;
    out[key] = round(median(fields.map((f) => f.get(key)!)), options.digits ?? 3);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Self-check

export function selfCheck(): string[] {
  const failures: string[] = [];
  const eq = (what: string, got: unknown, want: unknown) => {
    const same = typeof want === 'number' && Number.isNaN(want) ? typeof got === 'number' && Number.isNaN(got) : JSON.stringify(got) === JSON.stringify(want);
    if (!same) failures.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  eq('median of nothing', median([]), Number.NaN);
  eq('median of one', median([7]), 7);
  eq('median of two is their mean, not the lower', median([10, 20]), 15);
  eq('median of three', median([3, 1, 2]), 2);
  eq('median of four averages the middle two', median([4, 1, 3, 2]), 2.5);
  eq('median of five, unsorted, with an outlier', median([100, 1, 3, 2, 4]), 3);
  eq('median does not sort its input in place', (() => { const v = [3, 1, 2]; median(v); return v; })(), [3, 1, 2]);
  eq('median sorts numerically, not as strings', median([10, 9, 100]), 10);
  eq('p99 of 1..100 (nearest rank)', quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99), 99);
  eq('p50 of 1..4 (nearest rank)', quantile([1, 2, 3, 4], 0.5), 2);
  eq('max', quantile([5, 1, 9], 1), 9);

  // Per metric, across runs: each metric's own median, never values of one run for another.
  const runs = [
    { tasksPerSecond: 10, latencyP99: 9, memory: { worker: { peakRssMiB: 300 } }, load: { start: [5, 4, 3] }, meta: { index: 1 } },
    { tasksPerSecond: 30, latencyP99: 1, memory: { worker: { peakRssMiB: 100 } }, load: { start: [1, 1, 1] }, meta: { index: 2 } },
    { tasksPerSecond: 20, latencyP99: 5, memory: { worker: { peakRssMiB: 200 } }, load: { start: [2, 2, 2] }, meta: { index: 3 } },
  ];
  eq('three runs', medianPerMetric(runs), { tasksPerSecond: 20, latencyP99: 5, 'memory.worker.peakRssMiB': 200 });
  eq('two runs: the mean of each metric', medianPerMetric(runs.slice(0, 2)), { tasksPerSecond: 20, latencyP99: 5, 'memory.worker.peakRssMiB': 200 });
  eq('four runs', medianPerMetric([...runs, { tasksPerSecond: 40, latencyP99: 3, memory: { worker: { peakRssMiB: 400 } } }]), {
    tasksPerSecond: 25,
    latencyP99: 4,
    'memory.worker.peakRssMiB': 250,
  });
  eq('a metric missing from one run is left out', medianPerMetric([{ a: 1, b: 2 }, { a: 3 }]), { a: 2 });
  eq('non-numbers and non-finite values are not metrics', medianPerMetric([{ a: 1, s: 'x', t: true, n: Number.NaN, list: [1, 2] }]), { a: 1 });
  eq('no runs, no medians', medianPerMetric([]), {});
  return failures;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const failures = selfCheck();
  if (failures.length) {
    console.error(`bench/median.ts self-check: ${failures.length} failed\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('bench/median.ts self-check: all passed');
}
