import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { describeEvent, EVENT_NAMES, EVIDENCE_FORMS, TASK_STATUSES, type EvidenceForm, type TaskState } from '../../domain/task-state.js';
import {
  acknowledgeUpdate,
  decideExtensionUpdate,
  delegateUpdate,
  reassignUpdate,
  recordRefusalUpdate,
  reportProgressUpdate,
  requestExtensionUpdate,
  taskStateQuery,
  verifyUpdate,
  withdrawUpdate,
  type TaskBrief,
  type TaskUpdateResult,
} from '../../workflows/messages.js';
import { ActionRejected, runUpdate, taskHandle } from '../campaigns.js';
import { withDatabase, withTemporal } from '../connect.js';
import { submitEvidence, type EvidenceUpload } from '../evidence.js';
import { BadInputError } from '../exit-codes.js';

const ZONE = DEFAULT_TIME_ZONE;
const when = (iso: string | undefined) => (iso ? DateTime.fromISO(iso).setZone(ZONE).toFormat('yyyy-MM-dd HH:mm') : '—');

function summary(state: TaskBrief): string {
  const parts = [`任务 ${state.taskId}：${TASK_STATUSES[state.status]}`];
  if (state.rungName) parts.push(`督办层级：${state.rungName}`);
  if (state.deadline && state.status !== 'closed' && state.status !== 'withdrawn') parts.push(`当前时限：${state.deadline}`);
  return parts.join('，');
}

/** Runs one update on a task and prints its new state; a refusal is bad input (exit 2). */
async function act(campaignId: string, taskId: string, run: (handle: ReturnType<typeof taskHandle>) => Promise<TaskUpdateResult>) {
  await withTemporal(async (client) => {
    try {
      console.log(summary(await run(taskHandle(client, campaignId, taskId))));
    } catch (error) {
      throw friendly(error, campaignId, taskId);
    }
  });
}

function friendly(error: unknown, campaignId: string, taskId: string): unknown {
  if (error instanceof ActionRejected) return new BadInputError(`操作被拒绝：${error.message}`);
  if (error instanceof WorkflowNotFoundError) return new BadInputError(`未找到任务 ${campaignId}/${taskId}`);
  return error;
}

const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ofd': 'application/ofd',
  '.wps': 'application/vnd.ms-works',
  '.et': 'application/vnd.ms-excel',
};

