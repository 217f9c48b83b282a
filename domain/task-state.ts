// The state of one rectification task, as its workflow holds it and its query returns it.
import type { ComplaintSource, NoticeKind } from './notices.js';

/**
 * assigned → acknowledged (签收) → inProgress → evidenceSubmitted → closed (销号);
 * a failed verification returns evidenceSubmitted to inProgress; withdrawn (撤销) ends a task early.
 */
export const TASK_STATUSES = {
  scheduled: '未开始',
  assigned: '已交办',
  acknowledged: '已签收',
  inProgress: '整改中',
  evidenceSubmitted: '待核查',
  closed: '已销号',
  withdrawn: '已撤销',
} as const;
export type TaskStatus = keyof typeof TASK_STATUSES;

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['closed', 'withdrawn'];
/** Where a unit may report, and is reminded when it does not: it has the task and has not finished it. */
export const ACTIVE_STATUSES: TaskStatus[] = ['assigned', 'acknowledged', 'inProgress'];

/** 佐证材料的四种形式 (plan 2): 正式发文, 图片资料, 说明报告, 数据表格. */
export const EVIDENCE_FORMS = {
  document: '正式发文',
  photo: '图片资料',
  report: '说明报告',
  dataTable: '数据表格',
} as const;
export type EvidenceForm = keyof typeof EVIDENCE_FORMS;

/** Largest evidence file accepted (bytes). */
export const MAX_EVIDENCE_FILE_BYTES = 10 * 1024 * 1024;
/** Most files in one submission (one upload of the portal or the console). */
export const MAX_EVIDENCE_FILES = 5;

/** A stored evidence file as workflows see it: metadata and the id of its bytes in PostgreSQL. */
export interface EvidenceFileRef {
  /** evidence_files.id (uuid) */
  id: string;
  name: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
}

export interface EvidenceEntry {
  /** Row id in evidence_submissions. */
  id: number;
  form: EvidenceForm;
  text?: string;
  files: EvidenceFileRef[];
  unitId: string;
  by?: string;
  submittedAt: string;
  /** 阶段性材料: reported without asking for verification. */
  interim: boolean;
}

export interface ExtensionEntry {
  seq: number;
  requestedAt: string;
  unitId: string;
  by?: string;
  reason: string;
  /** The deadline asked for (civil date). */
  requestedDeadline: string;
  status: 'pending' | 'approved' | 'refused';
  decidedAt?: string;
  decidedBy?: string;
  comment?: string;
  /** Approved: the new deadline (civil date). */
  newDeadline?: string;
}

/** 转办: a part of the task the lead unit handed to a sub-unit (the record: task_delegations). */
export interface DelegationEntry {
  seq: number;
  /** The lead unit that handed it over, and the sub-unit it went to. */
  from: string;
  unitId: string;
  part: string;
  /** 'YYYY-MM-DD', and the instant it lapses (its 24:00 in the task's zone): overdue from then on while open. */
  due: string;
  dueAt: string;
  delegatedAt: string;
  by?: string;
  /** open until the sub-unit reports it done (completed), or the task is reassigned or ends (ended). */
  status: 'open' | 'completed' | 'ended';
  /** The sub-unit's reports so far (at most MAX_DELEGATION_REPORTS). */
  reports: number;
  lastReportAt?: string;
  completedAt?: string;
  endedAt?: string;
}

export const DELEGATION_STATUSES = { open: '办理中', completed: '已办结', ended: '已终止' } as const;

export interface TimelineEntry {
  /** ISO instant, workflow time */
  at: string;
  kind: string;
  actor?: string;
  detail?: Record<string, unknown>;
}

export interface TaskState {
  campaignId: string;
  taskId: string;
  title: string;
  status: TaskStatus;
  leadUnit: string;
  /** 0: on time; n: the n-th rung of the task's ladder has been issued. */
  rung: number;
  /** Name of the current rung, e.g. 督办函 ('' at rung 0). */
  rungName: string;
  /** The ladder of this task, names in order. */
  ladder: string[];
  /** The current deadline: the task's (as extended), or the 限期整改 of the last rung (ISO instant it lapses). */
  deadlineAt?: string;
  /** Its civil date. */
  deadline?: string;
  /** When the next rung will be issued if the task is not closed (ISO instant). */
  nextEscalationAt?: string;
  nextRungName?: string;
  /** 签收 due by (ISO instant), while assigned. */
  acknowledgeBy?: string;
  acknowledgementOverdue?: boolean;
  nextCheckAt?: string;
  acknowledgedAt?: string;
  lastProgressAt?: string;
  closedAt?: string;
  withdrawnAt?: string;
  /** Failed verifications so far. */
  failedVerifications: number;
  /** A complaint this task came from. */
  complaint?: { source: ComplaintSource; summary?: string; reference?: string };
  evidence: EvidenceEntry[];
  extensions: ExtensionEntry[];
  /** Calendar warnings: deadlines computed in years without a holiday schedule. */
  calendarWarnings: string[];
  notices: { kind: NoticeKind; documentNumber: string; issuedAt: string; rung?: number }[];
  timeline: TimelineEntry[];
  /** Timeline entries left behind when the workflow continued as new (the record keeps them all). */
  timelineOmitted?: number;
  /** Reports of the current civil day in the task's zone, against MAX_REPORTS_PER_DAY. */
  reportsToday?: ReportDay;
  /** 转办: parts handed to sub-units (absent before the first). */
  delegations?: DelegationEntry[];
}

