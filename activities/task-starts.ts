// Starting a campaign's task workflows from an activity, with the Temporal client: the server
// starts a parent's children one after another (each recorded back in the parent's history under
// its lock), while independent starts run side by side. The tasks are abandoned-on-close children in
// all but name: the campaign knows them by workflow id, and a task outlives its campaign's runs.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Task } from '../domain/definition.js';
import { taskWorkflowId } from '../domain/ids.js';
import { lastMomentBefore, WORKDAY_START } from '../domain/instants.js';
import type { AddWorkingDaysResult, createCalendarLookups } from '../services/calendar.js';
// The input's type only: activities never import workflow code.
import type { PreparedStart, RectificationInput } from '../workflows/messages.js';
import type { TaskPlan, TaskPlanInput } from './records.js';

export interface StartTasksInput {
  campaignId: string;
  timeZone: string;
  weeklyCheck?: RectificationInput['weeklyCheck'];
  unitReminders?: boolean;
  tasks: { task: Task; complaint?: RectificationInput['complaint'] }[];
  /** The campaign's time (workflow time) when it asked: a task already begun is assigned from then. */
  at?: string;
}

/** What the start reads: the plan of a task and the calendar's answers, as the task would ask them. */
export interface StartLookups extends Pick<ReturnType<typeof createCalendarLookups>, 'instantOf' | 'deadlineInstant' | 'addWorkingDays' | 'nextCheckTime' | 'civilDate'> {
  loadTaskPlan(input: TaskPlanInput): Promise<TaskPlan>;
}

/** Starts in flight at once: enough to keep the server busy, few enough not to time out. */
const IN_FLIGHT = 20;

/**
 * A task's look-ups answered ahead (PreparedStart), with the same calls the task would make at its
 * assignment; plans are shared by the tasks of one lead unit (and escalation override) of the batch.
 */
async function prepareStart(input: StartTasksInput & { at: string }, task: Task, lookups: StartLookups, plans: Map<string, Promise<TaskPlan>>): Promise<PreparedStart> {
  const { campaignId, timeZone } = input;
  const planKey = JSON.stringify([task.leadUnit, task.escalation ?? null]);
  if (!plans.has(planKey)) plans.set(planKey, lookups.loadTaskPlan({ campaignId, taskId: task.id, leadUnit: task.leadUnit, override: task.escalation }));
  const plan = await plans.get(planKey)!;
  const startAt = await lookups.instantOf({ timeZone, date: task.start, time: WORKDAY_START });
  // Assigned at its start, or now when that has passed: the acknowledgement counts from there.
  const from = Date.parse(startAt) > Date.parse(input.at) ? startAt : input.at;
  const deadlineAt = await lookups.deadlineInstant({ timeZone, date: task.deadline });
  const acknowledgeBy = await lookups.addWorkingDays({ campaignId, timeZone, from, days: plan.escalation.acknowledgement.workingDays });
  const first = plan.escalation.ladder[0];
  let firstRungAt: AddWorkingDaysResult | undefined;
  if (first) {
    firstRungAt = first.graceDays === 0
      ? { date: task.deadline, lapsesAt: deadlineAt, missingYears: [] }
      : await lookups.addWorkingDays({ campaignId, timeZone, from: lastMomentBefore(deadlineAt), days: first.graceDays });
  }
  let validUntil = await lookups.deadlineInstant({ timeZone, date: await lookups.civilDate({ timeZone, at: from }) });
  let nextCheckAt: string | undefined;
  if (!input.unitReminders) {
    nextCheckAt = (await lookups.nextCheckTime({ campaignId, timeZone, after: from, ...(input.weeklyCheck ?? { weekday: 1, time: WORKDAY_START }) })).at;
    if (Date.parse(nextCheckAt) < Date.parse(validUntil)) validUntil = nextCheckAt;
  }
  return { plan, startAt, deadlineAt, acknowledgeBy, ...(firstRungAt ? { firstRungAt } : {}), ...(nextCheckAt ? { nextCheckAt } : {}), validUntil };
}

export function createTaskStartActivities({ temporal, lookups }: { temporal?: Client; lookups?: StartLookups }) {
  return {
    /** Starts each task's workflow once; a task already started (a retry, a replayed campaign) counts as done. */
    async startTaskWorkflows(input: StartTasksInput): Promise<{ started: number; alreadyRunning: number }> {
      if (!temporal) throw ApplicationFailure.nonRetryable('工作进程未配置 Temporal 客户端，无法启动整治任务', 'NoTemporalClient');
      const { taskQueue } = Context.current().info;
      let started = 0;
      let alreadyRunning = 0;
      const plans = new Map<string, Promise<TaskPlan>>();
      const queue = [...input.tasks];
      const startNext = async (): Promise<void> => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const { task, complaint } = next;
          // A complaint starts high on the ladder and looks up what it needs itself.
          const { at } = input;
          const prepared = lookups && at && !complaint ? { prepared: await prepareStart({ ...input, at }, task, lookups, plans) } : {};
          try {
            await temporal.workflow.start<(input: RectificationInput) => Promise<unknown>>('RectificationWorkflow', {
              workflowId: taskWorkflowId(input.campaignId, task.id),
              taskQueue,
              args: [{ campaignId: input.campaignId, timeZone: input.timeZone, task, weeklyCheck: input.weeklyCheck, ...(input.unitReminders ? { unitReminders: true } : {}), complaint, ...prepared }],
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
