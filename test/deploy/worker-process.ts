// The production worker as a child process, started with the container's own command
// (`node --import tsx worker/main.ts`), its JSON log lines collected as they come.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The image's CMD, minus the image: one process, so signals reach the worker itself. */
export const WORKER_COMMAND = [process.execPath, '--import', 'tsx', 'worker/main.ts'] as const;

export interface LogLine {
  level: string;
  msg: string;
  pid: number;
  [field: string]: unknown;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** JSON log lines so far (stdout). */
  logs: LogLine[];
  /** Everything on stderr so far. */
  stderr: () => string;
  /** Everything on stdout that was not JSON. */
  otherOutput: () => string;
  healthUrl: string;
  metricsUrl: string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The identity it polls with (pid@host), from its start-up log line. */
  identity: () => string | undefined;
  /** Activity attempts this worker finished, by activity type ("Activity completed" log lines). */
  completedActivities: (type?: string) => number;
}

export function startWorkerProcess(env: Record<string, string>, ports: { health: number; metrics: number }): WorkerProcess {
  const child = spawn(WORKER_COMMAND[0], WORKER_COMMAND.slice(1), {
    cwd: REPO_ROOT,
    // Only what a container would have: no DATABASE_URL or the like leaking in from the test run.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HEALTH_PORT: String(ports.health),
      METRICS_PORT: String(ports.metrics),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let stderr = '';
  let other = '';
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        other += `${line}\n`;
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    logs,
    stderr: () => stderr,
    otherOutput: () => other,
    healthUrl: `http://127.0.0.1:${ports.health}/healthz`,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    exited,
    identity: () => logs.find((l) => typeof l.identity === 'string')?.identity as string | undefined,
    completedActivities: (type) =>
      logs.filter((l) => l.msg === 'Activity completed' && (type === undefined || l.activityType === type)).length,
  };
}

/** What a failed wait should show: the worker's last words. */
export function describeWorker(worker: WorkerProcess): string {
  const tail = worker.logs.slice(-15).map((l) => JSON.stringify(l));
  return [`stderr:\n${worker.stderr().slice(-3_000)}`, `other stdout:\n${worker.otherOutput().slice(-2_000)}`, `last logs:\n${tail.join('\n')}`].join('\n');
}

/** GET url; the status, or undefined when nothing answered. */
export async function httpStatus(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

/** Waits until the worker's /healthz says 200; fails at once if it exits. */
export async function waitHealthy(worker: WorkerProcess, timeoutMs = 45_000): Promise<void> {
  let exited = false;
  void worker.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`工作进程在就绪前退出（${worker.child.exitCode}）\n${describeWorker(worker)}`);
    if ((await httpStatus(worker.healthUrl))?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`工作进程 ${timeoutMs / 1000} 秒内未就绪\n${describeWorker(worker)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves with the exit, or rejects after timeoutMs. */
export function exitWithin(worker: WorkerProcess, timeoutMs: number) {
  return Promise.race([
    worker.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`工作进程 ${timeoutMs / 1000} 秒内未退出\n${describeWorker(worker)}`)), timeoutMs).unref(),
    ),
  ]);
}
