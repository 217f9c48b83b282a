// The escalation ladder (逐级督办) as data: what happens when a task's deadline lapses, rung by
// rung, each with its grace period in working days, its recipients, its deduction from the
// year-end performance score (年终绩效) and its wording. Defaults come from the seed plans:
//
//   1. 逾期通报   at the deadline, to the principal, the responsible leader and the office; 扣减年终绩效分
//   2. 《督办函》 3 working days later, to the principal, with a new deadline (限期整改) of 5 working days
//   3. 约谈       when that deadline lapses: the principal is summoned (meeting 2 working days later),
//                 the group leader and executive deputy are alerted; 5 more working days to rectify
//   4. 追责       when those lapse: referral to the discipline office (纪检监察室) with the task's record
//
// Enterprises (plan 1: 屡不整改、拒不整改的企业) climb 逾期通报 → 督办函 → 全园区通报 → 约谈企业主要负责人,
// and a recorded refusal jumps straight to the park-wide notice. Complaints from citizens or the
// media (plan 4) start at the supervision letter with a short deadline.
//
// Campaigns set `escalation:` in their definition; a task may override any part (`tasks[].escalation`).
// Pure code: the workflow imports only the types; activities resolve the plan of each task.
import { z } from 'zod';
import { FIXED_RECIPIENTS, isRecipient, type NoticeKind, type RecipientList, type Wording } from './notices.js';

export const RUNG_KINDS = [
  'overdueNotice', // 逾期通报
  'criticismNotice', // 通报批评
  'supervisionLetter', // 督办函 / 限期整改
  'parkWideNotice', // 全园区通报
  'interview', // 约谈
  'accountabilityReferral', // 追责
] as const;
export type RungKind = (typeof RUNG_KINDS)[number];

/** Name for users, the notice each rung issues, and the task event it records. */
export const RUNG_INFO: Record<RungKind, { name: string; notice: NoticeKind }> = {
  overdueNotice: { name: '逾期通报', notice: 'overdue' },
  criticismNotice: { name: '通报批评', notice: 'criticism' },
  supervisionLetter: { name: '督办函', notice: 'supervisionLetter' },
  parkWideNotice: { name: '全园区通报', notice: 'parkWide' },
  interview: { name: '约谈', notice: 'interview' },
  accountabilityReferral: { name: '追责', notice: 'accountabilityReferral' },
};

/** One rung as the workflow interprets it: every field filled. */
export interface ResolvedRung {
  kind: RungKind;
  name: string;
  notice: NoticeKind;
  /**
   * Working days of grace before this rung, counted from the previous step: from the current
   * deadline if the previous step set one (the task's deadline before rung 1, the 限期整改 of a
   * 督办函), else from the day the previous rung was issued. 0 = at once (at the deadline's end).
   */
  graceDays: number;
  /** 限期整改: working days the unit gets to rectify after this rung; 0 = no new deadline. */
  rectificationDays: number;
  /** 约谈: the meeting is proposed this many working days after the notice, at this local time. */
  meeting?: { inWorkingDays: number; time: string };
  recipients: RecipientList;
  /** Points deducted from the lead unit's 年终绩效 when this rung is issued. */
  deduction: number;
  wording?: Wording;
  /** 追责: attach the task's whole record (every notice, receipt, deadline and reply). */
  attachRecord: boolean;
  /** 约谈对象, e.g. 部门主要领导. */
  interviewTarget?: string;
  /** 全园区通报: scope named in the notice. */
  noticeScope?: string;
  /**
   * 'unitDay': the lapses of one unit on one civil day at this rung share one numbered notice listing
   * each task (docs/notices.md); absent: one notice per task.
   */
  batch?: RungBatch;
}

/** How a rung's notices are gathered: one per unit and day, or one per task. */
export const RUNG_BATCHES = ['unitDay', 'task'] as const;
export type RungBatch = (typeof RUNG_BATCHES)[number];

/** A task's whole escalation plan, resolved from campaign defaults, unit kind and task overrides. */
export interface EscalationPlan {
  ladder: ResolvedRung[];
  /** 签收: working days after assignment; a lapse is 领办逾期 (reminder + deduction). */
  acknowledgement: { workingDays: number; deduction: number };
  /** 延期申请: how many requests a task may make (approved, refused or pending). */
  extensions: { max: number };
  /** 1-based rung a recorded refusal (拒不整改) jumps to; undefined when refusal is not provided for. */
  onRefusal?: number;
  /** 屡不整改: this many failed verifications count as a refusal; 0 = never. */
  refusalAfterFailures: number;
  /** Complaints: rectification working days and the 1-based rung they start at. */
  complaints: { rectificationDays: number; startAt: number };
}

