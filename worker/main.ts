// `npm run worker`: the production worker, one of any number on the task queue. Stateless: all it
// needs comes from the environment (worker/config.ts), all it keeps is in Temporal and PostgreSQL.
//
// Start: check the configuration (every problem at once), install the Temporal runtime (its logs
// go to our JSON log, its metrics to a loopback port merged into /metrics), migrate the database
// (advisory-locked, so replicas starting together are safe), connect, load the prebuilt workflow
// bundle, poll. Stop (SIGTERM/SIGINT): stop polling, let in-flight tasks finish within
// WORKER_SHUTDOWN_GRACE_SECONDS; what does not finish is retried by Temporal on another worker.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { CancelledFailure } from '@temporalio/common';
import {
  NativeConnection,
  Runtime,
  Worker,
  type LogLevel,
  type Logger,
  type LogMetadata,
  type State,
} from '@temporalio/worker';
import { pino, type Logger as Pino } from 'pino';
import { createMailer } from '../activities/mailer.js';
import { migrate } from '../db/migrate.js';
import { createPool, type Db } from '../db/pool.js';
import { TASK_QUEUE } from '../domain/ids.js';
import { freePort } from '../stack/ports.js';
import { loadWorkflowBundle } from './bundle.js';
import { ConfigError, loadConfig, redactUrl, temporalConnectOptions, type AppLogLevel, type Config } from './config.js';
import { checkHealth, startOpsServer, type OpsServer } from './health.js';
import { createWorker } from './worker.js';
import { collectProcessMetrics, metrics, renderMetrics } from './metrics.js';

const STARTUP_RETRY_MS = 60_000;
/** Time beyond the grace period for the worker to give up on in-flight work and stop anyway. */
const FORCE_AFTER_GRACE_MS = 5_000;

/** The Temporal SDK's logger interface, writing into pino. */
class PinoTemporalLogger implements Logger {
  constructor(private readonly target: Pino) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const { error, ...fields } = (meta ?? {}) as LogMetadata & { error?: unknown };
    const record = error === undefined ? fields : { ...fields, err: error };
    switch (level) {
      case 'TRACE':
        return this.target.trace(record, message);
      case 'DEBUG':
        return this.target.debug(record, message);
      case 'INFO':
        return this.target.info(record, message);
      case 'WARN':
        return this.target.warn(record, message);
      default:
        return this.target.error(record, message);
    }
  }
  trace(message: string, meta?: LogMetadata) {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata) {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata) {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata) {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata) {
    this.log('ERROR', message, meta);
  }
}

