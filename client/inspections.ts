// Starting an inspection's clock (InspectionWorkflow) and asking it to send the points entered since
// its last dispatch: one call for both, so an inspection whose clock has ended (every point closed)
// starts a new one for points entered later.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { inspectionWorkflowId, TASK_QUEUE } from '../domain/ids.js';
import { InspectionWorkflow } from '../workflows/inspection.js';
import { dispatchPointsSignal, pointsChangedSignal } from '../workflows/messages.js';

/** 交办: the inspection's undispatched points go to their units (one notice per unit). */
export async function dispatchInspection(client: Client, campaignId: string, inspectionId: number): Promise<void> {
  await client.workflow.signalWithStart(InspectionWorkflow, {
    workflowId: inspectionWorkflowId(campaignId, inspectionId),
    taskQueue: TASK_QUEUE,
    args: [{ campaignId, inspectionId }],
    signal: dispatchPointsSignal,
    signalArgs: [],
  });
}

/** A point changed outside the clock (re-checked, returned with a new deadline): the clock looks again. */
export async function pointsChanged(client: Client, campaignId: string, inspectionId: number): Promise<void> {
  try {
    await client.workflow.getHandle(inspectionWorkflowId(campaignId, inspectionId)).signal(pointsChangedSignal);
  } catch (error) {
    // No clock running: nothing waits on this inspection's points.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError) && (error as { name?: string }).name !== 'WorkflowNotFoundError') throw error;
  }
}
