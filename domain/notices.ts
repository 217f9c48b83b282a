// Notices: what the office sends, each with its document number (文号).
// Pure data, imported by workflows and activities alike (no Node modules, no zod).

/**
 * Every kind of notice. `word` is the 发文字号 word: numbers run gapless per issuing office
 * (documentPrefix), word and year, so kinds that share a word share a sequence.
 */
export const NOTICE_KINDS = {
  assignment: { word: '交办', name: '交办通知' },
  reassignment: { word: '交办', name: '改派通知' },
  reminder: { word: '催办', name: '催办通知' },
  acknowledgementReminder: { word: '催办', name: '签收催办通知' },
  overdue: { word: '通报', name: '逾期通报' },
  criticism: { word: '通报', name: '通报批评' },
  parkWide: { word: '通报', name: '全园区通报' },
  supervisionLetter: { word: '督办', name: '督办函' },
  interview: { word: '约谈', name: '约谈通知' },
  accountabilityReferral: { word: '追责', name: '追责建议' },
  verificationFailed: { word: '核查', name: '核查意见' },
  extensionDecision: { word: '函', name: '延期申请复函' },
  withdrawal: { word: '函', name: '撤销通知' },
  // 转办: the lead unit hands part of a task to its sub-unit, and hears back from it.
  delegation: { word: '转办', name: '转办通知' },
  delegationReport: { word: '转办', name: '转办事项办理情况' },
  // 问题点位 found by inspections, sent to their units (their lapses go out on the ladder's kinds).
  pointDispatch: { word: '交办', name: '问题点位交办通知' },
  // A campaign's own notices: phases, cadence digests, assessment rounds, the end.
  phaseStart: { word: '通知', name: '阶段工作通知' },
  weeklyCheck: { word: '督查', name: '每周检查情况' },
  monthlyBulletin: { word: '通报', name: '月度工作通报' },
  dispatch: { word: '调度', name: '工作调度' },
  quarterlyDispatch: { word: '调度', name: '季度调度报告' },
  halfYearSummary: { word: '小结', name: '半年工作小结' },
  yearEndSummary: { word: '总结', name: '年终工作总结' },
  monthlyCheck: { word: '督查', name: '月度抽查通报' },
  patrolReminder: { word: '通知', name: '日常巡查提醒' },
  materialsReminder: { word: '催报', name: '材料催报通知' },
  assessmentResult: { word: '测评', name: '实地测评结果通报' },
  closingSummary: { word: '总结', name: '创建活动总结' },
} as const;
export type NoticeKind = keyof typeof NOTICE_KINDS;

/** Kinds found in older records under other names, with the names they are shown by. */
const NOTICE_KIND_ALIASES: Record<string, string> = {
  accountability: '追责建议',
  criticismNotice: '通报批评',
  bulletin: '月通报',
  digest: '调度',
  assessment: '测评结果',
  extension: '延期批复',
};

/** A notice kind's name for users; an unknown kind is shown as it is. */
export function noticeKindName(kind: string): string {
  return (NOTICE_KINDS as Record<string, { name: string }>)[kind]?.name ?? NOTICE_KIND_ALIASES[kind] ?? kind;
}

/** e.g. 北海创城督办〔2021〕3号 */
export function documentNumber(prefix: string, word: string, year: number, sequence: number): string {
  return `${prefix}${word}〔${year}〕${sequence}号`;
}

/**
 * Who receives a notice, as roles resolved against the campaign's units and leaders:
 * the task's lead unit (its contact person, its principal or its responsible leader), the
 * cooperating units, every unit of the campaign (全园区通报), the office, its director, the
 * discipline office (纪检监察室), the superior body the plan reports to (office.superior), or
 * every leader of a role (leaders.groupLeader).
 */
export const FIXED_RECIPIENTS = [
  'leadUnit.contact',
  'leadUnit.principal',
  'leadUnit.responsibleLeader',
  'cooperatingUnits.contact',
  'cooperatingUnits.principal',
  'allUnits.contact',
  'allUnits.principal',
  'office',
  'office.director',
  'office.discipline',
  'superior',
] as const;
export type Recipient = (typeof FIXED_RECIPIENTS)[number] | `leaders.${string}`;