// ---------------------------------------------------------------------------------------------
// Schema

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间应为 HH:mm，如 09:00');
const workingDays = z
  .number({ message: '应为工作日数' })
  .int('工作日数应为整数')
  .min(0, '工作日数不能为负')
  .max(250, '工作日数过大（最多 250）');
const recipient = z.string().refine(isRecipient, {
  message: `未知收件人：应为 ${FIXED_RECIPIENTS.join('、')} 或 leaders.<角色>`,
});
export const recipientListSchema = z.strictObject({
  to: z.array(recipient).min(1, '至少需要一个主送'),
  cc: z.array(recipient).default([]),
});
export const wordingSchema = z.strictObject({
  title: z.string().trim().min(1, '标题不能为空').optional(),
  paragraphs: z.array(z.string().trim().min(1, '段落不能为空')).min(1, '正文至少一段').optional(),
});

/** Where the plan states a rule (plan import); shown by the console, not acted on. */
const annotations = {
  line: z.number().int().min(1).optional(),
  lines: z.array(z.number().int().min(1)).optional(),
};

/** One rung as written in a definition; unset fields take the defaults of its kind. */
export const rungSchema = z.strictObject({
  rung: z.enum(RUNG_KINDS, { message: `督办层级应为 ${RUNG_KINDS.join('、')} 之一` }),
  graceDays: workingDays.optional(),
  rectificationDays: workingDays.optional(),
  /** From plan import: false when the plan names no 限期整改 for this rung. */
  rectificationDeadline: z.boolean().optional(),
  meetingInDays: workingDays.optional(),
  meetingTime: hhmm.optional(),
  recipients: recipientListSchema.optional(),
  deduction: z.number().min(0, '扣分不能为负').max(100, '扣分不能超过 100').optional(),
  wording: wordingSchema.optional(),
  attachRecord: z.boolean().optional(),
  /** 约谈对象 (plan import), e.g. 部门主要领导. */
  target: z.string().trim().min(1).optional(),
  /** unitDay: one notice per unit and day listing its lapsed tasks; task: one per task. */
  batch: z.enum(RUNG_BATCHES, { message: `发文方式应为 ${RUNG_BATCHES.join('、')} 之一` }).optional(),
  /** In a task override: leave this rung out of the task's ladder. */
  skip: z.boolean().optional(),
  ...annotations,
});
export type RungInput = z.input<typeof rungSchema>;
type RungData = z.output<typeof rungSchema>;

const rungKind = z.enum(RUNG_KINDS, { message: `督办层级应为 ${RUNG_KINDS.join('、')} 之一` });

function uniqueKinds(ladder: RungData[], ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  ladder.forEach((r, i) => {
    if (seen.has(r.rung)) ctx.addIssue({ code: 'custom', path: [i, 'rung'], message: `督办层级重复：${r.rung}` });
    seen.add(r.rung);
  });
}
const ladderSchema = z.array(rungSchema).min(1, '督办阶梯至少一级').superRefine(uniqueKinds);

const acknowledgementSchema = z.strictObject({
  workingDays: workingDays.min(1, '签收时限至少 1 个工作日').default(1),
  deduction: z.number().min(0).max(100).default(0.5),
});
const extensionsSchema = z.strictObject({
  max: z.number().int().min(0, '延期次数上限不能为负').max(10, '延期次数上限最多 10').default(2),
});

export const DEFAULT_LADDER: RungKind[] = ['overdueNotice', 'supervisionLetter', 'interview', 'accountabilityReferral'];
export const DEFAULT_ENTERPRISE_LADDER: RungKind[] = ['overdueNotice', 'supervisionLetter', 'parkWideNotice', 'interview'];

