// The SMTP sink of a benchmark run (stack/smtp-sink.ts, storing every message in the run's
// database), in a process of its own so that its memory and CPU are measured apart from the
// driver. Started by bench/worker-handle.ts's startWorkerProcess with BENCH_WORKER = SinkProcessConfig;
// prints READY once it listens, `STATS {json}` on SIGUSR2, and stops on SIGTERM or when stdin closes.
import { fileURLToPath } from 'node:url';
import { createPool } from '../db/pool.js';
import { startSmtpSink } from '../stack/smtp-sink.js';

export interface SinkProcessConfig {
  databaseUrl: string;
  /** The port to listen on (127.0.0.1). */
  port: number;
  /** The sink's PostgreSQL pool. */
  poolSize: number;
}

/** The URL workers send to, for a sink listening on `port`. */
export const sinkUrl = (port: number) => `smtp://127.0.0.1:${port}`;

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_WORKER ?? '') as SinkProcessConfig;
  const db = createPool(config.databaseUrl, config.poolSize);
  const sink = await startSmtpSink(db, { port: config.port });
  const report = () => {
    const cpu = process.cpuUsage();
    process.stdout.write(`STATS ${JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6, rssMiB: process.memoryUsage().rss / 1048576 })}\n`);
  };
  process.on('SIGUSR2', report);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await sink.stop();
    await db.end();
    report();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.stdout.write('READY\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
