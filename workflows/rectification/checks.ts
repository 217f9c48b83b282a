// What a task refuses, and why: pure functions of the task, the input and the time. Each update's
// validator runs its limit* then its check* (rejecting before anything is written to history), and
// the handler runs the check* again once it has its turn, since another action may have gone first.
import type { EscalationPlan } from '../../domain/ladder.js';
import {
  MAX_DELEGATION_REPORTS,
  MAX_DELEGATIONS,
  MAX_FILE_NAME_CHARS,
  MAX_ID_CHARS,
  MAX_NAME_CHARS,
  MAX_REASONS,
  MAX_REPORTS_PER_DAY,
  MAX_TEXT_CHARS,
  tooLong,
} from '../../domain/limits.js';
import {
  DELEGATION_STATUSES,
  EVIDENCE_FORMS,
  MAX_EVIDENCE_FILE_BYTES,
  MAX_EVIDENCE_FILES,
  TASK_STATUSES,
  TERMINAL_STATUSES,
  type TaskState,
  type TaskStatus,
  ACTIVE_STATUSES,
} from '../../domain/task-state.js';
import type {
  AcknowledgeInput,
  DelegateInput,
  DelegationReportInput,
  EvidenceInput,
  ExtensionDecisionInput,
  ExtensionRequestInput,
  ProgressInput,
  ReassignInput,
  RefusalInput,
  VerifyInput,
  WithdrawInput,
} from '../messages.js';

/** Why an action is refused: the message is shown to the user, the type tells clients what kind. */
export interface Refusal {
  message: string;
  type: string;
}
/** A refusal, or undefined: the action may go ahead. */
export type Verdict = Refusal | undefined;

/** What the checks read of a task. */
export interface TaskFacts {
  state: TaskState;
  /** The campaign's units (with the unit each is a sub-unit of); empty until the plan is loaded, and then any unit passes. */
  units: readonly { id: string; parent?: string }[];
  /** Undefined until loaded: no extensions and no refusal rung then. */
  plan?: Pick<EscalationPlan, 'extensions' | 'onRefusal'>;
}

/** An update's in-turn check: the task, the input, the workflow's time (epoch ms). */
export type Check<I> = (task: TaskFacts, input: I, now: number) => Verdict;

/** Where a unit may report: it has the task and has not finished it. */
export const ACTIVE = ACTIVE_STATUSES;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256_RE = /^[0-9a-f]{64}$/;

const refusal = (message: string, type: string): Refusal => ({ message, type });

// ---------------------------------------------------------------------------------------------
// Building blocks, each in the order the checks below ask them: the first refusal is the answer.

