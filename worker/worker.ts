import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type Services } from '../activities/index.js';
import { TASK_QUEUE } from '../domain/ids.js';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  services: Services;
  workflowBundle: WorkflowBundle;
}

export function createWorker({ connection, namespace, taskQueue, services, workflowBundle }: WorkerOptions) {
  return Worker.create({
    connection,
    namespace: namespace ?? 'default',
    taskQueue: taskQueue ?? TASK_QUEUE,
    workflowBundle,
    activities: createActivities(services),
  });
}