/** One civil day's count of a task's reports: progress and evidence, each limited on its own. */
export interface ReportDay {
  /** YYYY-MM-DD in the task's zone. */
  date: string;
  /** ISO instant the day ends (its 24:00). */
  endsAt: string;
  progress: number;
  evidence: number;
}

/** The rungs of the default ladder, by number; a task's own ladder names are in TaskState.ladder. */
export const RUNG_NAMES = ['未逾期', '逾期通报', '督办函', '约谈', '追责'] as const;

/** Names of task events (task_events.kind) for users: the record, the CLI, the console. */
export const EVENT_NAMES: Record<string, string> = {
  assigned: '交办',
  reassigned: '改派',
  acknowledged: '签收',
  acknowledgementOverdue: '领办逾期',
  progress: '报送进展',
  evidence: '报送佐证材料',
  verified: '核查通过，销号',
  verificationFailed: '核查不通过，退回整改',
  extensionRequested: '申请延期',
  extensionApproved: '同意延期',
  extensionRefused: '不同意延期',
  overdue: '逾期通报',
  criticism: '通报批评',
  supervisionLetter: '下发督办函',
  parkWide: '全园区通报',
  interview: '约谈',
  accountabilityReferral: '移交追责',
  refused: '拒不整改',
  withdrawn: '撤销',
  delegated: '转办下级单位',
  delegationProgress: '下级单位报送转办事项进展',
  delegationCompleted: '下级单位报送转办事项办结',
  campaignEnded: '创建活动结束，任务终止',
  complaint: '受理投诉',
  calendarWarning: '节假日安排缺失',
  channelFailed: '消息发送失败',
  'notice.assignment': '印发交办通知',
  'notice.reassignment': '印发改派通知',
  'notice.reminder': '印发催办通知',
  'notice.acknowledgementReminder': '印发签收催办通知',
  'notice.overdue': '印发逾期通报',
  'notice.criticism': '印发通报批评',
  'notice.parkWide': '印发全园区通报',
  'notice.supervisionLetter': '印发督办函',
  'notice.interview': '印发约谈通知',
  'notice.accountabilityReferral': '印发追责建议',
  'notice.verificationFailed': '印发核查意见',
  'notice.extensionDecision': '印发延期申请复函',
  'notice.withdrawal': '印发撤销通知',
  'notice.delegation': '印发转办通知',
  'notice.delegationReport': '转告下级单位办理情况',
};

export function eventLabel(kind: string): string {
  return EVENT_NAMES[kind] ?? kind;
}

/** A task status's name for users (已交办, 已销号 …); an unknown status is shown as it is. */
export function statusName(status: string): string {
  return (TASK_STATUSES as Record<string, string>)[status] ?? status;
}

/** A rung's name on the default ladder (逾期通报, 督办函 …); beyond it, 第n级. */
export function rungName(rung: number): string {
  return RUNG_NAMES[rung] ?? `第${rung}级`;
}

/** One line about an event's detail, for people. */
export function describeEvent(kind: string, detail: Record<string, unknown>, unitName: (id: string) => string = (x) => x): string {
  const d = detail ?? {};
  const parts: string[] = [];
  const str = (k: string) => (typeof d[k] === 'string' && d[k] !== '' ? (d[k] as string) : undefined);
  if (str('documentNumber')) parts.push(`文号 ${str('documentNumber')}`);
  if (str('text')) parts.push(str('text')!);
  if (str('form')) parts.push(`形式：${EVIDENCE_FORMS[str('form') as EvidenceForm] ?? str('form')}`);
  if (Array.isArray(d.files) && d.files.length) parts.push(`文件：${(d.files as { name: string }[]).map((f) => f.name).join('、')}`);
  if (str('reason')) parts.push(`理由：${str('reason')}`);
  if (str('comment')) parts.push(`意见：${str('comment')}`);
  if (Array.isArray(d.reasons) && d.reasons.length) parts.push(`问题：${(d.reasons as string[]).join('；')}`);
  if (str('requestedDeadline')) parts.push(`申请延至 ${str('requestedDeadline')}`);
  if (str('newDeadline')) parts.push(`新完成时限 ${str('newDeadline')}`);
  if (str('deadline') && kind !== 'extensionApproved') parts.push(`完成时限 ${str('deadline')}`);
  if (str('rectificationDeadline')) parts.push(`整改时限 ${str('rectificationDeadline')}`);
  if (str('part')) parts.push(`转办事项：${str('part')}`);
  if (str('due')) parts.push(`办理期限 ${str('due')}`);
  if (str('from') && str('to')) parts.push(`${unitName(str('from')!)} → ${unitName(str('to')!)}`);
  if (typeof d.deduction === 'number' && d.deduction > 0) parts.push(`扣减年终绩效分 ${d.deduction} 分`);
  if (str('warning')) parts.push(str('warning')!);
  return parts.join('；');
}
