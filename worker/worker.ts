import { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions as SdkWorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type Services } from '../activities/index.js';
import { createChannelDelivery } from '../services/channels/delivery.js';
import { TASK_QUEUE } from '../domain/ids.js';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  services: Services;
  workflowBundle: WorkflowBundle;
  /** Limits, identity, interceptors and the like, passed to the SDK as they are. */
  tuning?: Omit<SdkWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowBundle' | 'workflowsPath' | 'activities'>;
}

/** The one way every process (npm start, the production worker, tests, demo) makes a worker. */
export function createWorker({ connection, namespace, taskQueue, services, workflowBundle, tuning }: WorkerOptions) {
  return Worker.create({
    // Two threads run workflow code (the SDK's default is one with a shared V8 context): on the
    // one-year simulation the single workflow thread was the busiest part of the worker.
    workflowThreadPoolSize: 2,
    ...tuning,
    connection,
    namespace: namespace ?? 'default',
    taskQueue: taskQueue ?? TASK_QUEUE,
    workflowBundle,
    activities: createActivities({
      temporal: new Client({ connection, namespace: namespace ?? 'default' }),
      // One set of senders per worker: the robots' rate limit and the SMS account are shared by every activity.
      channelDelivery: services.channels ? createChannelDelivery(services.db, services.channels) : undefined,
      ...services,
    }),
  });
}
