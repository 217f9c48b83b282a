// RectificationWorkflow: one rectification task (整治任务), from assignment to 销号.
//
//   assigned → acknowledged (签收) → inProgress → evidenceSubmitted → closed (销号)
//                                        ↑______ verification failed ______|
//   withdrawn (撤销) from any state; reassignment (改派) starts over with another unit.
//
// Timers: the acknowledgement deadline (领办逾期: reminder + deduction), the weekly check (催办 when
// silent), and the escalation ladder: when the current deadline lapses, the ladder's rungs are
// issued one at a time, each after its grace period in working days (domain/ladder.ts). Closing
// the task at any rung stops the climb; while evidence awaits verification the climb waits.
//
// Deterministic: time comes from the workflow, every look-up (calendar, plan) and every side
// effect (notices, records) from activities. Human actions are updates with validators; the
// handlers and the timer loop take turns (one at a time, a mutex), and each handler checks again
// once it has its turn, so a notice never crosses a closure and two requests never both pass.
// A task that lives long, or is sent many reports, continues as new between updates, carrying its
// state, so its history stays bounded however long it runs.
import { Mutex } from 'async-mutex';
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { TaskEvent } from '../db/events.js';
import type { Task } from '../domain/definition.js';
import type { EscalationPlan, ResolvedRung } from '../domain/ladder.js';
import {
  MAX_FILE_NAME_CHARS,
  MAX_ID_CHARS,
  MAX_NAME_CHARS,
  MAX_REASONS,
  MAX_REPORTS_PER_DAY,
  MAX_TEXT_CHARS,
  tooLong,
} from '../domain/limits.js';
import {
  DEFAULT_RECIPIENTS,
  type ComplaintSource,
  type NoticeDetails,
  type NoticeKind,
  type RecipientList,
  type Wording,
} from '../domain/notices.js';
import {
  EVIDENCE_FORMS,
  MAX_EVIDENCE_FILE_BYTES,
  MAX_EVIDENCE_FILES,
  TASK_STATUSES,
  TERMINAL_STATUSES,
  type EvidenceEntry,
  type ReportDay,
  type TaskState,
  type TaskStatus,
} from '../domain/task-state.js';
import {
  acknowledgeUpdate,
  decideExtensionUpdate,
  reassignUpdate,
  recordRefusalUpdate,
  reportProgressUpdate,
  requestExtensionUpdate,
  submitEvidenceUpdate,
  taskStateQuery,
  verifyUpdate,
  withdrawUpdate,
  type EvidenceInput,
  type ExtensionDecisionInput,
  type ExtensionRequestInput,
  type ReassignInput,
  type TaskBrief,
  type TaskUpdateResult,
} from './messages.js';

/** A complaint from citizens or the media (plan 4) that this task answers: it starts at the supervision letter. */
export interface ComplaintInput {
  source: ComplaintSource;
  summary?: string;
  /** e.g. the hotline ticket or the article. */
  reference?: string;
  /** ISO instant. */
  receivedAt?: string;
  /** Working days to rectify; default: the campaign's escalation.complaints.rectificationDays (3). */
  rectificationDays?: number;
}

export interface RectificationInput {
  campaignId: string;
  timeZone: string;
  task: Task;
  /** 每周一检查: weekday (1 = Monday) and local time of the weekly progress check. */
  weeklyCheck?: { weekday: number; time: string };
  /** The task comes from a complaint: urgent, short deadline, starts at the ladder's complaint rung (督办函). */
  complaint?: ComplaintInput;
  /** Start the climb at this rung (1-based) instead of with an assignment notice. */
  startAtRung?: number;
  /** A run continued as new: what the previous run knew (no assignment again). */
  carried?: CarriedTask;
  /** Continue as new past this many history events (default TASK_HISTORY_LIMIT). */
  historyLimit?: number;
}

/** What the grace period of the next rung counts from: the current deadline, or the last rung's issue. */
type Anchor = { kind: 'deadline' } | { kind: 'issued'; at: string };

/** The task's state and the counters behind its idempotency keys and timers, from one run to the next. */
export interface CarriedTask {
  state: TaskState;
  eventSeq: number;
  evidenceCount: number;
  noticeAttempts: Record<string, number>;
  lastCheckAt: string;
  anchor: Anchor;
  ladderNoticesFrom: number;
}

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * Look-ups (calendar, plan) and the short idempotent writes of the record (events, evidence) run as
 * local activities: still recorded in history (as markers), but without a round trip through the
 * server. With the task's events written in the transaction of the notice they go with, assignment
 * is one activity instead of seven, a rung one instead of three, and a unit's reply none instead of
 * one. Notices stay ordinary activities (mail may take long and retry for hours). Tasks started
 * before this change replay as they ran.
 */
const FEWER_ROUND_TRIPS = 'local-lookups-and-events-with-notices';

const localActivities = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * 2026-12-03: handlers waited with condition(() => !busy), so when the holder let go, every waiter
 * woke in the same activation and two of them could pass their checks (two extension requests, a
 * rung and a reassignment). A FIFO mutex lets exactly one in; each handler checks again inside it.
 */
const ONE_ACTION_AT_A_TIME = 'one-action-at-a-time';
/**
 * 2026-12-03: a link holder could send reports without end, growing the task's record, state and
 * history: MAX_REPORTS_PER_DAY progress reports and as many evidence submissions per civil day,
 * counted in the workflow (two look-ups when a new day's first report comes).
 */
const REPORTS_PER_DAY = 'reports-per-day';
/** 2026-12-03: a task's history stays bounded: continue as new between updates, carrying the state. */
const TASK_CONTINUES_AS_NEW = 'task-continues-as-new';

