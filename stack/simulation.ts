// A whole campaign in simulated time: the Temporal time-skipping server, a worker, the SMTP sink
// and PostgreSQL. Months of timers pass in seconds; activities (mail, database) run for real.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { createMailer } from '../activities/mailer.js';
import type { ChannelConfig } from '../services/channels/delivery.js';
import type { UnitLinkOptions } from '../services/unit-links.js';
import type { Db } from '../db/pool.js';
import { bundleWorkflows } from '../worker/bundle.js';
import { createWorker } from '../worker/worker.js';
import { installRuntime } from './runtime.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { testServerExecutable } from './temporal-binaries.js';

export interface Simulation {
  env: TestWorkflowEnvironment;
  db: Db;
  sink: SmtpSink;
  /** Runs fn while a worker serves the task queue. */
  withWorker<T>(fn: () => Promise<T>): Promise<T>;
  /** The simulated time now. */
  now(): Promise<Date>;
  stop(): Promise<void>;
}

export async function startSimulation(options: {
  db: Db;
  workflowBundle?: WorkflowBundle;
  /** The unit portal the mails link to. */
  links?: UnitLinkOptions;
  /** SMS and group robots (e.g. the channel fake's); absent: e-mail only, nothing else leaves the sandbox. */
  channels?: ChannelConfig;
}): Promise<Simulation> {
  const { db } = options;
  installRuntime();
  const [env, workflowBundle, sink] = await Promise.all([
    testServerExecutable().then((executable) => TestWorkflowEnvironment.createTimeSkipping({ server: { executable } })),
    options.workflowBundle ?? bundleWorkflows(),
    startSmtpSink(db),
  ]);
  const mailer = createMailer(sink.url);
  return {
    env,
    db,
    sink,
    async withWorker(fn) {
      const worker = await createWorker({ connection: env.nativeConnection, services: { db, mailer, links: options.links, channels: options.channels }, workflowBundle });
      return worker.runUntil(fn);
    },
    async now() {
      return new Date(await env.currentTimeMs());
    },
    async stop() {
      mailer.close();
      await Promise.all([env.teardown(), sink.stop()]);
    },
  };
}