/** The campaign's `escalation:`; every field has a default, so `escalation: {}` is the seed plans' ladder. */
export const escalationSchema = z.strictObject({
  acknowledgement: acknowledgementSchema.prefault({}),
  extensions: extensionsSchema.prefault({}),
  ladder: ladderSchema.default(DEFAULT_LADDER.map((rung) => ({ rung }))),
  /** Where a recorded refusal (拒不整改) of a unit that is not an enterprise jumps. */
  onRefusal: rungKind.default('interview'),
  /** Units of kind enterprise (plan 1). Keys from plan import (noticeScope, interviewPrincipal) are honoured. */
  enterprises: z
    .strictObject({
      ladder: ladderSchema.optional(),
      onRefusal: rungKind.default('parkWideNotice'),
      noticeScope: z.string().trim().min(1).default('全园区'),
      interviewPrincipal: z.boolean().default(true),
      refusalAfterFailures: z.number().int().min(0).max(10).default(2),
      ...annotations,
    })
    .prefault({}),
  /**
   * 向上级报告 (plan 4: 向市、区创建领导小组报告，并建议给予相应处罚): the rung named (the ladder's
   * last unless named) is copied to the superior body, office.superior.
   */
  reportToSuperior: z.strictObject({ rung: rungKind.optional(), ...annotations }).optional(),
  /** Complaints (群众来信来访, 媒体曝光, plan 4): urgent tasks that start high on the ladder. */
  complaints: z
    .strictObject({
      rectificationDays: workingDays.min(1, '整改时限至少 1 个工作日').default(3),
      startAt: rungKind.optional(),
      /** Plan import's name for startAt. */
      action: rungKind.optional(),
      sources: z.array(z.enum(['citizen', 'media'])).optional(),
      ...annotations,
    })
    .prefault({}),
});
export type Escalation = z.output<typeof escalationSchema>;
export type EscalationInput = z.input<typeof escalationSchema>;

/** A task's override: any part; ladder entries merge into the campaign's by kind (skip: true drops one). */
export const escalationOverrideSchema = z.strictObject({
  acknowledgement: acknowledgementSchema.partial().optional(),
  extensions: extensionsSchema.partial().optional(),
  ladder: z.array(rungSchema).superRefine(uniqueKinds).optional(),
  onRefusal: rungKind.optional(),
  complaints: z.strictObject({ rectificationDays: workingDays.min(1).optional() }).optional(),
});
export type EscalationOverride = z.output<typeof escalationOverrideSchema>;

// ---------------------------------------------------------------------------------------------
// Defaults and resolution

type RungDefaults = Omit<ResolvedRung, 'kind' | 'name' | 'notice'>;

const office = 'office' as const;
export const RUNG_DEFAULTS: Record<RungKind, RungDefaults> = {
  overdueNotice: {
    graceDays: 0,
    rectificationDays: 0,
    recipients: { to: ['leadUnit.principal', 'leadUnit.responsibleLeader'], cc: [office] },
    deduction: 2,
    attachRecord: false,
    batch: 'unitDay',
  },
  criticismNotice: {
    graceDays: 0,
    rectificationDays: 0,
    recipients: { to: ['leadUnit.principal', 'leadUnit.responsibleLeader'], cc: [office] },
    deduction: 2,
    attachRecord: false,
    batch: 'unitDay',
  },
  supervisionLetter: {
    graceDays: 3,
    rectificationDays: 5,
    recipients: { to: ['leadUnit.principal'], cc: ['leadUnit.contact', office] },
    deduction: 0,
    attachRecord: false,
    batch: 'unitDay',
  },
  parkWideNotice: {
    graceDays: 0,
    rectificationDays: 0,
    recipients: { to: ['allUnits.contact'], cc: ['leaders.groupLeader', 'leaders.executiveDeputy', office] },
    deduction: 0,
    attachRecord: false,
    noticeScope: '全园区',
    batch: 'unitDay',
  },
  interview: {
    graceDays: 0,
    rectificationDays: 5,
    meeting: { inWorkingDays: 2, time: '09:00' },
    recipients: { to: ['leadUnit.principal'], cc: ['leaders.groupLeader', 'leaders.executiveDeputy', office] },
    deduction: 0,
    attachRecord: false,
  },
  accountabilityReferral: {
    graceDays: 0,
    rectificationDays: 0,
    recipients: { to: ['office.discipline'], cc: ['leaders.groupLeader'] },
    deduction: 0,
    attachRecord: true,
  },
};

/** Lays rung fields over a resolved rung (or the kind's defaults). */
function applyRung(base: ResolvedRung | undefined, input: RungData): ResolvedRung {
  const kind = input.rung;
  const d: ResolvedRung = base ?? { kind, ...RUNG_INFO[kind], ...structuredCloneRung(RUNG_DEFAULTS[kind]) };
  const out: ResolvedRung = { ...d };
  if (input.graceDays !== undefined) out.graceDays = input.graceDays;
  if (input.rectificationDays !== undefined) out.rectificationDays = input.rectificationDays;
  else if (input.rectificationDeadline === false) out.rectificationDays = 0;
  else if (input.rectificationDeadline === true && out.rectificationDays === 0) out.rectificationDays = 5;
  if (input.meetingInDays !== undefined || input.meetingTime !== undefined) {
    const meeting = out.meeting ?? { inWorkingDays: 2, time: '09:00' };
    out.meeting = {
      inWorkingDays: input.meetingInDays ?? meeting.inWorkingDays,
      time: input.meetingTime ?? meeting.time,
    };
  }
  if (input.recipients) out.recipients = { to: [...input.recipients.to], cc: [...input.recipients.cc] };
  if (input.deduction !== undefined) out.deduction = input.deduction;
  if (input.wording) out.wording = { ...out.wording, ...input.wording };
  if (input.attachRecord !== undefined) out.attachRecord = input.attachRecord;
  if (input.target) out.interviewTarget = input.target;
  if (input.batch === 'task') delete out.batch;
  else if (input.batch) out.batch = input.batch;
  return out;
}