/** History events after which a task continues as new (Temporal suggests it near 10,000 or 4 MiB too). */
export const TASK_HISTORY_LIMIT = 2_000;
const TASK_HISTORY_BYTES = 4 * 1024 * 1024;
/** What a new run carries of the lists that grow: the record (PostgreSQL) keeps everything. */
const CARRIED_TIMELINE = 50;
const CARRIED_EVIDENCE = 20;
const CARRIED_NOTICES = 20;

const WORKDAY_START = '09:00';
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refuses an update: the reason is shown to the user; nothing has changed. */
function reject(message: string, type: string): never {
  throw ApplicationFailure.nonRetryable(message, type);
}

/**
 * Handlers and the timer loop take turns. Behind ONE_ACTION_AT_A_TIME a FIFO mutex (one waiter at a
 * time, the others queued); the old branch (histories before it) waits on a flag, which wakes every
 * waiter at once. The new branch also waits for the flag, for a holder that took it on the old one.
 */
function turnTaker(onRelease: () => void) {
  const mutex = new Mutex();
  let busy = false;
  async function hold<T>(fn: () => Promise<T>): Promise<T> {
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
      onRelease();
    }
  }
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (patched(ONE_ACTION_AT_A_TIME)) {
        return mutex.runExclusive(async () => {
          if (busy) await condition(() => !busy);
          return hold(fn);
        });
      }
      await condition(() => !busy);
      return hold(fn);
    },
    idle: () => !busy && !mutex.isLocked(),
  };
}

/** The task without its growing lists: what an update answers. */
function briefOf(state: TaskState): TaskBrief {
  const brief: Partial<TaskState> = { ...state };
  delete brief.evidence;
  delete brief.notices;
  delete brief.timeline;
  delete brief.calendarWarnings;
  return brief as TaskBrief;
}

/**
 * What the next run carries: the state with the tail of its timeline, evidence and notices (the
 * record has them all), keeping every rung notice of the current lead unit (the next rung cites them).
 */
function carryOver(carried: CarriedTask): CarriedTask {
  const { state } = carried;
  const keep = state.notices.map(
    (n, i) => i >= state.notices.length - CARRIED_NOTICES || (i >= carried.ladderNoticesFrom && n.rung !== undefined),
  );
  const timeline = state.timeline.slice(-CARRIED_TIMELINE);
  return {
    ...carried,
    ladderNoticesFrom: keep.slice(0, carried.ladderNoticesFrom).filter(Boolean).length,
    state: {
      ...state,
      timeline,
      timelineOmitted: (state.timelineOmitted ?? 0) + state.timeline.length - timeline.length,
      evidence: state.evidence.slice(-CARRIED_EVIDENCE),
      notices: state.notices.filter((_, i) => keep[i]),
    },
  };
}

/** Refuses a text longer than `max` (validators only: a length does not change while an update waits). */
function requireLength(value: unknown, max: number, what: string): void {
  const problem = tooLong(value, max, what);
  if (problem) reject(problem, 'TooLong');
}

/** The names every update may carry: who acted, which unit. */
function limitNames(x: { by?: unknown; unitId?: unknown }): void {
  requireLength(x.by, MAX_NAME_CHARS, '经办人姓名');
  requireLength(x.unitId, MAX_ID_CHARS, '单位编号');
}

/** What each update may carry: the limits of domain/limits.ts, checked by its validator before its other checks. */
const LIMITS = {
  acknowledge: limitNames,
  progress: (p: { text?: unknown; by?: unknown; unitId?: unknown }) => {
    limitNames(p);
    requireLength(p.text, MAX_TEXT_CHARS, '进展内容');
  },
  evidence: (e: EvidenceInput) => {
    limitNames(e);
    requireLength(e.text, MAX_TEXT_CHARS, '佐证材料说明');
    for (const f of Array.isArray(e.files) ? e.files : []) {
      requireLength(f?.name, MAX_FILE_NAME_CHARS, '文件名');
      requireLength(f?.contentType, MAX_FILE_NAME_CHARS, '文件类型');
    }
  },
  extensionRequest: (r: ExtensionRequestInput) => {
    limitNames(r);
    requireLength(r.reason, MAX_TEXT_CHARS, '延期理由');
  },
  verify: (v: { comment?: unknown; reasons?: unknown; by?: unknown }) => {
    limitNames(v);
    requireLength(v.comment, MAX_TEXT_CHARS, '核查意见');
    if (Array.isArray(v.reasons)) {
      if (v.reasons.length > MAX_REASONS) reject(`不通过原因最多 ${MAX_REASONS} 条`, 'TooLong');
      for (const r of v.reasons) requireLength(r, MAX_TEXT_CHARS, '不通过原因');
    }
  },
  extensionDecision: (d: ExtensionDecisionInput) => {
    limitNames(d);
    requireLength(d.comment, MAX_TEXT_CHARS, '审批意见');
  },
  reassign: (r: ReassignInput) => {
    limitNames(r);
    requireLength(r.reason, MAX_TEXT_CHARS, '改派理由');
  },
  withdraw: (w: { reason?: unknown; by?: unknown }) => {
    limitNames(w);
    requireLength(w.reason, MAX_TEXT_CHARS, '撤销理由');
  },
  refusal: (r: { reason?: unknown; by?: unknown }) => {
    limitNames(r);
    requireLength(r.reason, MAX_TEXT_CHARS, '拒不整改的情况');
  },
};

/** A validator: the input's limits first, then the handler's own checks (which it runs again in its turn). */
function limited<T extends L, L>(limit: (x: L) => void, check: (x: T) => void): (x: T) => void {
  return (x) => {
    limit(x);
    check(x);
  };
}

/** The last millisecond of the civil day that lapses at `lapsesAt` (its 24:00). */
function lastMomentBefore(lapsesAt: string): string {
  return new Date(Date.parse(lapsesAt) - 1).toISOString();
}

