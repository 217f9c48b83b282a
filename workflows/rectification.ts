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
// handlers and the timer loop take turns (one at a time), so a notice never crosses a closure.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
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

const WORKDAY_START = '09:00';
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refuses an update: the reason is shown to the user; nothing has changed. */
function reject(message: string, type: string): never {
  throw ApplicationFailure.nonRetryable(message, type);
}

/** The last millisecond of the civil day that lapses at `lapsesAt` (its 24:00). */
function lastMomentBefore(lapsesAt: string): string {
  return new Date(Date.parse(lapsesAt) - 1).toISOString();
}

export async function RectificationWorkflow(input: RectificationInput): Promise<TaskState> {
  const { campaignId, task, timeZone } = input;
  const fewerRoundTrips = patched(FEWER_ROUND_TRIPS);
  const local = fewerRoundTrips ? localActivities : activities;
  const weeklyCheck = input.weeklyCheck ?? { weekday: 1, time: WORKDAY_START };
  const info = workflowInfo();
  /** Idempotency keys of notices and events derive from the workflow and its first run. */
  const keyBase = `${info.workflowId}@${info.firstExecutionRunId}`;
  const state: TaskState = {
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
  let eventSeq = 0;
  const noticeAttempts: Record<string, number> = {};
  let lastCheckAt = '';
  /** What the next rung's grace period counts from: the current deadline, or the last rung's issue. */
  let anchor: { kind: 'deadline' } | { kind: 'issued'; at: string } = { kind: 'deadline' };
  /** Bumped whenever a handler changes what the timer loop waits for. */
  let version = 0;
  let busy = false;
  /** Notices before this index belong to an earlier lead unit (before a reassignment). */
  let ladderNoticesFrom = 0;

  const now = () => new Date().toISOString();
  const terminal = () => TERMINAL_STATUSES.includes(state.status);

  /** Handlers and the timer loop run one at a time. */
  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
      version++;
    }
  }

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

  function checkEvidence(e: EvidenceInput): void {
    requireLeadUnit(e.unitId);
    requireStatus(['acknowledged', 'inProgress'], '报送佐证材料（请先签收）');
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
      exclusive(async () => {
        requireLeadUnit(unitId);
        requireStatus(['assigned'], '签收');
        state.status = 'acknowledged';
        state.acknowledgedAt = now();
        await record('acknowledged', by ?? unitId);
        return state;
      }),
    {
      validator: ({ unitId }) => {
        requireLeadUnit(unitId);
        requireStatus(['assigned'], '签收');
      },
    },
  );

  const checkProgress = ({ unitId, text }: { unitId: string; text: string }) => {
    requireLeadUnit(unitId);
    requireStatus(ACTIVE, '报送进展');
    requireText(text, '进展内容');
  };
  setHandler(
    reportProgressUpdate,
    (p) =>
      exclusive(async () => {
        checkProgress(p);
        state.status = 'inProgress';
        state.lastProgressAt = now();
        await record('progress', p.by ?? p.unitId, { text: p.text.trim() });
        return state;
      }),
    { validator: checkProgress },
  );

  setHandler(
    submitEvidenceUpdate,
    (e) =>
      exclusive(async () => {
        checkEvidence(e);
        const submittedAt = now();
        const files = (e.files ?? []).map((f) => ({ id: f.id, name: f.name, contentType: f.contentType, size: f.size, sha256: f.sha256 }));
        const text = e.text?.trim() || undefined;
        let id: number;
        try {
          ({ id } = await local.recordEvidence({
            key: `${keyBase}/evidence/${state.evidence.length + 1}`,
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
        state.lastProgressAt = submittedAt;
        state.status = e.interim ? 'inProgress' : 'evidenceSubmitted';
        await record('evidence', e.by ?? e.unitId, {
          submissionId: id,
          form: e.form,
          ...(text ? { text } : {}),
          files: files.map((f) => ({ id: f.id, name: f.name, size: f.size, sha256: f.sha256 })),
          interim: Boolean(e.interim),
        });
        return state;
      }),
    { validator: checkEvidence },
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
      exclusive(async () => {
        checkVerify(v);
        const by = v.by ?? 'office';
        if (v.passed) {
          state.status = 'closed';
          state.closedAt = now();
          state.nextEscalationAt = undefined;
          state.nextRungName = undefined;
          await record('verified', by, v.comment ? { comment: v.comment } : {});
          return state;
        }
        const reasons = [...(v.reasons ?? []), ...(v.comment ? [v.comment] : [])].map((r) => r.trim()).filter(Boolean);
        state.status = 'inProgress';
        state.failedVerifications++;
        await record('verificationFailed', by, { reasons, ...(v.comment ? { comment: v.comment } : {}) });
        await notify('verificationFailed', { details: { reasons } });
        if (plan && plan.refusalAfterFailures > 0 && state.failedVerifications >= plan.refusalAfterFailures) {
          await refusal([`整改 ${state.failedVerifications} 次核查不通过（屡不整改）`, ...reasons], by);
        }
        return state;
      }),
    { validator: checkVerify },
  );

  setHandler(
    requestExtensionUpdate,
    (r) =>
      exclusive(async () => {
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
        await record('extensionRequested', r.by ?? r.unitId, { seq, reason: r.reason.trim(), requestedDeadline });
        return state;
      }),
    { validator: checkExtensionRequest },
  );

  setHandler(
    decideExtensionUpdate,
    (d) =>
      exclusive(async () => {
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
        return state;
      }),
    { validator: checkExtensionDecision },
  );

  setHandler(
    reassignUpdate,
    (r) =>
      exclusive(async () => {
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
        return state;
      }),
    { validator: checkReassign },
  );

  const checkWithdraw = ({ reason }: { reason: string }) => {
    if (terminal()) reject(`任务当前状态为“${TASK_STATUSES[state.status]}”，不能撤销`, 'InvalidState');
    requireText(reason, '撤销理由');
  };
  setHandler(
    withdrawUpdate,
    (w) =>
      exclusive(async () => {
        checkWithdraw(w);
        const notified = state.status !== 'scheduled';
        state.status = 'withdrawn';
        state.withdrawnAt = now();
        state.nextEscalationAt = undefined;
        state.nextRungName = undefined;
        const withdrawn: EventSpec = { kind: 'withdrawn', actor: w.by ?? 'office', detail: { reason: w.reason.trim() } };
        if (notified) await notify('withdrawal', { details: { reason: w.reason.trim() }, event: withdrawn });
        else await record(withdrawn.kind, withdrawn.actor, withdrawn.detail);
        return state;
      }),
    { validator: checkWithdraw },
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
      exclusive(async () => {
        checkRefusal(r);
        await record('refused', r.by ?? 'office', { reason: r.reason.trim() });
        await refusal([r.reason.trim()], r.by ?? 'office');
        return state;
      }),
    { validator: checkRefusal },
  );

  // ---------------------------------------------------------------------------------------------
  // The task's life

  const loaded = await local.loadTaskPlan({ campaignId, taskId: task.id, leadUnit: task.leadUnit, override: task.escalation });
  plan = loaded.escalation;
  units = loaded.units;
  state.ladder = plan.ladder.map((r) => r.name);

  // Assignment on the task's start day.
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
  const nextCheck = async () =>
    (state.nextCheckAt = (await local.nextCheckTime({ campaignId, timeZone, after: now(), ...weeklyCheck })).at);
  if (!terminal()) await nextCheck();

  while (!terminal()) {
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
