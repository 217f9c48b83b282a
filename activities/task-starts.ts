// Starting a campaign's task workflows from an activity, with the Temporal client: the server
// starts a parent's children one after another (each recorded back in the parent's history under
// its lock), while independent starts run side by side. The tasks are abandoned-on-close children in
// all but name: the campaign knows them by workflow id, and a task outlives its campaign's runs.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Task } from '../domain/definition.js';
import { taskWorkflowId } from '../domain/ids.js';
// The input's type only: activities never import workflow code.
import type { RectificationInput } from '../workflows/messages.js';

export interface StartTasksInput {
  campaignId: string;
  timeZone: string;
  weeklyCheck?: RectificationInput['weeklyCheck'];
  unitReminders?: boolean;
  tasks: { task: Task; complaint?: RectificationInput['complaint'] }[];
}

/** Starts in flight at once: enough to keep the server busy, few enough not to time out. */
const IN_FLIGHT = 20;

export function createTaskStartActivities({ temporal }: { temporal?: Client }) {
  return {
    /** Starts each task's workflow once; a task already started (a retry, a replayed campaign) counts as done. */
    async startTaskWorkflows(input: StartTasksInput): Promise<{ started: number; alreadyRunning: number }> {
      if (!temporal) throw ApplicationFailure.nonRetryable('工作进程未配置 Temporal 客户端，无法启动整治任务', 'NoTemporalClient');
      const { taskQueue } = Context.current().info;
      let started = 0;
      let alreadyRunning = 0;
      const queue = [...input.tasks];
      const startNext = async (): Promise<void> => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const { task, complaint } = next;
          try {
            await temporal.workflow.start<(input: RectificationInput) => Promise<unknown>>('RectificationWorkflow', {
              workflowId: taskWorkflowId(input.campaignId, task.id),
              taskQueue,
              args: [{ campaignId: input.campaignId, timeZone: input.timeZone, task, weeklyCheck: input.weeklyCheck, ...(input.unitReminders ? { unitReminders: true } : {}), complaint }],
              workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            });
            started++;
          } catch (error) {
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
            alreadyRunning++;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, queue.length) }, startNext));
      return { started, alreadyRunning };
    },
  };
}
