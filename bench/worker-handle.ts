// Starts a benchmark worker (bench/worker-process.ts or the pg-boss baseline) or the SMTP sink
// (bench/sink-process.ts) as a child process and talks to it: READY, STATS on request, stop.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../stack/ports.js';
import { sinkUrl, type SinkProcessConfig } from './sink-process.js';

export interface WorkerHandle {
  pid: number;
  /** The worker's own counters (activities, event-loop utilisation, CPU, heap). */
  stats(): Promise<Record<string, unknown>>;
  /** Shuts the worker down; resolves with its last STATS. */
  stop(): Promise<Record<string, unknown> | undefined>;
}

export async function startWorkerProcess(script: string, config: unknown, options: { log?: (line: string) => void } = {}): Promise<WorkerHandle> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  // BENCH_CPU_PROFILE=<dir>: the worker writes a V8 CPU profile there when it stops (bench/profile-summary.ts reads it).
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROFILE] : [];
  // BENCH_WORKER_HEAP_MB: the worker's V8 old-space limit (--max-old-space-size); the SDK also sizes its
  // default workflow cache from it.
  const heap = process.env.BENCH_WORKER_HEAP_MB ? [`--max-old-space-size=${process.env.BENCH_WORKER_HEAP_MB}`] : [];
  const child = spawn(process.execPath, [...profile, ...heap, '--import', 'tsx', file], {
    env: { ...process.env, BENCH_WORKER: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const waiters: ((stats: Record<string, unknown>) => void)[] = [];
  let last: Record<string, unknown> | undefined;
  let ready!: () => void;
  let failed!: (error: Error) => void;
  const readyPromise = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const errors: string[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'READY') ready();
      else if (line.startsWith('STATS ')) {
        last = JSON.parse(line.slice(6)) as Record<string, unknown>;
        for (const w of waiters.splice(0)) w(last);
      } else if (line.trim()) options.log?.(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    errors.push(chunk);
    if (errors.length > 50) errors.shift();
    options.log?.(chunk.trimEnd());
  });
  void exited.then(() => failed(new Error(`worker exited before READY (code ${child.exitCode}): ${errors.join('').slice(-2000)}`)));
  // Never outlive the driver.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const readyTimer = setTimeout(() => failed(new Error('worker not READY within 120 s')), 120_000);
  try {
    await readyPromise;
  } finally {
    clearTimeout(readyTimer);
  }
  return {
    pid: child.pid!,
    stats() {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no STATS within 10 s')), 10_000);
        waiters.push((s) => {
          clearTimeout(timer);
          resolve(s);
        });
        child.kill('SIGUSR2');
      });
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        // The production worker's shutdown grace (30 s by default) plus a margin.
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        await exited;
        clearTimeout(timer);
      }
      return last;
    },
  };
}

/** The SMTP sink in a process of its own, storing into the run's database. */
export async function startSinkProcess(databaseUrl: string, options: { log?: (line: string) => void; poolSize?: number } = {}): Promise<WorkerHandle & { url: string }> {
  const port = await freePort();
  const config: SinkProcessConfig = { databaseUrl, port, poolSize: options.poolSize ?? 10 };
  const handle = await startWorkerProcess('./sink-process.ts', config, options);
  return { ...handle, url: sinkUrl(port) };
}
