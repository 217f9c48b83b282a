// What every client (CLI, console, demo, tests) does with campaigns and tasks on Temporal.
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { CampaignDefinition } from '../domain/definition.js';
import { campaignWorkflowId, TASK_QUEUE, taskWorkflowId } from '../domain/ids.js';
import { CampaignWorkflow } from '../workflows/campaign.js';

export class CampaignAlreadyStarted extends Error {
  override name = 'CampaignAlreadyStarted';
  constructor(readonly campaignId: string) {
    super(`创建活动 ${campaignId} 已经启动过，拒绝重复启动`);
  }
}

/** Starts a validated campaign; the same campaign id never runs twice. */
export async function startCampaign(client: Client, definition: CampaignDefinition) {
  try {
    return await client.workflow.start(CampaignWorkflow, {
      workflowId: campaignWorkflowId(definition.id),
      taskQueue: TASK_QUEUE,
      args: [{ definition }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new CampaignAlreadyStarted(definition.id);
    throw error;
  }
}

export function campaignHandle(client: Client, campaignId: string) {
  return client.workflow.getHandle(campaignWorkflowId(campaignId));
}

export function taskHandle(client: Client, campaignId: string, taskId: string) {
  return client.workflow.getHandle(taskWorkflowId(campaignId, taskId));
}

/** An action the workflow refused (wrong state, wrong unit, empty input), with its reason in Chinese. */
export class ActionRejected extends Error {
  override name = 'ActionRejected';
  constructor(
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** Runs an update and turns a refusal into ActionRejected carrying the validator's reason. */
export async function runUpdate<Ret, Arg>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
): Promise<Ret> {
  try {
    return await handle.executeUpdate(update, { args: [arg] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      throw new ActionRejected(cause?.message ?? error.message, cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined);
    }
    throw error;
  }
}
