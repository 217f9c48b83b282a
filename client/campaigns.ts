// What every client (CLI, console, demo, tests) does with campaigns and tasks on Temporal.
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowUpdateStage,
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

/** An update the workflow accepted and has not finished within the time the caller would wait. */
export class UpdateStillRunning extends Error {
  override name = 'UpdateStillRunning';
  constructor(readonly updateId: string) {
    super('操作已受理，尚未完成');
  }
}

/**
 * Runs an update and turns a refusal into ActionRejected carrying the validator's reason. With
 * `waitMs`, an update that was accepted but is still running after that long throws
 * UpdateStillRunning (it goes on in the workflow); without, it waits for the update's end.
 */
export async function runUpdate<Ret, Arg>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  options: { waitMs?: number } = {},
): Promise<Ret> {
  try {
    if (options.waitMs === undefined) return await handle.executeUpdate(update, { args: [arg] });
    const started = await handle.startUpdate(update, { args: [arg], waitForStage: WorkflowUpdateStage.ACCEPTED });
    try {
      return await handle.client.withDeadline(Date.now() + options.waitMs, () => started.result());
    } catch (error) {
      if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new UpdateStillRunning(started.updateId);
      throw error;
    }
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      throw new ActionRejected(cause?.message ?? error.message, cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined);
    }
    throw error;
  }
}
