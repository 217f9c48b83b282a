// RectificationWorkflow: one rectification task (整治任务), from assignment to 销号.
// Deterministic: time comes from the workflow, every look-up and side effect from activities.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { Task } from '../domain/definition.js';
import { DEFAULT_RECIPIENTS, type NoticeKind } from '../domain/notices.js';
import { TASK_STATUSES, type TaskState, type TaskStatus } from '../domain/task-state.js';
import {
  acknowledgeUpdate,
  reportProgressUpdate,
  taskChangedSignal,
  taskStateQuery,
  verifyUpdate,
} from './messages.js';

export interface RectificationInput {
  campaignId: string;
  campaignWorkflowId?: string;
  timeZone: string;
  task: Task;
  /** 每周一检查: weekday (1 = Monday) and local time of the weekly progress check. */
  weeklyCheck?: { weekday: number; time: string };
}

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const WORKDAY_START = '09:00';

export async function RectificationWorkflow(input: RectificationInput): Promise<TaskState> {
  const { campaignId, task, timeZone } = input;
  const weeklyCheck = input.weeklyCheck ?? { weekday: 1, time: WORKDAY_START };
  const { firstExecutionRunId } = workflowInfo();
  const state: TaskState = {
    campaignId,
    taskId: task.id,
    status: 'scheduled',
    rung: 0,
    notices: [],
    timeline: [],
  };
  let eventSeq = 0;
  let noticeSeq = 0;
  let lastCheckAt = '';

  const now = () => new Date().toISOString();

  /** Appends to the timeline and the record, and tells the campaign. */
  async function record(kind: string, actor?: string, detail?: Record<string, unknown>): Promise<void> {
    const at = now();
    state.timeline.push({ at, kind, actor, detail });
    await activities.recordTaskEvent({
      key: `${firstExecutionRunId}/event/${++eventSeq}`,
      campaignId,
      taskId: task.id,
      occurredAt: at,
      kind,
      actor,
      detail,
      status: state.status,
      rung: state.rung,
      nextDeadlineAt: state.deadlineAt,
      lastProgressAt: state.lastProgressAt,
    });
    if (input.campaignWorkflowId) {
      await getExternalWorkflowHandle(input.campaignWorkflowId)
        .signal(taskChangedSignal, { taskId: task.id, status: state.status, rung: state.rung })
        .catch(() => undefined); // the campaign may have ended; the task's record stands on its own
    }
  }

  async function notify(kind: NoticeKind, extra: { silentSince?: string } = {}): Promise<void> {
    const issuedAt = now();
    const issued = await activities.issueNotice({
      key: `${firstExecutionRunId}/notice/${kind}/${++noticeSeq}`,
      campaignId,
      taskId: task.id,
      kind,
      issuedAt,
      recipients: DEFAULT_RECIPIENTS[kind],
      ...extra,
    });
    state.notices.push({ kind, documentNumber: issued.documentNumber, issuedAt });
    state.timeline.push({ at: issuedAt, kind: `notice.${kind}`, detail: { ...issued } });
  }

  function requireStatus(allowed: TaskStatus[], action: string): void {
    if (!allowed.includes(state.status)) {
      throw ApplicationFailure.nonRetryable(`任务当前状态为“${TASK_STATUSES[state.status]}”，不能${action}`, 'InvalidState');
    }
  }
  function requireLeadUnit(unitId: string): void {
    if (unitId !== task.leadUnit) {
      throw ApplicationFailure.nonRetryable(`单位 ${unitId} 不是该任务的责任单位`, 'WrongUnit');
    }
  }

  setHandler(taskStateQuery, () => state);

  setHandler(
    acknowledgeUpdate,
    async ({ unitId, by }) => {
      state.status = 'acknowledged';
      state.acknowledgedAt = now();
      await record('acknowledged', by ?? unitId);
      return state;
    },
    {
      validator: ({ unitId }) => {
        requireLeadUnit(unitId);
        requireStatus(['assigned'], '签收');
      },
    },
  );

  setHandler(
    reportProgressUpdate,
    async ({ unitId, text, by }) => {
      state.status = 'inProgress';
      state.lastProgressAt = now();
      await record('progress', by ?? unitId, { text: text.trim() });
      return state;
    },
    {
      validator: ({ unitId, text }) => {
        requireLeadUnit(unitId);
        requireStatus(['assigned', 'acknowledged', 'inProgress'], '报送进展');
        if (typeof text !== 'string' || text.trim() === '') {
          throw ApplicationFailure.nonRetryable('进展内容不能为空', 'EmptyInput');
        }
      },
    },
  );

  setHandler(
    verifyUpdate,
    async ({ passed, comment, by }) => {
      if (passed) {
        state.status = 'closed';
        state.closedAt = now();
        await record('verified', by ?? 'office', { comment });
      } else {
        state.status = 'inProgress';
        await record('verificationFailed', by ?? 'office', { comment });
      }
      return state;
    },
    {
      validator: ({ passed, comment }) => {
        requireStatus(['acknowledged', 'inProgress'], '核查');
        if (typeof passed !== 'boolean') throw ApplicationFailure.nonRetryable('缺少核查结论', 'EmptyInput');
        if (!passed && !comment?.trim()) {
          throw ApplicationFailure.nonRetryable('核查不通过时必须写明原因', 'EmptyInput');
        }
      },
    },
  );

  // Assignment on the task's start day.
  const startAt = await activities.instantOf({ timeZone, date: task.start, time: WORKDAY_START });
  if (Date.parse(startAt) > Date.now()) await sleep(Date.parse(startAt) - Date.now());
  state.deadlineAt = await activities.deadlineInstant({ timeZone, date: task.deadline });
  state.status = 'assigned';
  await notify('assignment');
  await record('assigned');
  lastCheckAt = now();

  const nextCheck = async () =>
    (state.nextCheckAt = (
      await activities.nextCheckTime({ campaignId, timeZone, after: now(), ...weeklyCheck })
    ).at);
  await nextCheck();

  const closed = () => state.status === 'closed';
  while (!closed()) {
    const deadlinePending = state.rung === 0;
    const wakeAt = Math.min(
      Date.parse(state.nextCheckAt!),
      deadlinePending ? Date.parse(state.deadlineAt) : Infinity,
    );
    if (await condition(closed, Math.max(wakeAt - Date.now(), 1))) break;

    if (deadlinePending && Date.now() >= Date.parse(state.deadlineAt)) {
      state.rung = 1;
      await notify('overdue');
      await record('overdue');
    }
    if (!closed() && Date.now() >= Date.parse(state.nextCheckAt!)) {
      // 每周一检查: a reminder when nothing was reported since the last check.
      const silent = !state.lastProgressAt || state.lastProgressAt < lastCheckAt;
      if (silent) await notify('reminder', { silentSince: state.lastProgressAt ?? lastCheckAt });
      lastCheckAt = now();
      await nextCheck();
    }
  }
  // Let an update that closed the task finish answering before the workflow completes.
  await condition(allHandlersFinished);
  return state;
}