export function isRecipient(value: string): value is Recipient {
  return (FIXED_RECIPIENTS as readonly string[]).includes(value) || /^leaders\.[A-Za-z]+$/.test(value);
}

export interface RecipientList {
  to: Recipient[];
  cc: Recipient[];
}

/** Recipients of the notices that are not rungs of the ladder (those are data: domain/ladder.ts). */
export const DEFAULT_RECIPIENTS = {
  assignment: { to: ['leadUnit.contact'], cc: ['cooperatingUnits.contact'] },
  reassignment: { to: ['leadUnit.contact'], cc: ['cooperatingUnits.contact', 'office'] },
  reminder: { to: ['leadUnit.contact'], cc: [] },
  acknowledgementReminder: { to: ['leadUnit.contact'], cc: ['leadUnit.principal'] },
  verificationFailed: { to: ['leadUnit.contact'], cc: [] },
  extensionDecision: { to: ['leadUnit.contact'], cc: ['office'] },
  withdrawal: { to: ['leadUnit.contact'], cc: ['cooperatingUnits.contact', 'office'] },
  // A 转办 is addressed to the sub-unit: for it `leadUnit` means the unit the part was handed to.
  delegation: { to: ['leadUnit.contact'], cc: [] },
  // The sub-unit answers the lead unit, not the office.
  delegationReport: { to: ['leadUnit.contact'], cc: [] },
} satisfies Partial<Record<NoticeKind, RecipientList>>;

/**
 * A rung's or a notice's own wording. Placeholders in braces are replaced when the notice is
 * issued: {任务} {责任单位} {完成时限} {整改时限} {约谈时间} {扣分} {创建活动} {创建办} {今天}
 * {通报范围} {约谈对象}. Paragraphs replace the whole 正文 when given.
 */
export interface Wording {
  title?: string;
  paragraphs?: string[];
}

/** Facts a notice needs beyond the task itself, supplied by the workflow. */
export interface NoticeDetails {
  /** 限期整改: civil date 'YYYY-MM-DD' by which to rectify. */
  rectificationDeadline?: string;
  /** 约谈: proposed time (ISO instant). */
  meetingAt?: string;
  /** 约谈对象, e.g. 企业主要负责人. */
  interviewTarget?: string;
  /** 全园区通报: scope, e.g. 全园区. */
  noticeScope?: string;
  /** 年终绩效 points deducted by this notice. */
  deduction?: number;
  /** Acknowledgement reminder: when it was due (ISO instant). */
  acknowledgeBy?: string;
  /** Progress reminder: since when nothing was heard (ISO instant). */
  silentSince?: string;
  /** Verification failure or refusal: the reasons given. */
  reasons?: string[];
  /** Extension decision. */
  extension?: { approved: boolean; requestedDeadline?: string; newDeadline?: string; comment?: string };
  /** Reassignment: the unit that had the task before. */
  previousUnitName?: string;
  /** Withdrawal: why. */
  reason?: string;
  /** A complaint that became this task (群众来信来访, 媒体曝光). */
  complaint?: { source: ComplaintSource; summary?: string; reference?: string; receivedAt?: string };
  /** Which notices came before on this task (numbers), for letters that cite them. */
  previousNumbers?: string[];
  /** 转办: the part of the task the lead unit handed to its sub-unit (the sub-unit's report cites it too). */
  delegation?: DelegationFacts;
  /** Weekly 催办: parts the lead unit handed to sub-units that are past their due date. */
  overdueDelegations?: DelegationFacts[];
  /** 转办事项办理情况: what the sub-unit reported, and whether it says its part is done. */
  delegationReport?: { text: string; done: boolean };
}

/** A part of a task handed to a sub-unit, as notices cite it. */
export interface DelegationFacts {
  seq: number;
  /** The sub-unit. */
  unitId: string;
  unitName: string;
  part: string;
  /** 'YYYY-MM-DD' */
  due: string;
}

export const COMPLAINT_SOURCES = {
  citizen: '群众来信来访',
  media: '媒体曝光',
} as const;
export type ComplaintSource = keyof typeof COMPLAINT_SOURCES;
