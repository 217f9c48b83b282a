import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { TASK_STATUSES } from '../../domain/task-state.js';
import { acknowledgeUpdate, reportProgressUpdate, verifyUpdate } from '../../workflows/messages.js';
import { ActionRejected, runUpdate, taskHandle } from '../campaigns.js';
import { withTemporal } from '../connect.js';
import { BadInputError } from '../exit-codes.js';
import type { TaskState } from '../../domain/task-state.js';

/** Runs one update on a task and prints its new state; a refusal is bad input (exit 2). */
async function act(campaignId: string, taskId: string, run: (handle: ReturnType<typeof taskHandle>) => Promise<TaskState>) {
  await withTemporal(async (client) => {
    try {
      const state = await run(taskHandle(client, campaignId, taskId));
      console.log(`任务 ${taskId}：${TASK_STATUSES[state.status]}`);
    } catch (error) {
      if (error instanceof ActionRejected) throw new BadInputError(`操作被拒绝：${error.message}`);
      if (error instanceof WorkflowNotFoundError) throw new BadInputError(`未找到任务 ${campaignId}/${taskId}`);
      throw error;
    }
  });
}

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description('整治任务：签收、报送进展、核查销号');

  task
    .command('ack')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .requiredOption('--unit <unit>', '签收单位编号')
    .option('--by <name>', '签收人')
    .description('责任单位签收任务')
    .action(async (campaignId: string, taskId: string, o: { unit: string; by?: string }) =>
      act(campaignId, taskId, (h) => runUpdate(h, acknowledgeUpdate, { unitId: o.unit, by: o.by })),
    );

  task
    .command('report')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .requiredOption('--unit <unit>', '报送单位编号')
    .requiredOption('--text <text>', '进展情况')
    .option('--by <name>', '报送人')
    .description('责任单位报送工作进展')
    .action(async (campaignId: string, taskId: string, o: { unit: string; text: string; by?: string }) =>
      act(campaignId, taskId, (h) => runUpdate(h, reportProgressUpdate, { unitId: o.unit, text: o.text, by: o.by })),
    );

  task
    .command('verify')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .option('--pass', '核查通过，销号')
    .option('--fail', '核查不通过，退回整改')
    .option('--comment <text>', '核查意见（不通过时必填）')
    .option('--by <name>', '核查人')
    .description('创建办核查整改结果')
    .action(async (campaignId: string, taskId: string, o: { pass?: boolean; fail?: boolean; comment?: string; by?: string }) => {
      if (Boolean(o.pass) === Boolean(o.fail)) throw new BadInputError('请指定 --pass 或 --fail 之一');
      await act(campaignId, taskId, (h) => runUpdate(h, verifyUpdate, { passed: Boolean(o.pass), comment: o.comment, by: o.by }));
    });
}
