// The campaign's query and updates: tasks and complaints added while it runs, and its end. An
// added task waits in the queue until the campaign's loop has started it.
import { condition, setHandler } from '@temporalio/workflow';
import type { Task } from '../../domain/definition.js';
import { taskWorkflowId } from '../../domain/ids.js';
import {
  addComplaintUpdate,
  addTaskUpdate,
  campaignStateQuery,
  endCampaignUpdate,
  type ComplaintInput,
  type ComplaintTaskInput,
} from '../messages.js';
import { reject } from '../refusals.js';
import { activities, type CampaignRun } from './run.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Registers every handler; call before the workflow's first activity. */
export function registerHandlers(run: CampaignRun): void {
  const { campaignId, started, queued, unitIds } = run;
  setHandler(campaignStateQuery, () => run.state());

  const validateNewTask = (id: string, leadUnit: string, cooperatingUnits: string[] = []) => {
    if (run.ended || run.endRequest) reject('创建活动已结束，不能再添加任务', 'InvalidState');
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id ?? '')) reject(`任务编号无效：${id}`);
    if (started.has(id) || queued.some((q) => q.task.id === id)) reject(`任务编号重复：${id}`);
    if (!unitIds.has(leadUnit)) reject(`未知单位：${leadUnit}`);
    for (const unit of cooperatingUnits) if (!unitIds.has(unit)) reject(`未知单位：${unit}`);
  };
  const enqueue = async (task: Task, complaint?: ComplaintInput) => {
    queued.push({ task, complaint });
    await condition(() => started.has(task.id));
    return { taskId: task.id, workflowId: taskWorkflowId(campaignId, task.id) };
  };

  setHandler(
    addTaskUpdate,
    async (task) => {
      await activities.registerTask({ campaignId, task });
      return enqueue(task);
    },
    {
      validator: (task) => {
        validateNewTask(task.id, task.leadUnit, task.cooperatingUnits);
        if (!task.title?.trim()) reject('任务名称不能为空');
        if (!DATE_RE.test(task.start ?? '') || !DATE_RE.test(task.deadline ?? '')) {
          reject('开始日期和截止日期应为 YYYY-MM-DD');
        }
        if (task.deadline < task.start) reject(`截止日期 ${task.deadline} 早于开始日期 ${task.start}`);
      },
    },
  );

  setHandler(
    addComplaintUpdate,
    async (input: ComplaintTaskInput) => {
      const today = await activities.civilDate({ timeZone: run.zone, at: new Date().toISOString() });
      const task: Task = {
        id: input.id,
        title: input.title,
        description: input.description ?? input.summary ?? '',
        leadUnit: input.leadUnit,
        cooperatingUnits: input.cooperatingUnits ?? [],
        start: today,
        // The complaint's own short deadline replaces this one when its task starts.
        deadline: today,
        indicators: [],
      };
      await activities.registerTask({ campaignId, task });
      return enqueue(task, { source: input.source, summary: input.summary, reference: input.reference, receivedAt: new Date().toISOString() });
    },
    {
      validator: (input) => {
        validateNewTask(input.id, input.leadUnit, input.cooperatingUnits);
        if (!input.title?.trim()) reject('投诉事项不能为空');
        if (input.source !== 'citizen' && input.source !== 'media') {
          reject('来源应为 citizen（群众来信来访）或 media（媒体曝光）');
        }
      },
    },
  );

  setHandler(
    endCampaignUpdate,
    async ({ reason }) => {
      run.endRequest = { reason: reason.trim() };
      await condition(() => run.ended !== undefined);
      return run.state();
    },
    {
      validator: ({ reason }) => {
        if (run.ended || run.endRequest) reject('创建活动已结束', 'InvalidState');
        if (typeof reason !== 'string' || !reason.trim()) reject('请写明结束原因');
      },
    },
  );
}