export async function RectificationWorkflow(input: RectificationInput): Promise<TaskState> {
  const { campaignId, task, timeZone, carried } = input;
  const historyLimit = input.historyLimit ?? TASK_HISTORY_LIMIT;
  const fewerRoundTrips = patched(FEWER_ROUND_TRIPS);
  const local = fewerRoundTrips ? localActivities : activities;
  const weeklyCheck = input.weeklyCheck ?? { weekday: 1, time: WORKDAY_START };
  const info = workflowInfo();
  /** Idempotency keys of notices and events derive from the workflow and its first run. */
  const keyBase = `${info.workflowId}@${info.firstExecutionRunId}`;
  const state: TaskState = carried?.state ?? {
    campaignId,
    taskId: task.id,
    title: task.title,
    status: 'scheduled',
    leadUnit: task.leadUnit,
    rung: 0,
    rungName: '',
    ladder: [],
    failedVerifications: 0,
    evidence: [],
    extensions: [],
    calendarWarnings: [],
    notices: [],
    timeline: [],
    ...(input.complaint
      ? { complaint: { source: input.complaint.source, summary: input.complaint.summary, reference: input.complaint.reference } }
      : {}),
  };
  let plan: EscalationPlan | undefined;
  let units: { id: string; name: string; kind: string }[] = [];
  let eventSeq = carried?.eventSeq ?? 0;
  /** Evidence submissions so far (the key of the next one); the state keeps only the latest after a hand-over. */
  let evidenceCount = carried?.evidenceCount ?? 0;
  const noticeAttempts: Record<string, number> = carried?.noticeAttempts ?? {};
  let lastCheckAt = carried?.lastCheckAt ?? '';
  /** What the next rung's grace period counts from: the current deadline, or the last rung's issue. */
  let anchor: Anchor = carried?.anchor ?? { kind: 'deadline' };
  /** Bumped whenever a handler changes what the timer loop waits for. */
  let version = 0;
  /** Notices before this index belong to an earlier lead unit (before a reassignment). */
  let ladderNoticesFrom = carried?.ladderNoticesFrom ?? 0;

  const now = () => new Date().toISOString();
  const terminal = () => TERMINAL_STATUSES.includes(state.status);

  const turns = turnTaker(() => version++);
  /** Handlers and the timer loop run one at a time. */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => turns.run(fn);
  /** An update's turn: it checks again and acts, then answers the task and what it added to the timeline. */
  const act = (fn: () => Promise<void>): Promise<TaskUpdateResult> =>
    exclusive(async () => {
      const from = state.timeline.length;
      await fn();
      return { ...briefOf(state), events: state.timeline.slice(from) };
    });

  interface EventSpec {
    kind: string;
    actor?: string;
    detail?: Record<string, unknown>;
    change?: { deadline?: string; leadUnit?: string };
  }

  /** Appends to the timeline and the record. */
  async function record(
    kind: string,
    actor?: string,
    detail?: Record<string, unknown>,
    change: { deadline?: string; leadUnit?: string } = {},
  ): Promise<void> {
    const event = eventOf({ kind, actor, detail, change });
    state.timeline.push({ at: event.occurredAt, kind, actor, detail });
    await local.recordTaskEvent(event);
  }

  /** The record's row for an event, with the task as it stands now. */
  function eventOf({ kind, actor, detail, change = {} }: EventSpec): TaskEvent {
    const at = now();
    return {
      key: `${keyBase}/event/${++eventSeq}`,
      campaignId,
      taskId: task.id,
      occurredAt: at,
      kind,
      actor,
      detail,
      status: state.status,
      rung: state.rung,
      rungName: state.rungName,
      nextDeadlineAt: state.deadlineAt,
      lastProgressAt: state.lastProgressAt,
      nextEscalationAt: state.nextEscalationAt,
      acknowledgeBy: state.status === 'assigned' ? state.acknowledgeBy : undefined,
      ...change,
    };
  }

  interface NotifyOptions {
    rung?: number;
    recipients?: RecipientList;
    details?: NoticeDetails;
    wording?: Wording;
    deduction?: { points: number; reason: string };
    attachRecord?: boolean;
    calendarWarning?: string;
    /** The event this notice goes with: written with it (one activity), or after it (tasks started earlier). */
    event?: EventSpec;
  }

  async function notify(kind: NoticeKind, options: NotifyOptions = {}): Promise<string> {
    const issuedAt = now();
    const event = options.event && fewerRoundTrips ? eventOf(options.event) : undefined;
    const rung = options.rung ?? 0;
    const slot = `${kind}/${rung}`;
    const attempt = (noticeAttempts[slot] = (noticeAttempts[slot] ?? 0) + 1);
    const recipients =
      options.recipients ??
      (DEFAULT_RECIPIENTS as Partial<Record<NoticeKind, RecipientList>>)[kind] ??
      ({ to: ['leadUnit.contact'], cc: [] } satisfies RecipientList);
    const issued = await activities.issueNotice({
      key: `${keyBase}/notice/${kind}/rung-${rung}/attempt-${attempt}`,
      campaignId,
      taskId: task.id,
      kind,
      issuedAt,
      recipients,
      ...(options.rung ? { rung: options.rung } : {}),
      ...(options.details ? { details: options.details } : {}),
      ...(options.wording ? { wording: options.wording } : {}),
      ...(options.deduction ? { deduction: options.deduction } : {}),
      ...(options.attachRecord ? { attachRecord: true } : {}),
      ...(options.calendarWarning ? { calendarWarning: options.calendarWarning } : {}),
      ...(event ? { event } : {}),
    });
    const { documentNumber } = issued;
    state.notices.push({ kind, documentNumber, issuedAt, ...(options.rung ? { rung: options.rung } : {}) });
    state.timeline.push({ at: issuedAt, kind: `notice.${kind}`, detail: { ...issued } });
    if (event) {
      state.timeline.push({ at: event.occurredAt, kind: event.kind, actor: event.actor, detail: { ...event.detail, documentNumber } });
    } else if (options.event) {
      const { kind: eventKind, actor, detail, change } = options.event;
      await record(eventKind, actor, detail, change);
    }
    return documentNumber;
  }

  /** A deadline computed in a year without a holiday schedule: timeline, record, worker log. */
  async function calendarWarning(warning: string | undefined, context: string): Promise<string | undefined> {
    if (!warning) return undefined;
    log.warn(`节假日安排缺失：${warning}`, { campaignId, taskId: task.id, context });
    if (!state.calendarWarnings.includes(warning)) state.calendarWarnings.push(warning);
    await record('calendarWarning', undefined, { warning, context });
    return warning;
  }

  async function workingDaysAfter(from: string, days: number, context: string) {
    const result = await local.addWorkingDays({ campaignId, timeZone, from, days });
    return { ...result, warning: await calendarWarning(result.warning, context) };
  }

  async function setDeadline(date: string): Promise<void> {
    state.deadline = date;
    state.deadlineAt = await local.deadlineInstant({ timeZone, date });
  }

  // ---------------------------------------------------------------------------------------------
  // Validation helpers: run in validators (synchronous, no side effects) and again inside handlers.

  function requireStatus(allowed: TaskStatus[], action: string): void {
    if (!allowed.includes(state.status)) {
      reject(`任务当前状态为“${TASK_STATUSES[state.status]}”，不能${action}`, 'InvalidState');
    }
  }
  function requireKnownUnit(unitId: unknown): void {
    if (typeof unitId !== 'string' || unitId.trim() === '') reject('缺少单位编号', 'EmptyInput');
    if (units.length > 0 && !units.some((u) => u.id === unitId)) reject(`未知单位：${unitId}`, 'UnknownUnit');
  }
  function requireLeadUnit(unitId: unknown): void {
    requireKnownUnit(unitId);
    if (unitId !== state.leadUnit) reject(`单位 ${unitId} 不是该任务的责任单位`, 'WrongUnit');
  }
  function requireText(value: unknown, what: string): void {
    if (typeof value !== 'string' || value.trim() === '') reject(`${what}不能为空`, 'EmptyInput');
  }
  function requireDate(value: unknown, what: string): asserts value is string {
    if (typeof value !== 'string' || !DATE_RE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      reject(`${what}应为 YYYY-MM-DD 格式的日期：${String(value)}`, 'InvalidInput');
    }
  }

  const ACTIVE: TaskStatus[] = ['assigned', 'acknowledged', 'inProgress'];

  /** Refuses a report once the day has MAX_REPORTS_PER_DAY of its kind (counted since REPORTS_PER_DAY). */
  function requireReportsLeft(kind: 'progress' | 'evidence'): void {
    const day = state.reportsToday;
    if (day && Date.now() < Date.parse(day.endsAt) && day[kind] >= MAX_REPORTS_PER_DAY) {
      const what = kind === 'progress' ? '报送进展' : '报送佐证材料';
      reject(`该任务今日已${what} ${MAX_REPORTS_PER_DAY} 次，达到每日上限，请明日再报`, 'DailyLimit');
    }
  }

  /** Counts a report against its civil day, in the handler's turn after its checks; a new day is looked up. */
  async function countReport(kind: 'progress' | 'evidence'): Promise<void> {
    if (!patched(REPORTS_PER_DAY)) return;
    const at = now();
    if (!state.reportsToday || Date.parse(at) >= Date.parse(state.reportsToday.endsAt)) {
      const date = await local.civilDate({ timeZone, at });
      const day: ReportDay = { date, endsAt: await local.deadlineInstant({ timeZone, date }), progress: 0, evidence: 0 };
      state.reportsToday = day;
    }
    requireReportsLeft(kind);
    state.reportsToday[kind]++;
  }

  function checkEvidence(e: EvidenceInput): void {
    requireLeadUnit(e.unitId);
    requireStatus(['acknowledged', 'inProgress'], '报送佐证材料（请先签收）');
    requireReportsLeft('evidence');
    if (!e.form || !(e.form in EVIDENCE_FORMS)) {
      reject(`佐证材料形式应为 ${Object.entries(EVIDENCE_FORMS).map(([k, v]) => `${k}（${v}）`).join('、')} 之一`, 'InvalidInput');
    }
    const files = e.files ?? [];
    const text = typeof e.text === 'string' ? e.text.trim() : '';
    if (files.length === 0 && text === '') reject('佐证材料不能为空：请附文件或填写说明', 'EmptyInput');
    if (files.length > MAX_EVIDENCE_FILES) reject(`一次最多报送 ${MAX_EVIDENCE_FILES} 个文件`, 'InvalidInput');
    const ids = new Set<string>();
    for (const f of files) {
      if (!f || typeof f.id !== 'string' || !UUID_RE.test(f.id)) reject('佐证材料文件缺少编号（请先上传文件）', 'InvalidInput');
      if (ids.has(f.id)) reject(`佐证材料文件重复：${f.name}`, 'InvalidInput');
      ids.add(f.id);
      if (typeof f.name !== 'string' || f.name.trim() === '') reject('佐证材料文件缺少文件名', 'InvalidInput');
      if (typeof f.contentType !== 'string' || f.contentType.trim() === '') reject(`文件“${f.name}”缺少类型`, 'InvalidInput');
      if (!Number.isInteger(f.size) || f.size < 0) reject(`文件“${f.name}”大小无效`, 'InvalidInput');
      if (f.size > MAX_EVIDENCE_FILE_BYTES) {
        reject(`文件“${f.name}”超过单个文件 ${MAX_EVIDENCE_FILE_BYTES / 1048576} MiB 的上限`, 'InvalidInput');
      }
      if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) reject(`文件“${f.name}”的 SHA-256 无效`, 'InvalidInput');
    }
  }

  function checkExtensionRequest(r: ExtensionRequestInput): void {
    requireLeadUnit(r.unitId);
    requireStatus(ACTIVE, '申请延期');
    requireText(r.reason, '延期理由');
    const max = plan?.extensions.max ?? 0;
    if (state.extensions.some((e) => e.status === 'pending')) reject('已有待审批的延期申请，请等待创建办答复', 'InvalidState');
    if (state.extensions.length >= max) reject(`延期申请已达上限（每项任务最多 ${max} 次）`, 'ExtensionLimit');
    if ((r.until === undefined) === (r.workingDays === undefined)) reject('请指定延期到的日期或延期的工作日数（二选一）', 'InvalidInput');
    if (r.until !== undefined) {
      requireDate(r.until, '延期日期');
      if (state.deadline && r.until <= state.deadline) reject(`延期日期 ${r.until} 应晚于当前完成时限 ${state.deadline}`, 'InvalidInput');
    } else if (!Number.isInteger(r.workingDays) || r.workingDays! < 1 || r.workingDays! > 120) {
      reject('延期工作日数应为 1 到 120 的整数', 'InvalidInput');
    }
  }

  function checkExtensionDecision(d: ExtensionDecisionInput): void {
    if (!state.extensions.some((e) => e.status === 'pending')) reject('没有待审批的延期申请', 'InvalidState');
    requireStatus(ACTIVE, '审批延期申请');
    if (typeof d.approved !== 'boolean') reject('缺少审批结论（同意或不同意）', 'EmptyInput');
    if (d.until !== undefined) {
      if (!d.approved) reject('不同意延期时不能指定新日期', 'InvalidInput');
      requireDate(d.until, '延期日期');
      if (state.deadline && d.until <= state.deadline) reject(`延期日期 ${d.until} 应晚于当前完成时限 ${state.deadline}`, 'InvalidInput');
    }
  }

  function checkReassign(r: ReassignInput): void {
    requireStatus(['assigned', 'acknowledged', 'inProgress', 'evidenceSubmitted'], '改派');
    requireKnownUnit(r.unitId);
    if (r.unitId === state.leadUnit) reject(`单位 ${r.unitId} 已是该任务的责任单位`, 'InvalidInput');
    requireText(r.reason, '改派理由');
    if (r.deadline !== undefined) {
      requireDate(r.deadline, '新的完成时限');
      // Coarse here (UTC date, a day's margin); the handler checks the exact instant in the task's zone.
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      if (r.deadline < yesterday) reject(`新的完成时限 ${r.deadline} 已过`, 'InvalidInput');
    } else if (state.deadlineAt && Date.now() >= Date.parse(state.deadlineAt)) {
      reject('原完成时限已过，改派时请指定新的完成时限', 'InvalidInput');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The ladder

  /** When the next rung is due, from the anchor and its grace period. */
  async function planNextRung(): Promise<void> {
    const next: ResolvedRung | undefined = plan?.ladder[state.rung];
    if (!next || !state.deadlineAt) {
      state.nextEscalationAt = undefined;
      state.nextRungName = undefined;
      return;
    }
    let at: string;
    if (anchor.kind === 'deadline') {
      at = next.graceDays === 0
        ? state.deadlineAt
        : (await workingDaysAfter(lastMomentBefore(state.deadlineAt), next.graceDays, `${next.name}宽限期`)).lapsesAt;
    } else {
      at = next.graceDays === 0
        ? anchor.at
        : (await workingDaysAfter(anchor.at, next.graceDays, `${next.name}宽限期`)).lapsesAt;
    }
    state.nextEscalationAt = at;
    state.nextRungName = next.name;
  }

  /** Issues rung n (1-based) now. */
  async function fireRung(
    n: number,
    options: { rectificationDays?: number; reasons?: string[]; complaint?: ComplaintInput; actor?: string } = {},
  ): Promise<void> {
    const rung = plan!.ladder[n - 1];
    const issuedAt = now();
    const warnings: string[] = [];
    const details: NoticeDetails = {};
    const rectificationDays = options.rectificationDays ?? rung.rectificationDays;
    let newDeadline: { date: string; at: string } | undefined;
    if (rectificationDays > 0) {
      const r = await workingDaysAfter(issuedAt, rectificationDays, `${rung.name}整改时限`);
      if (r.warning) warnings.push(r.warning);
      newDeadline = { date: r.date, at: r.lapsesAt };
      details.rectificationDeadline = r.date;
    }
    if (rung.meeting) {
      const m = await workingDaysAfter(issuedAt, rung.meeting.inWorkingDays, '约谈时间');
      if (m.warning && !warnings.includes(m.warning)) warnings.push(m.warning);
      details.meetingAt = await local.instantOf({ timeZone, date: m.date, time: rung.meeting.time });
    }
    if (rung.deduction > 0) details.deduction = rung.deduction;
    if (rung.interviewTarget) details.interviewTarget = rung.interviewTarget;
    if (rung.noticeScope) details.noticeScope = rung.noticeScope;
    if (options.reasons?.length) details.reasons = options.reasons;
    const complaint = options.complaint ?? input.complaint;
    if (complaint) {
      details.complaint = {
        source: complaint.source,
        ...(complaint.summary ? { summary: complaint.summary } : {}),
        ...(complaint.reference ? { reference: complaint.reference } : {}),
        ...(complaint.receivedAt ? { receivedAt: complaint.receivedAt } : {}),
      };
    }
    const earlier = state.notices.slice(ladderNoticesFrom).filter((x) => x.rung !== undefined).map((x) => x.documentNumber);
    if (earlier.length) details.previousNumbers = earlier;

    state.rung = n;
    state.rungName = rung.name;
    if (newDeadline) {
      state.deadline = newDeadline.date;
      state.deadlineAt = newDeadline.at;
      anchor = { kind: 'deadline' };
    } else {
      anchor = { kind: 'issued', at: issuedAt };
    }
    const notice: NotifyOptions = {
      rung: n,
      recipients: rung.recipients,
      details,
      wording: rung.wording,
      ...(rung.deduction > 0 ? { deduction: { points: rung.deduction, reason: `${rung.name}：“${task.title}”` } } : {}),
      attachRecord: rung.attachRecord,
      calendarWarning: warnings.length ? warnings.join(' ') : undefined,
    };
    const event = (documentNumber?: string): EventSpec => ({
      kind: rung.notice,
      actor: options.actor,
      detail: {
        rung: n,
        rungName: rung.name,
        ...(documentNumber ? { documentNumber } : {}),
        ...(details.rectificationDeadline ? { rectificationDeadline: details.rectificationDeadline } : {}),
        ...(details.meetingAt ? { meetingAt: details.meetingAt } : {}),
        ...(rung.deduction > 0 ? { deduction: rung.deduction } : {}),
      },
      change: complaint && newDeadline ? { deadline: newDeadline.date } : {},
    });
    if (fewerRoundTrips) {
      await planNextRung();
      await notify(rung.notice, { ...notice, event: event() });
    } else {
      const documentNumber = await notify(rung.notice, notice);
      await planNextRung();
      const { kind, actor, detail, change } = event(documentNumber);
      await record(kind, actor, detail, change);
    }
  }

  /** 拒不整改 / 屡不整改: jump to the refusal rung. */
  async function refusal(reasons: string[], actor?: string): Promise<void> {
    const target = plan?.onRefusal;
    if (!target || state.rung >= target) return;
    await fireRung(target, { reasons, actor });
  }

  /** Computes the acknowledgement deadline of a (re)assignment. */
  async function planAcknowledgement(): Promise<string | undefined> {
    const ack = await workingDaysAfter(now(), plan!.acknowledgement.workingDays, '签收时限');
    state.acknowledgeBy = ack.lapsesAt;
    state.acknowledgementOverdue = false;
    return ack.warning;
  }

  // ---------------------------------------------------------------------------------------------
  // Handlers

  setHandler(taskStateQuery, () => state);

  setHandler(
    acknowledgeUpdate,
    ({ unitId, by }) =>
      act(async () => {
        requireLeadUnit(unitId);
        requireStatus(['assigned'], '签收');
        state.status = 'acknowledged';
        state.acknowledgedAt = now();
        await record('acknowledged', unitId, by ? { by } : undefined);
      }),
    {
      validator: limited(LIMITS.acknowledge, ({ unitId }) => {
        requireLeadUnit(unitId);
        requireStatus(['assigned'], '签收');
      }),
    },
  );

  const checkProgress = ({ unitId, text }: { unitId: string; text: string }) => {
    requireLeadUnit(unitId);
    requireStatus(ACTIVE, '报送进展');
    requireText(text, '进展内容');
    requireReportsLeft('progress');
  };
  setHandler(
    reportProgressUpdate,
    (p) =>
      act(async () => {
        checkProgress(p);
        await countReport('progress');
        state.status = 'inProgress';
        state.lastProgressAt = now();
        await record('progress', p.unitId, { text: p.text.trim(), ...(p.by ? { by: p.by } : {}) });
      }),
    { validator: limited(LIMITS.progress, checkProgress) },
  );

  setHandler(
    submitEvidenceUpdate,
    (e) =>
      act(async () => {
        checkEvidence(e);
        await countReport('evidence');
        const submittedAt = now();
        const files = (e.files ?? []).map((f) => ({ id: f.id, name: f.name, contentType: f.contentType, size: f.size, sha256: f.sha256 }));
        const text = e.text?.trim() || undefined;
        let id: number;
        try {
          ({ id } = await local.recordEvidence({
            key: `${keyBase}/evidence/${evidenceCount + 1}`,
            campaignId,
            taskId: task.id,
            unitId: e.unitId,
            form: e.form,
            text,
            files,
            interim: Boolean(e.interim),
            by: e.by,
            submittedAt,
          }));
        } catch (error) {
          if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
            reject(error.cause.message, error.cause.type ?? 'InvalidEvidence');
          }
          throw error;
        }
        const entry: EvidenceEntry = {
          id,
          form: e.form,
          ...(text ? { text } : {}),
          files,
          unitId: e.unitId,
          ...(e.by ? { by: e.by } : {}),
          submittedAt,
          interim: Boolean(e.interim),
        };
        state.evidence.push(entry);
        evidenceCount++;
        state.lastProgressAt = submittedAt;
        state.status = e.interim ? 'inProgress' : 'evidenceSubmitted';
        await record('evidence', e.unitId, {
          ...(e.by ? { by: e.by } : {}),
          submissionId: id,
          form: e.form,
          ...(text ? { text } : {}),
          files: files.map((f) => ({ id: f.id, name: f.name, size: f.size, sha256: f.sha256 })),
          interim: Boolean(e.interim),
        });
      }),
    { validator: limited(LIMITS.evidence, checkEvidence) },
  );

  const checkVerify = ({ passed, comment, reasons }: { passed: boolean; comment?: string; reasons?: string[] }) => {
    requireStatus(['evidenceSubmitted'], '核查（尚无待核查的佐证材料）');
    if (typeof passed !== 'boolean') reject('缺少核查结论', 'EmptyInput');
    const given = [comment, ...(reasons ?? [])].filter((x) => typeof x === 'string' && x.trim() !== '');
    if (!passed && given.length === 0) reject('核查不通过时必须写明原因', 'EmptyInput');
  };
  setHandler(
    verifyUpdate,
    (v) =>
      act(async () => {
        checkVerify(v);
        const by = v.by ?? 'office';
        if (v.passed) {
          state.status = 'closed';
          state.closedAt = now();
          state.nextEscalationAt = undefined;
          state.nextRungName = undefined;
          await record('verified', by, v.comment ? { comment: v.comment } : {});
          return;
        }
        const reasons = [...(v.reasons ?? []), ...(v.comment ? [v.comment] : [])].map((r) => r.trim()).filter(Boolean);
        state.status = 'inProgress';
        state.failedVerifications++;
        await record('verificationFailed', by, { reasons, ...(v.comment ? { comment: v.comment } : {}) });
        await notify('verificationFailed', { details: { reasons } });
        if (plan && plan.refusalAfterFailures > 0 && state.failedVerifications >= plan.refusalAfterFailures) {
          await refusal([`整改 ${state.failedVerifications} 次核查不通过（屡不整改）`, ...reasons], by);
        }
      }),
    { validator: limited(LIMITS.verify, checkVerify) },
  );

  setHandler(
    requestExtensionUpdate,
    (r) =>
      act(async () => {
        checkExtensionRequest(r);
        const requestedDeadline =
          r.until ??
          (await workingDaysAfter(lastMomentBefore(state.deadlineAt!), r.workingDays!, '延期申请')).date;
        const seq = state.extensions.length + 1;
        state.extensions.push({
          seq,
          requestedAt: now(),
          unitId: r.unitId,
          ...(r.by ? { by: r.by } : {}),
          reason: r.reason.trim(),
          requestedDeadline,
          status: 'pending',
        });
        await record('extensionRequested', r.unitId, { seq, reason: r.reason.trim(), requestedDeadline, ...(r.by ? { by: r.by } : {}) });
      }),
    { validator: limited(LIMITS.extensionRequest, checkExtensionRequest) },
  );

  setHandler(
    decideExtensionUpdate,
    (d) =>
      act(async () => {
        checkExtensionDecision(d);
        const request = state.extensions.find((e) => e.status === 'pending')!;
        const by = d.by ?? 'office';
        request.decidedAt = now();
        request.decidedBy = by;
        if (d.comment) request.comment = d.comment;
        if (d.approved) {
          const newDeadline = d.until ?? request.requestedDeadline;
          request.status = 'approved';
          request.newDeadline = newDeadline;
          await setDeadline(newDeadline);
          anchor = { kind: 'deadline' };
          await planNextRung();
          await record(
            'extensionApproved',
            by,
            { seq: request.seq, newDeadline, ...(d.comment ? { comment: d.comment } : {}) },
            { deadline: newDeadline },
          );
        } else {
          request.status = 'refused';
          await record('extensionRefused', by, { seq: request.seq, ...(d.comment ? { comment: d.comment } : {}) });
        }
        await notify('extensionDecision', {
          details: {
            extension: {
              approved: d.approved,
              requestedDeadline: request.requestedDeadline,
              ...(request.newDeadline ? { newDeadline: request.newDeadline } : {}),
              ...(d.comment ? { comment: d.comment } : {}),
            },
          },
        });
      }),
    { validator: limited(LIMITS.extensionDecision, checkExtensionDecision) },
  );

  setHandler(
    reassignUpdate,
    (r) =>
      act(async () => {
        checkReassign(r);
        const by = r.by ?? 'office';
        const newDeadlineAt = r.deadline ? await local.deadlineInstant({ timeZone, date: r.deadline }) : undefined;
        if (newDeadlineAt && Date.parse(newDeadlineAt) <= Date.now()) reject(`新的完成时限 ${r.deadline} 已过`, 'InvalidInput');
        const from = state.leadUnit;
        const previousUnitName = units.find((u) => u.id === from)?.name ?? from;
        plan = (await local.loadTaskPlan({ campaignId, taskId: task.id, leadUnit: r.unitId, override: task.escalation })).escalation;
        state.leadUnit = r.unitId;
        state.ladder = plan.ladder.map((x) => x.name);
        state.status = 'assigned';
        state.acknowledgedAt = undefined;
        state.rung = 0;
        state.rungName = '';
        ladderNoticesFrom = state.notices.length;
        anchor = { kind: 'deadline' };
        if (r.deadline) {
          state.deadline = r.deadline;
          state.deadlineAt = newDeadlineAt;
        }
        const warning = await planAcknowledgement();
        await planNextRung();
        await record(
          'reassigned',
          by,
          { from, to: r.unitId, reason: r.reason.trim(), ...(r.deadline ? { deadline: r.deadline } : {}) },
          { leadUnit: r.unitId, ...(r.deadline ? { deadline: r.deadline } : {}) },
        );
        await notify('reassignment', {
          details: { previousUnitName, reason: r.reason.trim() },
          calendarWarning: warning,
        });
      }),
    { validator: limited(LIMITS.reassign, checkReassign) },
  );

  const checkWithdraw = ({ reason }: { reason: string }) => {
    if (terminal()) reject(`任务当前状态为“${TASK_STATUSES[state.status]}”，不能撤销`, 'InvalidState');
    requireText(reason, '撤销理由');
  };
  setHandler(
    withdrawUpdate,
    (w) =>
      act(async () => {
        checkWithdraw(w);
        const notified = state.status !== 'scheduled';
        state.status = 'withdrawn';
        state.withdrawnAt = now();
        state.nextEscalationAt = undefined;
        state.nextRungName = undefined;
        const withdrawn: EventSpec = { kind: 'withdrawn', actor: w.by ?? 'office', detail: { reason: w.reason.trim() } };
        if (notified) await notify('withdrawal', { details: { reason: w.reason.trim() }, event: withdrawn });
        else await record(withdrawn.kind, withdrawn.actor, withdrawn.detail);
      }),
    { validator: limited(LIMITS.withdraw, checkWithdraw) },
  );

  const checkRefusal = ({ reason }: { reason: string }) => {
    requireStatus(ACTIVE, '记录拒不整改');
    requireText(reason, '拒不整改的情况');
    const target = plan?.onRefusal;
    if (!target) reject('该任务的督办阶梯没有拒不整改后的层级', 'InvalidState');
    if (state.rung >= target) reject(`任务已处于“${state.rungName}”，不低于拒不整改对应的层级`, 'InvalidState');
  };
  setHandler(
    recordRefusalUpdate,
    (r) =>
      act(async () => {
        checkRefusal(r);
        await record('refused', r.by ?? 'office', { reason: r.reason.trim() });
        await refusal([r.reason.trim()], r.by ?? 'office');
      }),
    { validator: limited(LIMITS.refusal, checkRefusal) },
  );

  // ---------------------------------------------------------------------------------------------
  // The task's life

  const loaded = await local.loadTaskPlan({ campaignId, taskId: task.id, leadUnit: state.leadUnit, override: task.escalation });
  plan = loaded.escalation;
  units = loaded.units;
  state.ladder = plan.ladder.map((r) => r.name);

  /**
   * Continues as new when the history has grown long (TASK_CONTINUES_AS_NEW), between updates: the
   * turn is free and every handler has answered, so what they did travels in the carried state.
   */
  async function continueWhenLong(): Promise<void> {
    const info = workflowInfo();
    if (!(info.continueAsNewSuggested || info.historyLength > historyLimit || info.historySize > TASK_HISTORY_BYTES)) return;
    if (!patched(TASK_CONTINUES_AS_NEW)) return;
    await condition(() => allHandlersFinished() && turns.idle());
    if (terminal()) return;
    const next = carryOver({ state, eventSeq, evidenceCount, noticeAttempts, lastCheckAt, anchor, ladderNoticesFrom });
    await continueAsNew<typeof RectificationWorkflow>({ ...input, carried: next, historyLimit });
  }

  /** Assignment on the task's start day, and the first weekly check. */
  async function assign(): Promise<void> {
    const startAt = await local.instantOf({ timeZone, date: task.start, time: WORKDAY_START });
    if (Date.parse(startAt) > Date.now()) await condition(terminal, Date.parse(startAt) - Date.now());

    if (!terminal()) {
      await exclusive(async () => {
        const startRung = input.complaint
          ? plan!.complaints.startAt
          : input.startAtRung
            ? Math.min(Math.max(1, Math.floor(input.startAtRung)), plan!.ladder.length)
            : 0;
        if (startRung > 0 && plan!.ladder.length > 0) {
          // A complaint (or an urgent task) starts high on the ladder: its first notice is that rung's.
          if (input.complaint) {
            await record('complaint', input.complaint.source, {
              source: input.complaint.source,
              ...(input.complaint.summary ? { text: input.complaint.summary } : {}),
              ...(input.complaint.reference ? { reference: input.complaint.reference } : {}),
            });
          }
          await setDeadline(task.deadline);
          await planAcknowledgement();
          state.status = 'assigned';
          await fireRung(startRung, {
            ...(input.complaint ? { rectificationDays: input.complaint.rectificationDays ?? plan!.complaints.rectificationDays } : {}),
          });
          await record('assigned', undefined, { deadline: state.deadline, startAtRung: startRung });
        } else {
          await setDeadline(task.deadline);
          const warning = await planAcknowledgement();
          state.status = 'assigned';
          const assigned: EventSpec = { kind: 'assigned', detail: { deadline: state.deadline } };
          if (fewerRoundTrips) {
            await planNextRung();
            await notify('assignment', { calendarWarning: warning, event: assigned });
          } else {
            await notify('assignment', { calendarWarning: warning });
            await planNextRung();
            await record(assigned.kind, undefined, assigned.detail);
          }
        }
      });
    }
    lastCheckAt = now();
    if (!terminal()) await nextCheck();
  }

  async function nextCheck() {
    state.nextCheckAt = (await local.nextCheckTime({ campaignId, timeZone, after: now(), ...weeklyCheck })).at;
  }

  // A run continued as new was assigned long ago: its timers' targets are in the carried state.
  if (!carried) await assign();

  while (!terminal()) {
    await continueWhenLong();
    const seen = version;
    const waitingForOffice = state.status === 'evidenceSubmitted';
    const ackDue = state.status === 'assigned' && !state.acknowledgementOverdue && state.acknowledgeBy;
    const wakeAt = Math.min(
      Date.parse(state.nextCheckAt!),
      state.nextEscalationAt && !waitingForOffice ? Date.parse(state.nextEscalationAt) : Infinity,
      ackDue ? Date.parse(state.acknowledgeBy!) : Infinity,
    );
    if (await condition(() => terminal() || version !== seen, Math.max(wakeAt - Date.now(), 1))) continue;

    await exclusive(async () => {
      if (terminal()) return;
      const t = Date.now();
      if (state.status === 'assigned' && !state.acknowledgementOverdue && state.acknowledgeBy && t >= Date.parse(state.acknowledgeBy)) {
        // 领办逾期: a reminder, and the lapse recorded against the unit.
        state.acknowledgementOverdue = true;
        const points = plan!.acknowledgement.deduction;
        await notify('acknowledgementReminder', {
          details: { acknowledgeBy: state.acknowledgeBy, ...(points > 0 ? { deduction: points } : {}) },
          ...(points > 0 ? { deduction: { points, reason: `领办逾期：“${task.title}”` } } : {}),
          event: { kind: 'acknowledgementOverdue', detail: { acknowledgeBy: state.acknowledgeBy, ...(points > 0 ? { deduction: points } : {}) } },
        });
      }
      if (state.nextEscalationAt && state.status !== 'evidenceSubmitted' && t >= Date.parse(state.nextEscalationAt)) {
        await fireRung(state.rung + 1);
      }
      if (t >= Date.parse(state.nextCheckAt!)) {
        // 每周一检查: a reminder when nothing was reported since the last check.
        const silent = !state.lastProgressAt || state.lastProgressAt < lastCheckAt;
        if (silent && ACTIVE.includes(state.status)) {
          await notify('reminder', { details: { silentSince: state.lastProgressAt ?? lastCheckAt } });
        }
        lastCheckAt = now();
        await nextCheck();
      }
    });
  }
  // Let an update that ended the task finish answering before the workflow completes.
  await condition(allHandlersFinished);
  return state;
}
