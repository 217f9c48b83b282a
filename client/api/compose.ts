// Pages and API answers built from the read model and the workflows' live state.
import { WorkflowNotFoundError } from '@temporalio/client';
import { DateTime } from 'luxon';
import { endOfCivilDay, loadCampaignCalendar } from '../../services/calendar.js';
import { listEvidence, type SubmissionRow } from '../../db/evidence.js';
import { EVIDENCE_FORMS, TERMINAL_STATUSES, type TaskState, type TaskStatus } from '../../domain/task-state.js';
import { withMaskedSecrets } from '../../domain/channels.js';
import type { TaskBrief } from '../../workflows/messages.js';
import { campaignHandle } from '../campaigns.js';
import type { ConsoleContext } from '../context.js';
import { liveTaskState } from './actions.js';
import { HttpProblem } from './problems.js';
import { campaignMaterials } from './materials.js';
import {
  cadencesOf,
  dashboard,
  findCampaign,
  findTask,
  listUnits,
  phasesOf,
  rulesOf,
  rungName,
  statusName,
  taskTimeline,
  todayIn,
  type TimelineItem,
} from './read-model.js';

export async function requireCampaign(ctx: ConsoleContext, campaignId: string) {
  const campaign = await findCampaign(ctx.db, campaignId);
  if (!campaign) throw new HttpProblem(404, 'NotFound', `创建活动不存在：${campaignId}`);
  return campaign;
}

export async function campaignOverview(ctx: ConsoleContext, campaignId: string) {
  const campaign = await requireCampaign(ctx, campaignId);
  const now = await ctx.now();
  const today = todayIn(now, campaign.timeZone);
  const [board, units, workflowStatus] = await Promise.all([
    dashboard(ctx.db, now, campaignId),
    listUnits(ctx.db, campaignId),
    campaignHandle(ctx.temporal, campaignId)
      .describe()
      .then((d) => d.status.name as string)
      .catch((error) => (error instanceof WorkflowNotFoundError ? 'NOT_FOUND' : undefined)),
  ]);
  const counts = board.totals;
  // 每月报送 of the current month; a campaign whose calendar cannot be read shows its page without it.
  const materials = await campaignMaterials(ctx.db, campaignId, now, units).catch(() => undefined);
  return {
    campaign: {
      id: campaign.id,
      title: campaign.title,
      timeZone: campaign.timeZone,
      start: campaign.start,
      end: campaign.end,
      status: campaign.status,
      createdAt: campaign.createdAt,
      taskCount: counts.tasks,
      closedCount: counts.closed,
      overdueCount: counts.overdue,
    },
    // The robots' webhooks and 加签 secrets written out in the definition are shown masked.
    definition: withMaskedSecrets(campaign.definition),
    today,
    phases: phasesOf(campaign.definition, today),
    cadences: cadencesOf(campaign.definition, today),
    rules: rulesOf(campaign.definition),
    units,
    dashboard: board,
    workflowStatus,
    ...(materials ? { materials } : {}),
  };
}

export const WORKFLOW_STATUS_NAMES: Record<string, string> = {
  RUNNING: '运行中',
  COMPLETED: '已结束',
  FAILED: '失败',
  CANCELLED: '已取消',
  TERMINATED: '已终止',
  CONTINUED_AS_NEW: '运行中',
  TIMED_OUT: '已超时',
  NOT_FOUND: '未找到工作流',
};

export interface Clock {
  kind: 'deadline' | 'check' | 'none';
  label: string;
  at?: string;
  remainingMs?: number;
  overdue: boolean;
  workingDaysLeft?: number;
  text: string;
}

/** Time to the task's next deadline, with working days on the statutory calendar. */
export async function clockFor(
  ctx: ConsoleContext,
  task: { campaignId: string; status: string; rung: number; start: string; deadline: string; deadlineAt?: string },
  live: TaskState | undefined,
  now: Date,
  timeZone: string,
): Promise<Clock> {
  const status = live?.status ?? task.status;
  if (status === 'closed') return { kind: 'none', label: '已销号', overdue: false, text: '任务已销号，不再计时' };
  if (status === 'withdrawn') return { kind: 'none', label: '已撤销', overdue: false, text: '任务已撤销，不再计时' };
  const at = live?.deadlineAt ?? task.deadlineAt ?? endOfCivilDay(task.deadline, timeZone);
  const remainingMs = Date.parse(at) - now.getTime();
  const rung = live?.rung ?? task.rung;
  let workingDaysLeft: number | undefined;
  try {
    const calendar = await loadCampaignCalendar(ctx.db, task.campaignId);
    workingDaysLeft = calendar.workingDaysBetween(todayIn(now, timeZone), task.deadline).days;
  } catch {
    workingDaysLeft = undefined;
  }
  const duration = (ms: number) => {
    const minutes = Math.floor(Math.abs(ms) / 60_000);
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    return days > 0 ? `${days}天${hours}小时` : `${hours}小时${minutes % 60}分`;
  };
  if (remainingMs > 0) {
    const prefix = status === 'scheduled' ? `任务将于 ${task.start} 交办；` : '';
    const working = workingDaysLeft !== undefined ? `（${Math.max(workingDaysLeft, 0)} 个工作日）` : '';
    return {
      kind: 'deadline',
      label: '完成时限',
      at,
      remainingMs,
      overdue: false,
      workingDaysLeft,
      text: `${prefix}距完成时限还有 ${duration(remainingMs)}${working}`,
    };
  }
  const rungLabel = live?.rungName || rungName(rung);
  const next =
    live?.nextEscalationAt && live.nextRungName && Date.parse(live.nextEscalationAt) > now.getTime()
      ? `；如仍未销号，${duration(Date.parse(live.nextEscalationAt) - now.getTime())}后升级为“${live.nextRungName}”`
      : '';
  return {
    kind: 'deadline',
    label: rung > 0 ? '整改时限' : '完成时限',
    at,
    remainingMs,
    overdue: true,
    workingDaysLeft,
    text: `已逾期 ${duration(remainingMs)}${rung > 0 ? `，督办层级：${rungLabel}` : ''}${next}`,
  };
}

