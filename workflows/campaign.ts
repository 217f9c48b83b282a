// CampaignWorkflow: one campaign (创建活动). Registers it, then runs one RectificationWorkflow per task.
import {
  allHandlersFinished,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { CampaignDefinition } from '../domain/definition.js';
import { taskWorkflowId } from '../domain/ids.js';
import { campaignStateQuery, taskChangedSignal, type CampaignState } from './messages.js';
import { RectificationWorkflow } from './rectification.js';

export interface CampaignInput {
  definition: CampaignDefinition;
}

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function CampaignWorkflow({ definition }: CampaignInput): Promise<CampaignState> {
  const state: CampaignState = {
    campaignId: definition.id,
    title: definition.title,
    tasks: Object.fromEntries(definition.tasks.map((t) => [t.id, { status: 'scheduled', rung: 0 }])),
  };
  setHandler(campaignStateQuery, () => state);
  setHandler(taskChangedSignal, ({ taskId, status, rung }) => {
    state.tasks[taskId] = { status, rung };
  });

  await activities.registerCampaign(definition);

  for (const task of definition.tasks) {
    // Abandoned on close: a task's clock and escalation outlive a continue-as-new of its campaign.
    await startChild(RectificationWorkflow, {
      workflowId: taskWorkflowId(definition.id, task.id),
      args: [
        {
          campaignId: definition.id,
          campaignWorkflowId: workflowInfo().workflowId,
          timeZone: definition.timeZone,
          task,
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  }

  const endsAt = Date.parse(await activities.deadlineInstant({ timeZone: definition.timeZone, date: definition.end }));
  const allClosed = () => Object.values(state.tasks).every((t) => t.status === 'closed' || t.status === 'withdrawn');
  await condition(allClosed, Math.max(endsAt - Date.now(), 1));
  state.endedAt = new Date().toISOString();
  await condition(allHandlersFinished);
  return state;
}