/** The SDK core (Rust) is chatty: it logs one level above ours. */
const CORE_LEVEL: Record<AppLogLevel, LogLevel> = {
  trace: 'DEBUG',
  debug: 'INFO',
  info: 'WARN',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

function createLogger(level: AppLogLevel): Pino {
  return pino({
    level,
    base: { service: 'chuangwen-worker', pid: process.pid, hostname: os.hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

class StopRequested extends Error {}

const isCancelled = (error: unknown) =>
  error instanceof CancelledFailure || (error instanceof Error && error.name === 'AbortError');

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`[chuangwen] ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const log = createLogger(config.logLevel);
  const identity = `${process.pid}@${os.hostname()}`;
  const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
  let worker: Worker | undefined;
  let db: Db | undefined;
  let stopSignal: string | undefined;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopSignal) {
      log.info({ signal }, '已在停止中，忽略重复信号');
      return;
    }
    stopSignal = signal;
    if (worker) {
      log.info(
        { signal, graceSeconds: config.worker.shutdownGraceSeconds },
        `收到 ${signal}，停止接收新任务，等待进行中的任务完成（最长 ${config.worker.shutdownGraceSeconds} 秒）…`,
      );
      try {
        worker.shutdown();
      } catch (error) {
        log.warn({ err: error, state: worker.getState() }, '工作进程不在运行状态，无需停止');
      }
    } else {
      log.info({ signal }, `收到 ${signal}，启动尚未完成，当前步骤结束后退出`);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const checkStop = () => {
    if (stopSignal) throw new StopRequested();
  };

  /** Retries a start-up step while its service comes up (a restarting database, a Temporal still booting). */
  async function retrying<T>(what: string, step: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + STARTUP_RETRY_MS;
    for (let attempt = 1, delay = 500; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
      checkStop();
      try {
        return await step();
      } catch (error) {
        if (Date.now() + delay > deadline) {
          throw new Error(`${what}失败（已重试 ${attempt} 次）：${(error as Error).message}`, { cause: error });
        }
        log.warn({ err: error, attempt }, `${what}失败，${(delay / 1000).toFixed(1)} 秒后重试`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  try {
    // Metrics and health answer from the start: 503 until the worker polls.
    collectProcessMetrics(metrics);
    const sdkMetricsPort = config.metricsPort ? await freePort() : undefined;
    const sdkMetricsUrl = sdkMetricsPort ? `http://127.0.0.1:${sdkMetricsPort}/metrics` : undefined;
    Runtime.install({
      logger: new PinoTemporalLogger(log),
      telemetryOptions: {
        logging: { filter: { core: CORE_LEVEL[config.logLevel], other: 'ERROR' }, forward: {} },
        ...(sdkMetricsPort ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } } : {}),
      },
      // We stop the worker ourselves, after logging why.
      shutdownSignals: [],
    });

    const health = () => checkHealth({ workerState: (): State | undefined => worker?.getState(), db });
    const metricsRoute = () => renderMetrics(metrics, sdkMetricsUrl);
    const servers: OpsServer[] = [];
    if (config.metricsPort === config.healthPort) {
      servers.push(await startOpsServer(config.healthPort, { health, metrics: metricsRoute }));
    } else {
      servers.push(await startOpsServer(config.healthPort, { health }));
      if (config.metricsPort) servers.push(await startOpsServer(config.metricsPort, { metrics: metricsRoute }));
    }
    for (const server of servers) cleanups.push({ what: `HTTP 端口 ${server.port}`, run: () => server.close() });

    const tls = config.temporal.tls;
    log.info(
      {
        identity,
        temporal: config.temporal.address,
        namespace: config.temporal.namespace,
        taskQueue: TASK_QUEUE,
        tls: tls === false ? 'off' : tls.certPath ? 'mtls' : 'on',
        apiKey: config.temporal.apiKey ? 'set' : 'unset',
        // Where, never with the password.
        database: redactUrl(config.databaseUrl),
        smtp: redactUrl(config.smtpUrl),
        pgPoolMax: config.pgPoolMax,
        ...config.worker,
        healthPort: config.healthPort,
        metricsPort: config.metricsPort,
      },
      '工作进程启动中',
    );

    const pool = createPool(config.databaseUrl, config.pgPoolMax);
    cleanups.push({ what: '数据库连接池', run: () => pool.end() });
    const applied = await retrying('数据库迁移', () => migrate(pool));
    db = pool;
    log.info({ applied }, applied.length ? `数据库迁移完成：${applied.join(', ')}` : '数据库已是最新结构');

    const mailer = createMailer(config.smtpUrl, config.smtpMaxConnections);
    cleanups.push({ what: '邮件发送', run: async () => mailer.close() });
    // SMTP being down is not fatal: each notice is retried until it goes out. Say so early, though.
    mailer.verify().then(
      () => log.info('SMTP 服务器可用'),
      (error: Error) => log.warn({ err: error }, 'SMTP 服务器暂不可用，通知会在其恢复后重试发送'),
    );

    const connectOptions = await temporalConnectOptions(config.temporal);
    const connection = await retrying('连接 Temporal', () => NativeConnection.connect(connectOptions));
    cleanups.push({ what: 'Temporal 连接', run: () => connection.close() });
    log.info({ temporal: config.temporal.address }, '已连接 Temporal');

    checkStop();
    const loaded = await loadWorkflowBundle({ path: config.workflowBundlePath });
    log.info({ source: loaded.source, detail: loaded.detail }, loaded.source === 'prebuilt' ? '使用预构建的工作流代码' : '已现场打包工作流代码');

    // Retried too: a namespace registered a moment ago may not be served yet.
    worker = await retrying('创建 Temporal 工作进程', () => createWorker({
      connection,
      namespace: config.temporal.namespace,
      workflowBundle: loaded.bundle,
      services: {
        db: pool,
        mailer,
        mailFrom: config.mailFrom,
        metrics,
        links: { publicUrl: config.publicUrl, secret: config.linkSecret },
        channels: config.channels,
      },
      tuning: {
        identity,
        maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivityTaskExecutions,
        maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTaskExecutions,
        maxCachedWorkflows: config.worker.maxCachedWorkflows,
        shutdownGraceTime: config.worker.shutdownGraceSeconds * 1_000,
        shutdownForceTime: config.worker.shutdownGraceSeconds * 1_000 + FORCE_AFTER_GRACE_MS,
        interceptors: {
          activity: [
            (ctx) => ({
              inbound: {
                async execute(input, next) {
                  const started = performance.now();
                  const seconds = () => (performance.now() - started) / 1_000;
                  try {
                    const result = await next(input);
                    metrics.activityFinished(ctx.info.activityType, 'completed', seconds());
                    return result;
                  } catch (error) {
                    metrics.activityFinished(ctx.info.activityType, isCancelled(error) ? 'cancelled' : 'failed', seconds());
                    throw error;
                  }
                },
              },
            }),
          ],
        },
      },
    }));
    checkStop(); // a signal while the worker was being created: it never polls

    const running = worker.run();
    log.info({ identity, taskQueue: TASK_QUEUE }, '工作进程已就绪，开始轮询任务队列');
    await running;
    log.info({ signal: stopSignal }, '工作进程已停止，进行中的任务均已完成');
    return 0;
  } catch (error) {
    if (error instanceof StopRequested) {
      log.info('启动过程中收到停止信号，已退出');
      return 0;
    }
    log.fatal({ err: error }, `工作进程异常退出：${(error as Error).message}`);
    return 1;
  } finally {
    for (const { what, run } of cleanups.reverse()) {
      await run().catch((error: Error) => log.warn({ err: error }, `关闭${what}时出错`));
    }
  }
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`[chuangwen] 未处理的异常：${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
  process.exit(1);
});

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`[chuangwen] 工作进程启动失败：${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