function status(state: TaskState, allowed: TaskStatus[], action: string): Verdict {
  if (allowed.includes(state.status)) return undefined;
  return refusal(`任务当前状态为“${TASK_STATUSES[state.status]}”，不能${action}`, 'InvalidState');
}
function knownUnit(task: TaskFacts, unitId: unknown): Verdict {
  if (typeof unitId !== 'string' || unitId.trim() === '') return refusal('缺少单位编号', 'EmptyInput');
  if (task.units.length > 0 && !task.units.some((u) => u.id === unitId)) return refusal(`未知单位：${unitId}`, 'UnknownUnit');
  return undefined;
}
function leadUnit(task: TaskFacts, unitId: unknown): Verdict {
  return knownUnit(task, unitId) ?? (unitId !== task.state.leadUnit ? refusal(`单位 ${unitId} 不是该任务的责任单位`, 'WrongUnit') : undefined);
}
function text(value: unknown, what: string): Verdict {
  return typeof value !== 'string' || value.trim() === '' ? refusal(`${what}不能为空`, 'EmptyInput') : undefined;
}
function date(value: unknown, what: string): Verdict {
  if (typeof value === 'string' && DATE_RE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return undefined;
  return refusal(`${what}应为 YYYY-MM-DD 格式的日期：${String(value)}`, 'InvalidInput');
}
/** 转办 goes down one level: to a unit whose 上级单位 is the task's lead unit. */
function subUnit(task: TaskFacts, unitId: string): Verdict {
  if (task.units.find((u) => u.id === unitId)?.parent === task.state.leadUnit) return undefined;
  return refusal(`单位 ${unitId} 不是责任单位 ${task.state.leadUnit} 的下级单位，不能转办`, 'NotSubUnit');
}
/** A new deadline must lie after the current one. */
function later(until: string, state: TaskState): Verdict {
  if (!state.deadline || until > state.deadline) return undefined;
  return refusal(`延期日期 ${until} 应晚于当前完成时限 ${state.deadline}`, 'InvalidInput');
}

/** Refuses a report once the day has MAX_REPORTS_PER_DAY of its kind (counted since the patch reports-per-day). */
export function checkReportsLeft(state: TaskState, kind: 'progress' | 'evidence', now: number): Verdict {
  const day = state.reportsToday;
  if (!day || now >= Date.parse(day.endsAt) || day[kind] < MAX_REPORTS_PER_DAY) return undefined;
  const what = kind === 'progress' ? '报送进展' : '报送佐证材料';
  return refusal(`该任务今日已${what} ${MAX_REPORTS_PER_DAY} 次，达到每日上限，请明日再报`, 'DailyLimit');
}

// ---------------------------------------------------------------------------------------------
// The checks of the updates

export const checkAcknowledge: Check<AcknowledgeInput> = (task, a) =>
  leadUnit(task, a.unitId) ?? status(task.state, ['assigned'], '签收');

export const checkProgress: Check<ProgressInput> = (task, p, now) =>
  leadUnit(task, p.unitId) ??
  status(task.state, ACTIVE, '报送进展') ??
  text(p.text, '进展内容') ??
  checkReportsLeft(task.state, 'progress', now);

export const checkEvidence: Check<EvidenceInput> = (task, e, now) => {
  const first =
    leadUnit(task, e.unitId) ??
    status(task.state, ['acknowledged', 'inProgress'], '报送佐证材料（请先签收）') ??
    checkReportsLeft(task.state, 'evidence', now);
  if (first) return first;
  if (!e.form || !(e.form in EVIDENCE_FORMS)) {
    return refusal(`佐证材料形式应为 ${Object.entries(EVIDENCE_FORMS).map(([k, v]) => `${k}（${v}）`).join('、')} 之一`, 'InvalidInput');
  }
  const files = e.files ?? [];
  const description = typeof e.text === 'string' ? e.text.trim() : '';
  if (files.length === 0 && description === '') return refusal('佐证材料不能为空：请附文件或填写说明', 'EmptyInput');
  if (files.length > MAX_EVIDENCE_FILES) return refusal(`一次最多报送 ${MAX_EVIDENCE_FILES} 个文件`, 'InvalidInput');
  const ids = new Set<string>();
  for (const f of files) {
    if (!f || typeof f.id !== 'string' || !UUID_RE.test(f.id)) return refusal('佐证材料文件缺少编号（请先上传文件）', 'InvalidInput');
    if (ids.has(f.id)) return refusal(`佐证材料文件重复：${f.name}`, 'InvalidInput');
    ids.add(f.id);
    if (typeof f.name !== 'string' || f.name.trim() === '') return refusal('佐证材料文件缺少文件名', 'InvalidInput');
    if (typeof f.contentType !== 'string' || f.contentType.trim() === '') return refusal(`文件“${f.name}”缺少类型`, 'InvalidInput');
    if (!Number.isInteger(f.size) || f.size < 0) return refusal(`文件“${f.name}”大小无效`, 'InvalidInput');
    if (f.size > MAX_EVIDENCE_FILE_BYTES) {
      return refusal(`文件“${f.name}”超过单个文件 ${MAX_EVIDENCE_FILE_BYTES / 1048576} MiB 的上限`, 'InvalidInput');
    }
    if (typeof f.sha256 !== 'string' || !SHA256_RE.test(f.sha256)) return refusal(`文件“${f.name}”的 SHA-256 无效`, 'InvalidInput');
  }
  return undefined;
};

export const checkVerify: Check<VerifyInput> = (task, { passed, comment, reasons }) => {
  const first = status(task.state, ['evidenceSubmitted'], '核查（尚无待核查的佐证材料）');
  if (first) return first;
  if (typeof passed !== 'boolean') return refusal('缺少核查结论', 'EmptyInput');
  const given = [comment, ...(reasons ?? [])].filter((x) => typeof x === 'string' && x.trim() !== '');
  return !passed && given.length === 0 ? refusal('核查不通过时必须写明原因', 'EmptyInput') : undefined;
};

export const checkExtensionRequest: Check<ExtensionRequestInput> = (task, r) => {
  const { state } = task;
  const first = leadUnit(task, r.unitId) ?? status(state, ACTIVE, '申请延期') ?? text(r.reason, '延期理由');
  if (first) return first;
  const max = task.plan?.extensions.max ?? 0;
  if (state.extensions.some((e) => e.status === 'pending')) return refusal('已有待审批的延期申请，请等待创建办答复', 'InvalidState');
  if (state.extensions.length >= max) return refusal(`延期申请已达上限（每项任务最多 ${max} 次）`, 'ExtensionLimit');
  if ((r.until === undefined) === (r.workingDays === undefined)) {
    return refusal('请指定延期到的日期或延期的工作日数（二选一）', 'InvalidInput');
  }
  if (r.until !== undefined) return date(r.until, '延期日期') ?? later(r.until, state);
  if (!Number.isInteger(r.workingDays) || r.workingDays! < 1 || r.workingDays! > 120) {
    return refusal('延期工作日数应为 1 到 120 的整数', 'InvalidInput');
  }
  return undefined;
};

export const checkExtensionDecision: Check<ExtensionDecisionInput> = (task, d) => {
  const { state } = task;
  if (!state.extensions.some((e) => e.status === 'pending')) return refusal('没有待审批的延期申请', 'InvalidState');
  const first = status(state, ACTIVE, '审批延期申请');
  if (first) return first;
  if (typeof d.approved !== 'boolean') return refusal('缺少审批结论（同意或不同意）', 'EmptyInput');
  if (d.until === undefined) return undefined;
  if (!d.approved) return refusal('不同意延期时不能指定新日期', 'InvalidInput');
  return date(d.until, '延期日期') ?? later(d.until, state);
};

export const checkReassign: Check<ReassignInput> = (task, r, now) => {
  const { state } = task;
  const first =
    status(state, ['assigned', 'acknowledged', 'inProgress', 'evidenceSubmitted'], '改派') ??
    knownUnit(task, r.unitId) ??
    (r.unitId === state.leadUnit ? refusal(`单位 ${r.unitId} 已是该任务的责任单位`, 'InvalidInput') : undefined) ??
    text(r.reason, '改派理由');
  if (first) return first;
  if (r.deadline !== undefined) {
    // Coarse here (UTC date, a day's margin); checkReassignDeadline checks the exact instant in the task's zone.
    const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
    return date(r.deadline, '新的完成时限') ?? (r.deadline < yesterday ? refusal(`新的完成时限 ${r.deadline} 已过`, 'InvalidInput') : undefined);
  }
  if (state.deadlineAt && now >= Date.parse(state.deadlineAt)) return refusal('原完成时限已过，改派时请指定新的完成时限', 'InvalidInput');
  return undefined;
};

/** In the reassignment's turn: the new deadline (the instant its day lapses in the task's zone) must be ahead. */
export function checkReassignDeadline(deadline: string | undefined, lapsesAt: string | undefined, now: number): Verdict {
  if (!lapsesAt || Date.parse(lapsesAt) > now) return undefined;
  return refusal(`新的完成时限 ${deadline} 已过`, 'InvalidInput');
}

export const checkWithdraw: Check<WithdrawInput> = ({ state }, w) => {
  if (TERMINAL_STATUSES.includes(state.status)) {
    return refusal(`任务当前状态为“${TASK_STATUSES[state.status]}”，不能撤销`, 'InvalidState');
  }
  return text(w.reason, '撤销理由');
};

export const checkRefusal: Check<RefusalInput> = (task, r) => {
  const first = status(task.state, ACTIVE, '记录拒不整改') ?? text(r.reason, '拒不整改的情况');
  if (first) return first;
  const target = task.plan?.onRefusal;
  if (!target) return refusal('该任务的督办阶梯没有拒不整改后的层级', 'InvalidState');
  if (task.state.rung >= target) return refusal(`任务已处于“${task.state.rungName}”，不低于拒不整改对应的层级`, 'InvalidState');
  return undefined;
};

export const checkDelegate: Check<DelegateInput> = (task, d, now) => {
  const { state } = task;
  const first =
    leadUnit(task, d.unitId) ??
    status(state, ACTIVE, '转办') ??
    knownUnit(task, d.subUnitId) ??
    subUnit(task, d.subUnitId) ??
    text(d.part, '转办事项') ??
    date(d.due, '办理期限');
  if (first) return first;
  if (state.deadline && d.due > state.deadline) {
    return refusal(`办理期限 ${d.due} 不能晚于本任务的完成时限 ${state.deadline}`, 'InvalidInput');
  }
  // Coarse (UTC date, a day's margin), as for a reassignment's deadline.
  const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
  if (d.due < yesterday) return refusal(`办理期限 ${d.due} 已过`, 'InvalidInput');
  if ((state.delegations?.length ?? 0) >= MAX_DELEGATIONS) {
    return refusal(`每项任务最多转办 ${MAX_DELEGATIONS} 次`, 'DelegationLimit');
  }
  return undefined;
};

export const checkDelegationReport: Check<DelegationReportInput> = ({ state }, r) => {
  const entry = state.delegations?.find((x) => x.seq === r.seq);
  if (!entry) return refusal(`该任务没有编号为 ${String(r.seq)} 的转办事项`, 'NotFound');
  if (entry.unitId !== r.unitId) return refusal(`单位 ${String(r.unitId)} 不是该转办事项的承办单位`, 'WrongUnit');
  if (entry.status !== 'open') return refusal(`该转办事项${DELEGATION_STATUSES[entry.status]}，不能再报送`, 'InvalidState');
  if (entry.reports >= MAX_DELEGATION_REPORTS) {
    return refusal(`该转办事项已报送 ${MAX_DELEGATION_REPORTS} 次，达到上限；请与牵头单位联系`, 'DelegationLimit');
  }
  return text(r.text, '办理情况');
};

// ---------------------------------------------------------------------------------------------
// Limits (domain/limits.ts): validators only, before the checks; a length does not change while an
// update waits for its turn. Inputs come from outside: any field may be missing or of another type.

function length(value: unknown, max: number, what: string): Verdict {
  const problem = tooLong(value, max, what);
  return problem ? refusal(problem, 'TooLong') : undefined;
}
/** The names every update may carry: who acted, which unit. */
function names(x: { by?: unknown; unitId?: unknown }): Verdict {
  return length(x.by, MAX_NAME_CHARS, '经办人姓名') ?? length(x.unitId, MAX_ID_CHARS, '单位编号');
}

export const limitAcknowledge = (a: AcknowledgeInput): Verdict => names(a);
export const limitProgress = (p: ProgressInput): Verdict => names(p) ?? length(p.text, MAX_TEXT_CHARS, '进展内容');
export function limitEvidence(e: EvidenceInput): Verdict {
  const first = names(e) ?? length(e.text, MAX_TEXT_CHARS, '佐证材料说明');
  if (first) return first;
  for (const f of Array.isArray(e.files) ? e.files : []) {
    const problem = length(f?.name, MAX_FILE_NAME_CHARS, '文件名') ?? length(f?.contentType, MAX_FILE_NAME_CHARS, '文件类型');
    if (problem) return problem;
  }
  return undefined;
}
export const limitExtensionRequest = (r: ExtensionRequestInput): Verdict => names(r) ?? length(r.reason, MAX_TEXT_CHARS, '延期理由');
export function limitVerify(v: VerifyInput): Verdict {
  const first = names(v) ?? length(v.comment, MAX_TEXT_CHARS, '核查意见');
  if (first || !Array.isArray(v.reasons)) return first;
  if (v.reasons.length > MAX_REASONS) return refusal(`不通过原因最多 ${MAX_REASONS} 条`, 'TooLong');
  for (const r of v.reasons) {
    const problem = length(r, MAX_TEXT_CHARS, '不通过原因');
    if (problem) return problem;
  }
  return undefined;
}
export const limitExtensionDecision = (d: ExtensionDecisionInput): Verdict => names(d) ?? length(d.comment, MAX_TEXT_CHARS, '审批意见');
export const limitReassign = (r: ReassignInput): Verdict => names(r) ?? length(r.reason, MAX_TEXT_CHARS, '改派理由');
export const limitWithdraw = (w: WithdrawInput): Verdict => names(w) ?? length(w.reason, MAX_TEXT_CHARS, '撤销理由');
export const limitRefusal = (r: RefusalInput): Verdict => names(r) ?? length(r.reason, MAX_TEXT_CHARS, '拒不整改的情况');
export const limitDelegate = (d: DelegateInput): Verdict =>
  names(d) ?? length(d.subUnitId, MAX_ID_CHARS, '下级单位编号') ?? length(d.part, MAX_TEXT_CHARS, '转办事项');
export const limitDelegationReport = (r: DelegationReportInput): Verdict => names(r) ?? length(r.text, MAX_TEXT_CHARS, '办理情况');
