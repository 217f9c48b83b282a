// The chuangwen worker of a benchmark, in a process of its own so that its memory and CPU are
// measured apart from the driver, the SMTP sink and the servers. Started by bench/worker-handle.ts.
// It is made as the production worker makes its own (worker/main.ts): createWorker with the SDK
// options derived from worker/config.ts's configuration (bench/production-settings.ts), the same
// PostgreSQL pool size, and the same services (sender, notice metrics, signed unit links).
//
// Configuration: BENCH_WORKER, JSON of WorkerProcessConfig. Prints READY when polling, and
// `STATS {json}` on SIGUSR2 and before exiting. SIGTERM (or its stdin closing) shuts it down.
import { readFile } from 'node:fs/promises';
import { NativeConnection } from '@temporalio/worker';
import { createMailer } from '../activities/mailer.js';
import { createPool } from '../db/pool.js';
import { installRuntime } from '../stack/runtime.js';
import { createMetrics } from '../worker/metrics.js';
import { createWorker, type WorkerOptions } from '../worker/worker.js';
import { productionConfig, productionTuning } from './production-settings.js';
import { activityStatsInterceptor, deadlineMapInterceptor, type ActivityStats, type DeadlineMap } from './deadline-map.js';

export interface WorkerProcessConfig {
  address: string;
  databaseUrl: string;
  smtpUrl: string;
  bundlePath: string;
  /** SDK worker options laid over the production ones (createWorker's `tuning`), JSON-serialisable ones only. */
  tuning?: Record<string, unknown>;
  deadlineMap?: DeadlineMap;
  /** Size of the worker's PostgreSQL pool; default: the production worker's (PG_POOL_MAX). */
  poolSize?: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerProcessConfig;
  installRuntime();
  const production = productionConfig({ address: config.address, databaseUrl: config.databaseUrl, smtpUrl: config.smtpUrl });
  const db = createPool(config.databaseUrl, config.poolSize ?? production.pgPoolMax);
  const mailer = createMailer(config.smtpUrl, production.smtpMaxConnections);
  const connection = await NativeConnection.connect({ address: config.address });
  const stats: ActivityStats = {};
  const tuning = { ...productionTuning(production), ...config.tuning } as NonNullable<WorkerOptions['tuning']>;
  const worker = await createWorker({
    connection,
    services: {
      db,
      mailer,
      mailFrom: production.mailFrom,
      metrics: createMetrics(),
      links: { publicUrl: production.publicUrl, secret: production.linkSecret },
    },
    workflowBundle: { code: await readFile(config.bundlePath, 'utf8') },
    tuning: {
      ...tuning,
      interceptors: {
        activity: [
          activityStatsInterceptor(stats),
          ...(config.deadlineMap ? [deadlineMapInterceptor(config.deadlineMap)] : []),
        ],
      },
    },
  });
  const elu = performance.eventLoopUtilization();
  const report = () => {
    const u = performance.eventLoopUtilization(elu);
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    process.stdout.write(
      `STATS ${JSON.stringify({
        activities: stats,
        eventLoopUtilization: u.utilization,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        heapUsedMiB: mem.heapUsed / 1048576,
        rssMiB: mem.rss / 1048576,
        worker: worker.getStatus(),
      })}\n`,
    );
  };
  process.on('SIGUSR2', report);
  const stop = () => worker.shutdown();
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  const running = worker.run();
  process.stdout.write('READY\n');
  await running;
  report();
  mailer.close();
  await db.end();
  await connection.close();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
