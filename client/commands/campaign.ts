import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadCampaignContext, listTasks } from '../../db/campaigns.js';
import { isCivilDate } from '../../domain/calendar.js';
import { parseDefinition } from '../../domain/definition-yaml.js';
import { shiftDefinition } from '../../domain/shift.js';
import { RUNG_NAMES, TASK_STATUSES, type TaskStatus } from '../../domain/task-state.js';
import { campaignHandle, startCampaign } from '../campaigns.js';
import { withDatabase, withTemporal } from '../connect.js';
import { BadInputError } from '../exit-codes.js';
import { printTable } from '../table.js';

export async function readDefinitionFile(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BadInputError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseDefinition(text, file);
}

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('创建活动：启动与查看');

  campaign
    .command('start')
    .argument('<file>', '创建活动定义文件（YAML）')
    .option('--shift-to <date>', '把所有日期整体平移，使活动从该日（YYYY-MM-DD）开始，用于按往年方案演练')
    .description('校验定义文件并启动创建活动，每项整治任务一个工作流')
    .action(async (file: string, options: { shiftTo?: string }) => {
      let definition = await readDefinitionFile(file);
      if (options.shiftTo !== undefined) {
        if (!isCivilDate(options.shiftTo)) throw new BadInputError(`--shift-to 应为 YYYY-MM-DD 格式的日期：${options.shiftTo}`);
        definition = shiftDefinition(definition, options.shiftTo);
      }
      await withTemporal(async (client) => {
        const handle = await startCampaign(client, definition);
        console.log(`已启动创建活动「${definition.title}」（${definition.id}）：${definition.tasks.length} 项整治任务，${definition.units.length} 个责任单位。`);
        console.log(`工作流：${handle.workflowId}`);
      });
    });

  campaign
    .command('status')
    .argument('<id>', '创建活动编号')
    .description('查看创建活动及其每项任务的状态')
    .action(async (id: string) => {
      const running = await withTemporal(async (client) => {
        const description = await campaignHandle(client, id).describe().catch(() => undefined);
        return description?.status.name;
      });
      await withDatabase(async (db) => {
        const ctx = await loadCampaignContext(db, id);
        const tasks = await listTasks(db, id);
        console.log(`${ctx.title}（${id}）  工作流：${running === 'RUNNING' ? '运行中' : (running ?? '未找到')}`);
        printTable(
          ['任务', '责任单位', '状态', '督办层级', '截止日期'],
          tasks.map((t) => [
            `${t.id} ${t.title}`,
            ctx.units.get(t.lead_unit)?.name ?? t.lead_unit,
            TASK_STATUSES[t.status as TaskStatus] ?? t.status,
            t.rung_name || RUNG_NAMES[0],
            t.deadline,
          ]),
        );
      });
    });
}