function structuredCloneRung(d: RungDefaults): RungDefaults {
  return {
    ...d,
    recipients: { to: [...d.recipients.to], cc: [...d.recipients.cc] },
    ...(d.meeting ? { meeting: { ...d.meeting } } : {}),
  };
}

function canonicalIndex(kind: RungKind): number {
  return RUNG_KINDS.indexOf(kind);
}

/**
 * The plan of one task: the campaign's escalation (parsed), the lead unit's kind and the task's
 * override. Unknown input is parsed leniently: a campaign stored before escalation had a schema
 * gets the defaults.
 */
export function resolveEscalation(
  campaign: unknown,
  unitKind: string,
  override?: unknown,
): EscalationPlan {
  const esc: Escalation = escalationSchema.parse(campaign ?? {});
  const ovr: EscalationOverride | undefined = override ? escalationOverrideSchema.parse(override) : undefined;
  const enterprise = unitKind === 'enterprise';

  const campaignRung = (kind: RungKind) => {
    const input = esc.ladder.find((r) => r.rung === kind);
    return input ? applyRung(undefined, input) : undefined;
  };

  let ladder: ResolvedRung[];
  if (enterprise) {
    const kinds = esc.enterprises.ladder?.map((r) => r.rung) ??
      DEFAULT_ENTERPRISE_LADDER.filter((k) => k !== 'interview' || esc.enterprises.interviewPrincipal);
    ladder = kinds.map((kind) => {
      let rung = campaignRung(kind) ?? applyRung(undefined, { rung: kind });
      const own = esc.enterprises.ladder?.find((r) => r.rung === kind);
      if (own) rung = applyRung(rung, own);
      if (kind === 'parkWideNotice' && !own?.wording) rung.noticeScope = esc.enterprises.noticeScope;
      if (kind === 'interview' && !rung.interviewTarget) rung.interviewTarget = '企业主要负责人';
      return rung;
    });
  } else {
    ladder = esc.ladder.map((r) => applyRung(undefined, r));
  }

  for (const input of ovr?.ladder ?? []) {
    const at = ladder.findIndex((r) => r.kind === input.rung);
    if (input.skip) {
      if (at >= 0) ladder.splice(at, 1);
      continue;
    }
    if (at >= 0) {
      ladder[at] = applyRung(ladder[at], input);
    } else {
      const rung = applyRung(undefined, input);
      const before = ladder.findIndex((r) => canonicalIndex(r.kind) > canonicalIndex(input.rung));
      ladder.splice(before < 0 ? ladder.length : before, 0, rung);
    }
  }

  if (esc.reportToSuperior) {
    const kind = esc.reportToSuperior.rung;
    const at = kind ? ladder.findIndex((r) => r.kind === kind) : ladder.length - 1;
    const rung = ladder[at] as ResolvedRung | undefined;
    if (rung && !rung.recipients.cc.includes('superior')) rung.recipients = { ...rung.recipients, cc: [...rung.recipients.cc, 'superior'] };
  }

  const indexOf = (kind: RungKind | undefined) => {
    if (!kind) return undefined;
    const i = ladder.findIndex((r) => r.kind === kind);
    return i < 0 ? undefined : i + 1;
  };
  const refusalKind = ovr?.onRefusal ?? (enterprise ? esc.enterprises.onRefusal : esc.onRefusal);
  const startKind = esc.complaints.startAt ?? esc.complaints.action ?? 'supervisionLetter';

  return {
    ladder,
    acknowledgement: { ...esc.acknowledgement, ...stripUndefined(ovr?.acknowledgement ?? {}) },
    extensions: { ...esc.extensions, ...stripUndefined(ovr?.extensions ?? {}) },
    onRefusal: indexOf(refusalKind),
    refusalAfterFailures: enterprise ? esc.enterprises.refusalAfterFailures : 0,
    complaints: {
      rectificationDays: ovr?.complaints?.rectificationDays ?? esc.complaints.rectificationDays,
      startAt: Math.min(indexOf(startKind) ?? 1, Math.max(ladder.length, 1)),
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