export function stateView<S extends TaskBrief>(state: S) {
  return { ...state, statusName: statusName(state.status), rungName: state.rungName || rungName(state.rung) };
}

export function evidenceView(s: SubmissionRow) {
  return {
    id: Number(s.id),
    unitId: s.unit_id,
    form: s.form,
    formName: EVIDENCE_FORMS[s.form] ?? s.form,
    text: s.text ?? '',
    interim: s.interim,
    by: s.submitted_by ?? '',
    submittedAt: new Date(s.submitted_at).toISOString(),
    files: s.files.map((f) => ({ id: f.id, fileName: f.name, contentType: f.content_type, sizeBytes: Number(f.size), sha256: f.sha256 })),
  };
}

export const isTerminal = (status: string) => TERMINAL_STATUSES.includes(status as TaskStatus);

export async function taskDetail(ctx: ConsoleContext, campaignId: string, taskId: string) {
  const campaign = await requireCampaign(ctx, campaignId);
  const now = await ctx.now();
  const task = await findTask(ctx.db, campaignId, taskId, now);
  if (!task) throw new HttpProblem(404, 'NotFound', `整治任务不存在：${taskId}`);
  const [live, timeline, evidence] = await Promise.all([
    liveTaskState(ctx.temporal, campaignId, taskId),
    taskTimeline(ctx.db, campaignId, taskId),
    listEvidence(ctx.db, campaignId, taskId),
  ]);
  const clock = await clockFor(ctx, task, live, now, campaign.timeZone);
  // Units act under their id; people read their name.
  const unitNames = new Map(campaign.definition.units.map((u) => [u.id, u.name]));
  // A unit acts as itself; who at the unit did it (`by`, a label the unit typed) is shown beside it.
  for (const item of timeline) {
    if (!item.actor || !unitNames.has(item.actor)) continue;
    const by = typeof item.detail?.by === 'string' && item.detail.by ? `（${item.detail.by}）` : '';
    item.actor = `${unitNames.get(item.actor)}${by}`;
  }
  const status = live?.status ?? task.status;
  const planned: TimelineItem[] = [];
  if (!isTerminal(status)) {
    if (live?.nextCheckAt && Date.parse(live.nextCheckAt) > now.getTime()) {
      planned.push({ at: live.nextCheckAt, kind: 'planned.check', label: '下次每周检查', planned: true, detail: {} });
    }
    if (live?.acknowledgeBy && status === 'assigned' && Date.parse(live.acknowledgeBy) > now.getTime()) {
      planned.push({ at: live.acknowledgeBy, kind: 'planned.acknowledge', label: '签收时限', planned: true, detail: {} });
    }
    if (live?.nextEscalationAt && live.nextRungName && Date.parse(live.nextEscalationAt) > now.getTime()) {
      planned.push({ at: live.nextEscalationAt, kind: 'planned.escalation', label: `如未销号：${live.nextRungName}`, planned: true, detail: {} });
    }
    if (clock.at && !clock.overdue) {
      planned.push({ at: clock.at, kind: 'planned.deadline', label: '完成时限', planned: true, detail: {} });
    }
    if (status === 'scheduled') {
      const start = DateTime.fromISO(task.start, { zone: campaign.timeZone }).set({ hour: 9 }).toUTC().toISO()!;
      planned.push({ at: start, kind: 'planned.assignment', label: '计划交办', planned: true, detail: {} });
    }
  }
  planned.sort((a, b) => a.at.localeCompare(b.at));
  return {
    campaign,
    task: live
      ? {
          ...task,
          status: live.status,
          statusName: statusName(live.status),
          rung: live.rung,
          rungName: live.rungName || rungName(live.rung),
          leadUnit: live.leadUnit ?? task.leadUnit,
          deadline: live.deadline ?? task.deadline,
        }
      : task,
    live: live ? stateView(live) : undefined,
    clock,
    timeline: [...timeline, ...planned],
    evidence: evidence.map(evidenceView),
    now: now.toISOString(),
  };
}
