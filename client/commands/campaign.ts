import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadCampaignContext, listTasks } from '../../db/campaigns.js';
import { isCivilDate } from '../../domain/calendar.js';
import type { CampaignDefinition } from '../../domain/definition.js';
import { DefinitionError, parseDefinition, parseTask } from '../../domain/definition-yaml.js';
import { COMPLAINT_SOURCES } from '../../domain/notices.js';
import { shiftDefinition } from '../../domain/shift.js';
import { RUNG_NAMES, TASK_STATUSES, type TaskStatus } from '../../domain/task-state.js';
import {
  addTask,
  describeEnd,
  endCampaign,
  prepareStart,
  registerComplaint,
  type StartOptions,
} from '../api/actions.js';
import { HttpProblem, problemFrom } from '../api/problems.js';
import { describePreview, previewCampaign } from '../preview.js';
import { campaignHandle, startCampaign } from '../campaigns.js';
import { withDatabase, withTemporal } from '../connect.js';
import { BadInputError } from '../exit-codes.js';
import { printTable } from '../table.js';

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new BadInputError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export async function readDefinitionFile(file: string) {
  return parseDefinition(await readText(file), file, { env: process.env });
}

/** One task in YAML, the fields of a definition's tasks[] entry; every problem with file, line and field. */
export async function readTaskFile(file: string) {
  const text = await readText(file);
  try {
    return parseTask(text, file);
  } catch (error) {
    if (error instanceof DefinitionError) throw new BadInputError(`任务文件有 ${error.problems.length} 处错误：\n${error.message}`);
    // The YAML library's own refusals (an alias bomb) are bad input too.
    throw new BadInputError(`无法读取任务文件 ${file}：${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What the console answers with 4xx (refused, ended, unknown campaign) is bad input here: exit 2 with the reason. */
function refused(error: unknown): unknown {
  const problem = problemFrom(error);
  if (!problem || problem.statusCode >= 500) return error;
  return new BadInputError(problem.statusCode === 404 ? problem.message : `操作被拒绝：${problem.message}`);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function shifted(definition: CampaignDefinition, shiftTo: string | undefined): CampaignDefinition {
  if (shiftTo === undefined) return definition;
  if (!isCivilDate(shiftTo)) throw new BadInputError(`--shift-to 应为 YYYY-MM-DD 格式的日期：${shiftTo}`);
  return shiftDefinition(definition, shiftTo);
}

/** The start checked against today (domain/start-dates.ts); a refusal is exit 2. */
function prepareOrRefuse(definition: CampaignDefinition, options: StartOptions) {
  try {
    return prepareStart(definition, options);
  } catch (error) {
    if (error instanceof HttpProblem) throw new BadInputError(error.message);
    throw error;
  }
}

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('创建活动：启动、查看、新增任务与投诉、结束');

  campaign
    .command('start')
    .argument('<file>', '创建活动定义文件（YAML）')
    .option('--shift-to <date>', '把所有日期整体平移，使活动从该日（YYYY-MM-DD）开始，用于按往年方案演练')
    .option('--catch-up', '开始日期已过时，立即补发已过日期的例行通知，截止已过的任务按逾期处理')
    .description('校验定义文件并启动创建活动，每项整治任务一个工作流；活动期已结束的拒绝启动')
    .action(async (file: string, options: { shiftTo?: string; catchUp?: boolean }) => {
      // Dates are checked before any connection: a refused start sends and writes nothing.
      const prepared = prepareOrRefuse(shifted(await readDefinitionFile(file), options.shiftTo), { catchUp: options.catchUp });
      const { definition } = prepared;
      await withTemporal(async (client) => {
        const handle = await startCampaign(client, definition);
        for (const line of prepared.notes) console.log(line);
        console.log(`已启动创建活动「${definition.title}」（${definition.id}）：${definition.tasks.length} 项整治任务，${definition.units.length} 个责任单位。`);
        console.log(`工作流：${handle.workflowId}`);
      });
    });

  campaign
    .command('preview')
    .argument('<file>', '创建活动定义文件（YAML）')
    .option('--months <n>', '预演的月数（默认 12，不超过活动期）', '12')
    .option('--shift-to <date>', '先把所有日期整体平移，使活动从该日（YYYY-MM-DD）开始')
    .option('--catch-up', '开始日期已过时，按补发已过日期的通知预演')
    .option('--json', '输出 JSON（结构见 docs/preview.md）')
    .description('在本机的临时沙箱里预演创建活动（假设没有任何单位回应）：逐月列出每份通知的日期、文号和收件人，不发送、不写入真实数据库')
    .action(async (file: string, options: { months: string; shiftTo?: string; catchUp?: boolean; json?: boolean }) => {
      const months = Number(options.months);
      if (!Number.isInteger(months) || months < 1 || months > 36) throw new BadInputError(`--months 应为 1 到 36 的整数：${options.months}`);
      const prepared = prepareOrRefuse(shifted(await readDefinitionFile(file), options.shiftTo), { catchUp: options.catchUp });
      if (!options.json) for (const line of prepared.notes) console.log(line);
      const preview = await previewCampaign(prepared.definition, { months });
      if (options.json) console.log(JSON.stringify(preview, null, 2));
      else for (const line of describePreview(preview)) console.log(line);
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

  campaign
    .command('add-task')
    .argument('<id>', '创建活动编号')
    .argument('<file>', '一项任务（YAML）：id、title、description、leadUnit、cooperatingUnits、start、deadline，可选 escalation')
    .description('运行中新增整治任务：开始日期当天 9:00 交办责任单位（开始日期已过则立即交办）')
    .action(async (id: string, file: string) => {
      const task = await readTaskFile(file);
      await withTemporal(async (client) => {
        try {
          const added = await addTask(client, id, task);
          console.log(`已新增任务「${task.title}」（${added.taskId}）：责任单位 ${task.leadUnit}，${task.start} 开始，${task.deadline} 截止。`);
          console.log(`工作流：${added.workflowId}`);
        } catch (error) {
          throw refused(error);
        }
      });
    });

  campaign
    .command('add-complaint')
    .argument('<id>', '创建活动编号')
    .requiredOption('--title <text>', '投诉事项')
    .requiredOption('--unit <unit>', '责任单位编号')
    .requiredOption('--source <source>', `来源：${Object.entries(COMPLAINT_SOURCES).map(([k, v]) => `${k}（${v}）`).join('、')}`)
    .option('--reference <text>', '来信编号或报道出处')
    .option('--description <text>', '来信或报道的内容摘要')
    .option('--cooperating <unit>', '配合单位编号（可多次指定）', collect, [])
    .option('--id <id>', '任务编号；不填则自动生成')
    .description('登记群众来信来访、媒体曝光：作为紧急任务从督办函起步，限期整改')
    .action(
      async (
        id: string,
        o: { title: string; unit: string; source: string; reference?: string; description?: string; cooperating: string[]; id?: string },
      ) => {
        await withTemporal(async (client) => {
          try {
            const added = await registerComplaint(client, id, {
              id: o.id,
              title: o.title,
              description: o.description,
              leadUnit: o.unit,
              cooperatingUnits: o.cooperating,
              source: o.source,
              reference: o.reference,
            });
            console.log(`已登记投诉「${o.title.trim()}」（${added.taskId}）：督办函当日 9:00 发往责任单位 ${o.unit.trim()}（已过 9:00 则立即发出），限期整改。`);
            console.log(`工作流：${added.workflowId}`);
          } catch (error) {
            throw refused(error);
          }
        });
      },
    );

  campaign
    .command('end')
    .argument('<id>', '创建活动编号')
    .requiredOption('--reason <text>', '结束原因（写入总结和每项被撤销任务的记录）')
    .option('--by <name>', '经办人')
    .description('结束创建活动：未完成的任务一律撤销、不再督办，向各责任单位和领导印发总结')
    .action(async (id: string, o: { reason: string; by?: string }) => {
      if (!o.reason.trim()) throw new BadInputError('请写明结束原因（--reason）');
      await withDatabase((db) =>
        withTemporal(async (client) => {
          try {
            for (const line of describeEnd(await endCampaign(db, client, id, { reason: o.reason, by: o.by }))) console.log(line);
          } catch (error) {
            throw refused(error);
          }
        }),
      );
    });
}