async function readUpload(file: string): Promise<EvidenceUpload> {
  try {
    const content = await readFile(file);
    const ext = path.extname(file).toLowerCase();
    return { name: path.basename(file), contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream', content };
  } catch (error) {
    throw new BadInputError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new BadInputError(`${what}应为正整数：${value}`);
  return n;
}

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description('整治任务：签收、报送进展与佐证材料、延期、核查销号、改派、撤销');

  task
    .command('show')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .description('查看任务的状态、督办层级、时限、佐证材料和全部经过')
    .action(async (campaignId: string, taskId: string) => {
      await withTemporal(async (client) => {
        let state: TaskState;
        try {
          state = await taskHandle(client, campaignId, taskId).query(taskStateQuery);
        } catch (error) {
          throw friendly(error, campaignId, taskId);
        }
        console.log(`${state.title}（${campaignId}/${taskId}）`);
        console.log(`状态：${TASK_STATUSES[state.status]}    责任单位：${state.leadUnit}`);
        console.log(`督办阶梯：${state.ladder.map((name, i) => (i + 1 === state.rung ? `【${name}】` : name)).join(' → ') || '无'}`);
        if (state.deadline) console.log(`当前时限：${state.deadline}（${when(state.deadlineAt)} 届满）`);
        if (state.nextEscalationAt) console.log(`下一级：${state.nextRungName}，${when(state.nextEscalationAt)}`);
        if (state.status === 'assigned' && state.acknowledgeBy) console.log(`签收时限：${when(state.acknowledgeBy)}${state.acknowledgementOverdue ? '（已逾期）' : ''}`);
        for (const w of state.calendarWarnings) console.log(`提示：${w}`);
        if (state.evidence.length) {
          console.log('佐证材料：');
          for (const e of state.evidence) {
            const files = e.files.map((f) => `${f.name}（${f.size} 字节）`).join('、');
            console.log(`  ${when(e.submittedAt)}  ${EVIDENCE_FORMS[e.form]}${e.interim ? '（阶段性）' : ''}  ${[e.text, files].filter(Boolean).join('；')}`);
          }
        }
        if (state.extensions.length) {
          console.log('延期申请：');
          const status = { pending: '待审批', approved: '同意', refused: '不同意' } as const;
          for (const x of state.extensions) {
            console.log(`  第${x.seq}次  申请延至 ${x.requestedDeadline}  ${status[x.status]}${x.newDeadline ? `，延至 ${x.newDeadline}` : ''}  理由：${x.reason}`);
          }
        }
        console.log('经过：');
        if (state.timelineOmitted) console.log(`  （更早的 ${state.timelineOmitted} 条从略，完整记录见控制台的任务页或任务台账）`);
        for (const e of state.timeline) {
          const detail = describeEvent(e.kind, e.detail ?? {});
          const by = typeof e.detail?.by === 'string' && e.detail.by ? ` ${e.detail.by}` : '';
          console.log(`  ${when(e.at)}  ${EVENT_NAMES[e.kind] ?? e.kind}${e.actor ? `（${e.actor}${by}）` : ''}${detail ? `  ${detail}` : ''}`);
        }
      });
    });

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
    .command('evidence')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .requiredOption('--unit <unit>', '报送单位编号')
    .requiredOption('--form <form>', `材料形式：${Object.entries(EVIDENCE_FORMS).map(([k, v]) => `${k}（${v}）`).join('、')}`)
    .option('--file <path>', '文件（可多次指定，单个不超过 10 MiB）', collect, [])
    .option('--text <text>', '文字说明')
    .option('--interim', '阶段性材料（不申请核查销号）')
    .option('--by <name>', '报送人')
    .description('责任单位报送佐证材料（正式发文、图片资料、说明报告、数据表格），默认报请核查销号')
    .action(async (campaignId: string, taskId: string, o: { unit: string; form: string; file: string[]; text?: string; interim?: boolean; by?: string }) => {
      if (!(o.form in EVIDENCE_FORMS)) {
        throw new BadInputError(`材料形式应为 ${Object.keys(EVIDENCE_FORMS).join('、')} 之一：${o.form}`);
      }
      const files = await Promise.all(o.file.map(readUpload));
      await withDatabase((db) =>
        withTemporal(async (client) => {
          try {
            const state = await submitEvidence(db, client, {
              campaignId,
              taskId,
              unitId: o.unit,
              form: o.form as EvidenceForm,
              text: o.text,
              files,
              interim: o.interim,
              by: o.by,
            });
            console.log(summary(state));
          } catch (error) {
            throw friendly(error, campaignId, taskId);
          }
        }),
      );
    });

  task
    .command('verify')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .option('--pass', '核查通过，销号')
    .option('--fail', '核查不通过，退回整改')
    .option('--reason <text>', '不通过的问题（可多次指定）', collect, [])
    .option('--comment <text>', '核查意见')
    .option('--by <name>', '核查人')
    .description('创建办核查佐证材料或现场（核查不通过须写明问题）')
    .action(async (campaignId: string, taskId: string, o: { pass?: boolean; fail?: boolean; reason: string[]; comment?: string; by?: string }) => {
      if (Boolean(o.pass) === Boolean(o.fail)) throw new BadInputError('请指定 --pass 或 --fail 之一');
      await act(campaignId, taskId, (h) =>
        runUpdate(h, verifyUpdate, { passed: Boolean(o.pass), comment: o.comment, reasons: o.reason, by: o.by }),
      );
    });

  task
    .command('extend')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .requiredOption('--unit <unit>', '申请单位编号')
    .requiredOption('--reason <text>', '延期理由')
    .option('--until <date>', '延期到（YYYY-MM-DD）')
    .option('--days <n>', '在当前时限上延长的工作日数')
    .option('--by <name>', '申请人')
    .description('责任单位申请延期（每项任务的申请次数有上限）')
    .action(async (campaignId: string, taskId: string, o: { unit: string; reason: string; until?: string; days?: string; by?: string }) => {
      if (Boolean(o.until) === Boolean(o.days)) throw new BadInputError('请指定 --until 或 --days 之一');
      await act(campaignId, taskId, (h) =>
        runUpdate(h, requestExtensionUpdate, {
          unitId: o.unit,
          reason: o.reason,
          ...(o.until ? { until: o.until } : { workingDays: positiveInt(o.days!, '--days ') }),
          by: o.by,
        }),
      );
    });

  task
    .command('decide-extension')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .option('--approve', '同意延期')
    .option('--refuse', '不同意延期')
    .option('--until <date>', '同意时另定的新时限（YYYY-MM-DD）')
    .option('--comment <text>', '意见')
    .option('--by <name>', '审批人')
    .description('创建办审批待处理的延期申请')
    .action(async (campaignId: string, taskId: string, o: { approve?: boolean; refuse?: boolean; until?: string; comment?: string; by?: string }) => {
      if (Boolean(o.approve) === Boolean(o.refuse)) throw new BadInputError('请指定 --approve 或 --refuse 之一');
      await act(campaignId, taskId, (h) =>
        runUpdate(h, decideExtensionUpdate, { approved: Boolean(o.approve), until: o.until, comment: o.comment, by: o.by }),
      );
    });

  task
    .command('delegate')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .requiredOption('--unit <unit>', '责任单位编号（转办的单位）')
    .requiredOption('--to <unit>', '下级单位编号')
    .requiredOption('--part <text>', '转办事项')
    .requiredOption('--due <date>', '办理期限（YYYY-MM-DD，不晚于任务的完成时限）')
    .option('--by <name>', '经办人')
    .description('责任单位将任务的部分事项转办下级单位（下级单位收到转办通知和办理链接，向责任单位报送）')
    .action(async (campaignId: string, taskId: string, o: { unit: string; to: string; part: string; due: string; by?: string }) =>
      act(campaignId, taskId, (h) => runUpdate(h, delegateUpdate, { unitId: o.unit, subUnitId: o.to, part: o.part, due: o.due, by: o.by })),
    );

  task
    .command('reassign')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .requiredOption('--unit <unit>', '新的责任单位编号')
    .requiredOption('--reason <text>', '改派理由')
    .option('--deadline <date>', '新的完成时限（YYYY-MM-DD；原时限已过时必填）')
    .option('--by <name>', '经办人')
    .description('将任务改派给另一责任单位（重新交办、重新签收）')
    .action(async (campaignId: string, taskId: string, o: { unit: string; reason: string; deadline?: string; by?: string }) =>
      act(campaignId, taskId, (h) => runUpdate(h, reassignUpdate, { unitId: o.unit, reason: o.reason, deadline: o.deadline, by: o.by })),
    );

  task
    .command('withdraw')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .requiredOption('--reason <text>', '撤销理由')
    .option('--by <name>', '经办人')
    .description('撤销任务：不再督办，并通知责任单位')
    .action(async (campaignId: string, taskId: string, o: { reason: string; by?: string }) =>
      act(campaignId, taskId, (h) => runUpdate(h, withdrawUpdate, { reason: o.reason, by: o.by })),
    );

  task
    .command('refuse')
    .argument('<campaign>', '创建活动编号')
    .argument('<task>', '任务编号')
    .requiredOption('--reason <text>', '拒不整改的情况')
    .option('--by <name>', '经办人')
    .description('记录责任单位拒不整改：直接升至拒不整改对应的督办层级（企业：全园区通报并约谈主要负责人）')
    .action(async (campaignId: string, taskId: string, o: { reason: string; by?: string }) =>
      act(campaignId, taskId, (h) => runUpdate(h, recordRefusalUpdate, { reason: o.reason, by: o.by })),
    );
}
