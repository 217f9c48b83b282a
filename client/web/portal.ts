// The unit portal: a signed link from an email opens one task for one unit, or (the 催报 of the
// monthly materials) the unit's materials of the month, without a task. No account; the link's
// signature and expiry are the whole authority, and it reaches nothing but its own task, or its own
// unit's materials.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { materialsUsageSince, readEvidenceFile } from '../../db/evidence.js';
import { EVIDENCE_FORMS as FORM_NAMES, MAX_EVIDENCE_FILES, type EvidenceForm } from '../../domain/task-state.js';
import {
  UNIT_LINK_PROBLEMS,
  verifyUnitLink,
  type DelegationUnitLink,
  type MaterialsUnitLink,
  type TaskUnitLink,
  type UnitLink,
} from '../../services/unit-links.js';
import { currentLinkVersion, delegationLinkKey } from '../../db/unit-links.js';
import { delegationsOfSubUnit, delegationsOfTask, parentsOfUnits, type DelegationRow } from '../../db/delegations.js';
import { listTaskEvents } from '../../db/events.js';
import { DELEGATION_STATUSES } from '../../domain/task-state.js';
import { civilDateAt } from '../../services/calendar.js';
import { findMaterialsLinkTarget, findTaskLinkTarget } from '../../db/read/portal.js';
import type { TaskState } from '../../domain/task-state.js';
import type { ConsoleContext } from '../context.js';
import { MAX_NAME_CHARS, tooLong } from '../../domain/limits.js';
import {
  acknowledge,
  delegate,
  EVIDENCE_EXTENSIONS,
  INLINE_TYPES,
  MAX_EVIDENCE_FILE_BYTES,
  reportDelegation,
  reportProgress,
  requestExtension,
  submitEvidence,
  submitMaterials,
  MAX_MATERIALS_TEXT,
  type UploadedFile,
} from '../api/actions.js';
import { HttpProblem, problemFrom } from '../api/problems.js';
import { materialsMonth, unitsMaterials } from '../api/materials.js';
import { requireCampaign, taskDetail, type Clock } from '../api/compose.js';
const EVIDENCE_FORMS = Object.keys(FORM_NAMES) as EvidenceForm[];
import { findTask, rungName, statusName, type TimelineItem } from '../api/read-model.js';
import { problems, ref, textField } from '../api/schemas.js';
import { attachment } from './download.js';
import { formValue } from './pages.js';
import { withUploads } from './uploads.js';
import { page } from './views.js';

export interface PortalAccess {
  link: TaskUnitLink;
  role: 'lead' | 'cooperating' | 'other';
  unitName: string;
}

const LINK_ERRORS = { malformed: 'LinkInvalid', badSignature: 'LinkInvalid', expired: 'LinkExpired', revoked: 'LinkRevoked' } as const;

/**
 * Checks a link's signature, expiry (by the console's clock) and version: a link works only while its
 * version is the stored one of its unit and task or materials (db/unit-links.ts), so a reassignment
 * or an office's withdrawal stops it. Every refused link is 403, a withdrawn one `LinkRevoked`.
 */
export async function checkedLink(ctx: ConsoleContext, token: string): Promise<UnitLink> {
  const check = verifyUnitLink(token, ctx.linkSecret, await ctx.now());
  if (!check.ok) throw new HttpProblem(403, LINK_ERRORS[check.problem], check.message);
  const { link } = check;
  const current = await currentLinkVersion(
    ctx.db,
    link.scope === 'delegation'
      ? delegationLinkKey(link.campaignId, link.taskId, link.unitId)
      : { campaignId: link.campaignId, unitId: link.unitId, taskId: link.taskId },
  );
  if ((link.version ?? 0) !== current) throw new HttpProblem(403, LINK_ERRORS.revoked, UNIT_LINK_PROBLEMS.revoked);
  return link;
}

/** Checks a task link and what it points at; a refused link is 403, a task that is gone 404. */
export async function portalAccess(ctx: ConsoleContext, token: string): Promise<PortalAccess> {
  const link = await checkedLink(ctx, token);
  if (link.scope === 'materials') throw new HttpProblem(403, 'LinkInvalid', '该链接用于报送每月材料，不对应整治任务');
  if (link.scope === 'delegation') throw new HttpProblem(403, 'LinkInvalid', '该链接用于办理转办事项，只能查看和报送转交你单位的事项');
  if (link.scope === 'points') throw new HttpProblem(403, 'LinkInvalid', '该链接用于办理问题点位，不对应整治任务');
  const target = await findTaskLinkTarget(ctx.db, link.campaignId, link.taskId, link.unitId);
  if (!target) throw new HttpProblem(404, 'NotFound', '该链接对应的任务不存在');
  if (target.unit_name === null) throw new HttpProblem(403, 'LinkInvalid', '该链接对应的单位不存在');
  const role = target.lead_unit === link.unitId ? 'lead' : target.cooperating_units.includes(link.unitId) ? 'cooperating' : 'other';
  return { link, role, unitName: target.unit_name };
}

export interface MaterialsAccess {
  link: MaterialsUnitLink;
  unitName: string;
  campaignTitle: string;
  officeName: string;
}

/** Checks a materials link (每月定时报送, no task) and its unit; refused like a task link. */
export async function materialsAccess(ctx: ConsoleContext, token: string): Promise<MaterialsAccess> {
  const link = await checkedLink(ctx, token);
  if (link.scope !== 'materials') {
    throw new HttpProblem(403, 'LinkInvalid', '该链接用于办理整治任务，不能报送每月材料；请使用催报通知中的报送链接');
  }
  const target = await findMaterialsLinkTarget(ctx.db, link.campaignId, link.unitId);
  if (!target) throw new HttpProblem(404, 'NotFound', '该链接对应的创建活动不存在');
  if (target.unit_name === null) throw new HttpProblem(403, 'LinkInvalid', '该链接对应的单位不存在');
  return { link, unitName: target.unit_name, campaignTitle: target.title, officeName: target.office?.name ?? '' };
}

export interface DelegationAccess {
  link: DelegationUnitLink;
  unitName: string;
  /** What this sub-unit was handed of the task, in order (never another unit's part). */
  delegations: DelegationRow[];
}

/** Checks a sub-unit's link to what it was handed of a task (转办): refused like a task link, 404 when it was handed nothing. */
export async function delegationAccess(ctx: ConsoleContext, token: string): Promise<DelegationAccess> {
  const link = await checkedLink(ctx, token);
  if (link.scope !== 'delegation') throw new HttpProblem(403, 'LinkInvalid', '该链接不是转办事项的办理链接');
  const [target, delegations] = await Promise.all([
    findTaskLinkTarget(ctx.db, link.campaignId, link.taskId, link.unitId),
    delegationsOfSubUnit(ctx.db, link.campaignId, link.taskId, link.unitId),
  ]);
  if (!target || delegations.length === 0) throw new HttpProblem(404, 'NotFound', '该链接对应的转办事项不存在');
  if (target.unit_name === null) throw new HttpProblem(403, 'LinkInvalid', '该链接对应的单位不存在');
  return { link, unitName: target.unit_name, delegations };
}

/** A delegation as units read it: the part, its due date and state, and whether it is overdue. */
function delegationItem(d: DelegationRow, today: string, unitName: (id: string) => string) {
  return {
    seq: d.seq,
    unitId: d.sub_unit,
    unitName: unitName(d.sub_unit),
    part: d.part,
    due: d.due,
    status: d.status,
    statusName: DELEGATION_STATUSES[d.status],
    overdue: d.status === 'open' && d.due < today,
    delegatedAt: d.delegated_at.toISOString(),
    ...(d.completed_at ? { completedAt: d.completed_at.toISOString() } : {}),
  };
}

/**
 * What a sub-unit's link shows: the task's title and its lead unit (to whom it answers), and its own
 * parts with its own reports on them. Nothing else of the task: not its record, evidence or notices.
 */
export async function delegationView(ctx: ConsoleContext, access: DelegationAccess) {
  const { link } = access;
  const now = await ctx.now();
  const [campaign, task, events] = await Promise.all([
    requireCampaign(ctx, link.campaignId),
    findTask(ctx.db, link.campaignId, link.taskId, now),
    listTaskEvents(ctx.db, link.campaignId, link.taskId),
  ]);
  if (!task) throw new HttpProblem(404, 'NotFound', '该链接对应的转办事项不存在');
  const today = civilDateAt(now.toISOString(), campaign.timeZone);
  const name = (id: string) => (id === link.unitId ? access.unitName : id);
  const reports = events.filter(
    (e) => (e.kind === 'delegationProgress' || e.kind === 'delegationCompleted') && e.actor === link.unitId,
  );
  return {
    campaignId: link.campaignId,
    campaignTitle: campaign.title,
    officeName: campaign.definition.office.name,
    unit: { id: link.unitId, name: access.unitName },
    expiresAt: link.expiresAt.toISOString(),
    task: { id: task.id, title: task.title, leadUnitName: task.leadUnitName },
    delegations: access.delegations.map((d) => ({
      ...delegationItem(d, today, name),
      reports: reports
        .filter((e) => e.detail.seq === d.seq)
        .map((e) => ({
          at: e.occurred_at.toISOString(),
          done: e.kind === 'delegationCompleted',
          text: String(e.detail.text ?? ''),
          ...(typeof e.detail.by === 'string' ? { by: e.detail.by } : {}),
        })),
    })),
  };
}

/** A unit's monthly materials: the month, each form asked for (sent or not), and what it sent. */
export async function materialsView(ctx: ConsoleContext, access: MaterialsAccess) {
  const { link } = access;
  const month = await materialsMonth(ctx.db, link.campaignId, await ctx.now());
  const [status] = month ? await unitsMaterials(ctx.db, link.campaignId, month, [{ id: link.unitId, name: access.unitName }]) : [];
  return {
    campaignId: link.campaignId,
    campaignTitle: access.campaignTitle,
    officeName: access.officeName,
    unit: { id: link.unitId, name: access.unitName },
    expiresAt: link.expiresAt.toISOString(),
    ...(month ? { month } : {}),
    forms: (month?.forms ?? []).map((form) => ({
      form,
      formName: FORM_NAMES[form],
      submitted: status?.submitted.includes(form) ?? false,
      fileTypes: EVIDENCE_EXTENSIONS[form],
    })),
    submissions: status?.submissions ?? [],
    canSubmit: month !== undefined,
  };
}

/**
 * What one unit may send as monthly materials in one materials month (from the month's start to its
 * check): submissions and bytes. Four forms a month, corrections included, fit well within both; a
 * link passed on or a script cannot fill the database.
 */
export const MATERIALS_MONTHLY_QUOTA = { submissions: 30, bytes: 200 * 1024 * 1024 };

/** Refuses a submission past the unit's monthly quota: 429 for the count, 413 for the bytes. */
async function checkMaterialsQuota(ctx: ConsoleContext, access: MaterialsAccess, since: string, files: UploadedFile[]): Promise<void> {
  const used = await materialsUsageSince(ctx.db, access.link.campaignId, access.link.unitId, since);
  if (used.submissions + 1 > MATERIALS_MONTHLY_QUOTA.submissions) {
    throw new HttpProblem(
      429,
      'MaterialsQuota',
      `本单位本月已报送 ${used.submissions} 次每月材料，已达每月 ${MATERIALS_MONTHLY_QUOTA.submissions} 次的上限；如确需补报，请联系创建办`,
    );
  }
  const bytes = files.reduce((sum, f) => sum + f.data.length, 0);
  if (used.bytes + bytes > MATERIALS_MONTHLY_QUOTA.bytes) {
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    throw new HttpProblem(
      413,
      'MaterialsQuota',
      `本单位本月每月材料的文件已达 ${mb(used.bytes)} MB，加上本次 ${mb(bytes)} MB 超过每月 ${mb(MATERIALS_MONTHLY_QUOTA.bytes)} MB 的上限；请压缩文件，或联系创建办`,
    );
  }
}

/** Sends one form of the unit's materials of the current month; refused when no month takes any, or past the quota. */
async function sendMaterials(ctx: ConsoleContext, access: MaterialsAccess, body: unknown): Promise<number> {
  const now = await ctx.now();
  const month = await materialsMonth(ctx.db, access.link.campaignId, now);
  if (!month) throw new HttpProblem(409, 'NoMaterialsDue', '本活动当前没有需要报送的每月材料（活动已结束，或不要求每月报送）');
  await checkMaterialsQuota(ctx, access, month.from, uploadedFiles(body, 'files'));
  return submitMaterials(ctx.db, {
    campaignId: access.link.campaignId,
    unitId: access.link.unitId,
    forms: month.forms,
    form: formValue(body, 'form'),
    text: formValue(body, 'text'),
    by: byLabel(formValue(body, 'by')),
    files: uploadedFiles(body, 'files'),
    now,
  });
}

/**
 * Who at the unit acted (签收人, 报送人, 申请人): a display label only, the unit is the actor. Trimmed,
 * line breaks and control characters removed, at most MAX_NAME_CHARS (the forms' maxlength and
 * the API's schemas say the same); longer is refused (422), never cut.
 */
export function byLabel(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const label = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  const problem = tooLong(label, MAX_NAME_CHARS, '报送人');
  if (problem) throw new HttpProblem(422, 'TooLong', problem);
  return label || undefined;
}
const byField = { type: 'string', maxLength: MAX_NAME_CHARS, description: '办理人姓名，仅作显示（行为记在单位名下）' };

/** Where a task still takes a unit's reports (the workflow decides; this only hides forms it would refuse). */
const ACTIVE = ['assigned', 'acknowledged', 'inProgress'];

/**
 * What a unit may see of its task's record: what happened and when, the notices by number and title,
 * never who else got them. The lead unit also reads the texts (its own reports, the office's answers
 * to them) and who acted; a cooperating unit reads the steps only.
 */
/** The office's own records a unit does not see: who else could not be reached, and how. */
const OFFICE_ONLY_EVENTS = ['channelFailed'];

function portalTimeline(items: TimelineItem[], lead: boolean): TimelineItem[] {
  return items.filter((item) => !OFFICE_ONLY_EVENTS.includes(item.kind)).map((item) => ({
    at: item.at,
    kind: item.kind,
    label: item.label,
    ...(lead && item.actor ? { actor: item.actor } : {}),
    ...(item.planned ? { planned: item.planned } : {}),
    ...(item.documentNumber ? { documentNumber: item.documentNumber } : {}),
    ...(() => {
      const text = item.kind.startsWith('notice.') ? (item.detail.title as string | undefined) : lead ? item.text : undefined;
      return text ? { text } : {};
    })(),
    detail: {},
  }));
}

/**
 * What a unit's link shows, field by field (the API's PortalView allows nothing else): the task's
 * title, description, deadline, state and rung, the clock, the record's steps (portalTimeline), the
 * evidence it may download (the lead unit: the task's; another unit: its own), and for the lead unit
 * its extension requests with the office's answers. No addresses, no office comments on other
 * units, nothing of the workflow's own state.
 */
export async function portalView(ctx: ConsoleContext, access: PortalAccess) {
  const { link } = access;
  const detail = await taskDetail(ctx, link.campaignId, link.taskId);
  const status = detail.task.status;
  const lead = access.role === 'lead';
  const unitNames = new Map(detail.campaign.definition.units.map((u) => [u.id, u.name]));
  const t = detail.task;
  const extensions = detail.live?.extensions ?? [];
  // 转办: the lead unit sees what it handed down and to whom it may hand more.
  const units = detail.campaign.definition.units;
  const [delegations, parents] = lead
    ? await Promise.all([delegationsOfTask(ctx.db, link.campaignId, link.taskId), parentsOfUnits(ctx.db, link.campaignId, units)])
    : [[], new Map<string, string>()];
  const today = civilDateAt((await ctx.now()).toISOString(), detail.campaign.timeZone);
  const subUnits = units.filter((u) => parents.get(u.id) === link.unitId).map((u) => ({ id: u.id, name: u.name }));
  return {
    campaignId: link.campaignId,
    campaignTitle: detail.campaign.title,
    officeName: detail.campaign.definition.office.name,
    unit: { id: link.unitId, name: access.unitName, role: access.role },
    expiresAt: link.expiresAt.toISOString(),
    task: {
      id: t.id,
      title: t.title,
      leadUnitName: t.leadUnitName,
      cooperatingUnitNames: t.cooperatingUnits.map((id) => unitNames.get(id) ?? id),
      start: t.start,
      deadline: t.deadline,
      status: t.status,
      statusName: t.statusName,
      rung: t.rung,
      rungName: t.rungName,
      overdue: t.overdue,
      ...(t.deadlineAt ? { deadlineAt: t.deadlineAt } : {}),
    },
    description: t.description,
    clock: detail.clock as Clock,
    timeline: portalTimeline(detail.timeline, lead),
    evidence: detail.evidence.filter((e) => e.unitId === link.unitId || lead),
    extensions: lead ? extensions.map(extensionView) : [],
    delegations: delegations.map((d) => delegationItem(d, today, (id) => unitNames.get(id) ?? id)),
    subUnits,
    actions: {
      delegate: lead && ACTIVE.includes(status) && subUnits.length > 0,
      acknowledge: lead && status === 'assigned',
      reportProgress: lead && ACTIVE.includes(status),
      submitEvidence: lead && (status === 'acknowledged' || status === 'inProgress'),
      requestExtension: lead && ACTIVE.includes(status) && !extensions.some((e) => e.status === 'pending'),
    },
  };
}

function extensionView(e: TaskState['extensions'][number]) {
  return {
    seq: e.seq,
    requestedAt: e.requestedAt,
    requestedDeadline: e.requestedDeadline,
    reason: e.reason,
    status: e.status,
    ...(e.decidedAt ? { decidedAt: e.decidedAt } : {}),
    ...(e.comment ? { comment: e.comment } : {}),
    ...(e.newDeadline ? { newDeadline: e.newDeadline } : {}),
  };
}

/** The task as the lead unit's action leaves it (PortalTaskState): its state, not the workflow's record. */
export function portalTaskState(
  state: Pick<TaskState, 'taskId' | 'status' | 'rung' | 'rungName' | 'deadline' | 'deadlineAt' | 'acknowledgedAt' | 'lastProgressAt' | 'closedAt'> & {
    extensions?: TaskState['extensions'];
  },
) {
  const optional = { deadline: state.deadline, deadlineAt: state.deadlineAt, acknowledgedAt: state.acknowledgedAt, lastProgressAt: state.lastProgressAt, closedAt: state.closedAt };
  return {
    taskId: state.taskId,
    status: state.status,
    statusName: statusName(state.status),
    rung: state.rung,
    rungName: state.rungName || rungName(state.rung),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => typeof v === 'string' && v !== '')),
    extensions: (state.extensions ?? []).map(extensionView),
  };
}

function uploadedFiles(body: unknown, key: string): UploadedFile[] {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list
    .filter((v): v is { fileName: string; data: Buffer } => Boolean(v) && typeof v === 'object' && Buffer.isBuffer((v as { data?: unknown }).data))
    .filter((v) => v.data.length > 0 || v.fileName)
    .map((v) => ({ fileName: v.fileName ?? '', data: v.data }));
}

const DONE: Record<string, string> = {
  acknowledged: '已签收。请按时报送工作进展。',
  progress: '进展已报送。',
  evidence: '佐证材料已提交，等待创建办核查。',
  interim: '阶段性材料已报送。',
  extension: '延期申请已提交，等待创建办审批。',
  materials: '材料已报送，将计入本月的每月报送。',
  delegated: '已转办，下级单位将收到转办通知和办理链接。',
  delegationProgress: '办理进展已报送牵头单位。',
  delegationCompleted: '办理结果已报送牵头单位。',
};

export const portalRateLimit = {
  max: 30,
  timeWindow: 60_000,
  keyGenerator: (request: FastifyRequest) => `portal:${(request.params as { token?: string }).token ?? request.ip}`,
};

export function registerPortalRoutes(app: FastifyInstance): void {
  const ctx = app.console;

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    access: PortalAccess,
    flash?: { kind: 'ok' | 'error' | 'info'; text: string },
    form: Record<string, string> = {},
  ) => {
    const view = await portalView(ctx, access);
    return page(app, request, reply, 'portal', { title: view.task.title, bare: true, flash }, {
      ...view,
      token,
      form,
      forms: EVIDENCE_FORMS,
      fileTypes: EVIDENCE_EXTENSIONS,
      maxFiles: MAX_EVIDENCE_FILES,
      maxMb: MAX_EVIDENCE_FILE_BYTES / 1024 / 1024,
    });
  };

  const renderMaterials = async (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    access: MaterialsAccess,
    flash?: { kind: 'ok' | 'error' | 'info'; text: string },
    form: Record<string, string> = {},
  ) => {
    const view = await materialsView(ctx, access);
    const title = view.month ? `${view.month.label}每月报送材料` : '每月报送材料';
    return page(app, request, reply, 'portal-materials', { title, bare: true, flash }, {
      ...view,
      token,
      form,
      maxFiles: MAX_EVIDENCE_FILES,
      maxMb: MAX_EVIDENCE_FILE_BYTES / 1024 / 1024,
      maxText: MAX_MATERIALS_TEXT,
    });
  };

  const renderDelegation = async (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    access: DelegationAccess,
    flash?: { kind: 'ok' | 'error' | 'info'; text: string },
    form: Record<string, string> = {},
  ) => {
    const view = await delegationView(ctx, access);
    return page(app, request, reply, 'portal-delegation', { title: `转办事项：${view.task.title}`, bare: true, flash }, { ...view, token, form });
  };

  /** Runs a unit's action; a refusal re-renders the page with the reason and the form as typed. */
  const act = async (
    request: FastifyRequest,
    reply: FastifyReply,
    done: string | (() => string),
    run: (access: PortalAccess, by: string | undefined) => Promise<unknown>,
  ) => {
    const { token } = request.params as { token: string };
    const access = await portalAccess(ctx, token);
    const body = request.body as Record<string, unknown> | undefined;
    try {
      if (access.role !== 'lead') throw new HttpProblem(403, 'WrongUnit', '只有责任单位可以办理此任务；配合单位请与责任单位联系');
      await run(access, byLabel(formValue(body, 'by')));
      return reply.redirect(`/u/${token}?done=${typeof done === 'string' ? done : done()}`, 303);
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem || problem.statusCode === 404) throw error;
      reply.code(problem.statusCode);
      const form = Object.fromEntries(
        ['by', 'text', 'form', 'interim', 'until', 'workingDays', 'reason', 'subUnitId', 'part', 'due'].map((k) => [k, formValue(body, k)]),
      );
      return render(request, reply, token, access, { kind: 'error', text: problem.message }, form);
    }
  };

  const post = { preHandler: app.csrfProtection, config: { rateLimit: portalRateLimit } };
  // Uploads: the link (and, for evidence, that it is the lead unit's) and the CSRF token are
  // checked before the body is read; the token rides in the form action's query (web/uploads.ts).
  const taskUpload = async (request: FastifyRequest) => {
    const access = await portalAccess(ctx, (request.params as { token: string }).token);
    if (access.role !== 'lead') throw new HttpProblem(403, 'WrongUnit', '只有责任单位可以办理此任务；配合单位请与责任单位联系');
  };
  const materialsUpload = async (request: FastifyRequest) => {
    await materialsAccess(ctx, (request.params as { token: string }).token);
  };
  const uploadPost = (check: (request: FastifyRequest) => Promise<void>) => ({
    onRequest: [check, app.csrfProtection],
    config: { rateLimit: portalRateLimit },
  });

  app.get('/u/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const done = DONE[(request.query as { done?: string }).done ?? ''];
    const flash = done ? { kind: 'ok' as const, text: done } : undefined;
    reply.header('Cache-Control', 'no-store');
    const { scope } = await checkedLink(ctx, token);
    if (scope === 'materials') return renderMaterials(request, reply, token, await materialsAccess(ctx, token), flash);
    if (scope === 'delegation') return renderDelegation(request, reply, token, await delegationAccess(ctx, token), flash);
    if (scope === 'points') return reply.redirect(`/u/${token}/points`, 303);
    return render(request, reply, token, await portalAccess(ctx, token), flash);
  });

  /** 转办: the lead unit hands part of its task to one of its sub-units. */
  app.post('/u/:token/delegate', post, async (request, reply) =>
    act(request, reply, 'delegated', (a, by) =>
      delegate(ctx.temporal, a.link.campaignId, a.link.taskId, {
        unitId: a.link.unitId,
        subUnitId: formValue(request.body, 'subUnitId'),
        part: formValue(request.body, 'part'),
        due: formValue(request.body, 'due').trim(),
        by,
      }),
    ),
  );

  /** The sub-unit's report on what it was handed (进展, or 办结): to the lead unit, on the task's record. */
  app.post('/u/:token/delegation', post, async (request, reply) => {
    const { token } = request.params as { token: string };
    const access = await delegationAccess(ctx, token);
    const body = request.body as Record<string, unknown> | undefined;
    const done = formValue(body, 'done') === '1';
    try {
      const seq = Number(formValue(body, 'seq'));
      if (!access.delegations.some((d) => d.seq === seq)) throw new HttpProblem(422, 'InvalidInput', '请选择要报送的转办事项');
      await reportDelegation(ctx.temporal, access.link.campaignId, access.link.taskId, {
        unitId: access.link.unitId,
        seq,
        text: formValue(body, 'text'),
        done,
        by: byLabel(formValue(body, 'by')),
      });
      return reply.redirect(`/u/${token}?done=${done ? 'delegationCompleted' : 'delegationProgress'}`, 303);
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem || problem.statusCode === 404) throw error;
      reply.code(problem.statusCode);
      const form = Object.fromEntries(['by', 'text', 'seq', 'done'].map((k) => [k, formValue(body, k)]));
      return renderDelegation(request, reply, token, access, { kind: 'error', text: problem.message }, form);
    }
  });

  /** 每月定时报送 without a task: one form's files and 说明, written to the record directly. */
  withUploads(app, (uploads) => uploads.post('/u/:token/materials', uploadPost(materialsUpload), async (request, reply) => {
    const { token } = request.params as { token: string };
    const access = await materialsAccess(ctx, token);
    const body = request.body;
    try {
      await sendMaterials(ctx, access, body);
      return reply.redirect(`/u/${token}?done=materials`, 303);
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem || problem.statusCode === 404) throw error;
      reply.code(problem.statusCode);
      const form = Object.fromEntries(['by', 'text', 'form'].map((k) => [k, formValue(body, k)]));
      return renderMaterials(request, reply, token, access, { kind: 'error', text: problem.message }, form);
    }
  }));

  app.post('/u/:token/acknowledge', post, async (request, reply) =>
    act(request, reply, 'acknowledged', (a, by) =>
      acknowledge(ctx.temporal, a.link.campaignId, a.link.taskId, { unitId: a.link.unitId, by }),
    ),
  );

  app.post('/u/:token/progress', post, async (request, reply) =>
    act(request, reply, 'progress', (a, by) =>
      reportProgress(ctx.temporal, a.link.campaignId, a.link.taskId, {
        unitId: a.link.unitId,
        text: formValue(request.body, 'text'),
        by,
      }),
    ),
  );

  withUploads(app, (uploads) => uploads.post('/u/:token/evidence', uploadPost(taskUpload), async (request, reply) => {
    const interim = formValue(request.body, 'interim') === '1';
    return act(request, reply, interim ? 'interim' : 'evidence', (a, by) => {
      const form = formValue(request.body, 'form') as EvidenceForm;
      if (!EVIDENCE_FORMS.includes(form)) throw new HttpProblem(422, 'EvidenceForm', '请选择材料形式');
      return submitEvidence(ctx.db, ctx.temporal, a.link.campaignId, a.link.taskId, {
        unitId: a.link.unitId,
        form,
        text: formValue(request.body, 'text'),
        interim,
        by,
        files: uploadedFiles(request.body, 'files'),
      });
    });
  }));

  app.post('/u/:token/extension', post, async (request, reply) =>
    act(request, reply, 'extension', (a, by) => {
      const until = formValue(request.body, 'until').trim();
      const days = formValue(request.body, 'workingDays').trim();
      return requestExtension(ctx.temporal, a.link.campaignId, a.link.taskId, {
        unitId: a.link.unitId,
        reason: formValue(request.body, 'reason'),
        ...(until ? { until } : {}),
        ...(days ? { workingDays: Number(days) } : {}),
        by,
      });
    }),
  );

  app.get('/u/:token/evidence/:fileId', async (request, reply) => {
    const { token, fileId } = request.params as { token: string; fileId: string };
    // A task link reaches its task's files that its unit uploaded, or all of them for the task's
    // current lead unit (a cooperating unit or a former lead cannot read the lead's files); a
    // materials link its own unit's materials (no task).
    const reaches =
      (await checkedLink(ctx, token)).scope === 'materials'
        ? await materialsAccess(ctx, token).then(({ link }) => (f: { campaign_id: string; task_id: string | null; unit_id: string }) =>
            f.campaign_id === link.campaignId && f.task_id === null && f.unit_id === link.unitId)
        : await portalAccess(ctx, token).then(({ link, role }) => (f: { campaign_id: string; task_id: string | null; unit_id: string }) =>
            f.campaign_id === link.campaignId && f.task_id === link.taskId && (role === 'lead' || f.unit_id === link.unitId));
    const file = await readEvidenceFile(ctx.db, fileId);
    if (!file || !reaches(file)) {
      throw new HttpProblem(404, 'NotFound', '文件不存在');
    }
    return attachment(reply, file.file_name, file.content_type, file.content, INLINE_TYPES.has(file.content_type));
  });

  // ------------------------------------------------------------------ the same as JSON
  const tokenParam = {
    type: 'object',
    properties: { token: { type: 'string', maxLength: 1024, description: '邮件链接中的签名令牌' } },
    required: ['token'],
  };
  /** A multipart upload of one evidence form with its files (task evidence, monthly materials): checked by hand, as files are not JSON. */
  const uploadRoute = (summary: string, answer: object, fields: Record<string, object>) => ({
    config: { rateLimit: portalRateLimit },
    validatorCompiler: () => () => true,
    schema: {
      tags: ['portal'],
      summary,
      consumes: ['multipart/form-data'],
      params: tokenParam,
      body: {
        type: 'object',
        properties: {
          form: { type: 'string', enum: [...EVIDENCE_FORMS], description: '正式发文 document、图片资料 photo、说明报告 report、数据表格 dataTable' },
          ...fields,
          files: { type: 'array', items: { type: 'string', format: 'binary' }, maxItems: MAX_EVIDENCE_FILES },
        },
        required: ['form'],
      },
      response: { 200: answer, ...problems(403, 404, 409, 413, 415, 422, 429) },
    },
  });
  const jsonAct = async <T>(request: FastifyRequest, run: (access: PortalAccess) => Promise<T>): Promise<T> => {
    const access = await portalAccess(ctx, (request.params as { token: string }).token);
    if (access.role !== 'lead') throw new HttpProblem(403, 'WrongUnit', '只有责任单位可以办理此任务');
    return run(access);
  };

  app.get(
    '/api/portal/:token',
    {
      schema: {
        tags: ['portal'],
        summary: '责任单位查看任务',
        params: tokenParam,
        response: { 200: ref('PortalView'), ...problems(403, 404) },
      },
    },
    async (request) => portalView(ctx, await portalAccess(ctx, (request.params as { token: string }).token)),
  );

  app.post(
    '/api/portal/:token/acknowledge',
    {
      config: { rateLimit: portalRateLimit },
      schema: {
        tags: ['portal'],
        summary: '签收',
        params: tokenParam,
        body: { type: 'object', properties: { by: byField }, additionalProperties: false },
        response: { 200: ref('PortalActionResult'), ...problems(400, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const state = await jsonAct(request, (a) =>
        acknowledge(ctx.temporal, a.link.campaignId, a.link.taskId, { unitId: a.link.unitId, by: byLabel((request.body as { by?: string } | undefined)?.by) }),
      );
      return { task: portalTaskState(state) };
    },
  );

  app.post(
    '/api/portal/:token/progress',
    {
      config: { rateLimit: portalRateLimit },
      schema: {
        tags: ['portal'],
        summary: '报送进展',
        params: tokenParam,
        body: {
          type: 'object',
          properties: { text: textField, by: byField },
          required: ['text'],
          additionalProperties: false,
        },
        response: { 200: ref('PortalActionResult'), ...problems(400, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const body = request.body as { text: string; by?: string };
      const state = await jsonAct(request, (a) =>
        reportProgress(ctx.temporal, a.link.campaignId, a.link.taskId, { unitId: a.link.unitId, text: body.text, by: byLabel(body.by) }),
      );
      return { task: portalTaskState(state) };
    },
  );

  withUploads(app, (uploads) => uploads.post(
    '/api/portal/:token/evidence',
    {
      onRequest: taskUpload,
      ...uploadRoute('上传佐证材料（multipart/form-data：form、description、by、files）', ref('PortalActionResult'), {
        text: { ...textField, description: '说明' },
        interim: { type: 'string', enum: ['0', '1'], description: '1：阶段性材料，不申请核查' },
        by: byField,
      }),
    },
    async (request) => {
      if (!request.isMultipart()) throw new HttpProblem(415, 'UnsupportedMediaType', '请以 multipart/form-data 上传文件');
      const form = formValue(request.body, 'form') as EvidenceForm;
      if (!EVIDENCE_FORMS.includes(form)) throw new HttpProblem(422, 'EvidenceForm', '请选择材料形式（document、photo、report、dataTable）');
      const state = await jsonAct(request, (a) =>
        submitEvidence(ctx.db, ctx.temporal, a.link.campaignId, a.link.taskId, {
          unitId: a.link.unitId,
          form,
          text: formValue(request.body, 'text'),
          interim: formValue(request.body, 'interim') === '1',
          by: byLabel(formValue(request.body, 'by')),
          files: uploadedFiles(request.body, 'files'),
        }),
      );
      return { task: portalTaskState(state) };
    },
  ));

  app.post(
    '/api/portal/:token/extension',
    {
      config: { rateLimit: portalRateLimit },
      schema: {
        tags: ['portal'],
        summary: '申请延期：延期到的日期（until）或延期的工作日数（workingDays），二选一',
        params: tokenParam,
        body: {
          type: 'object',
          properties: {
            until: { type: 'string', format: 'date' },
            workingDays: { type: 'integer', minimum: 1, maximum: 120 },
            reason: textField,
            by: byField,
          },
          required: ['reason'],
          additionalProperties: false,
        },
        response: { 200: ref('PortalActionResult'), ...problems(400, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const body = request.body as { until?: string; workingDays?: number; reason: string; by?: string };
      const state = await jsonAct(request, (a) =>
        requestExtension(ctx.temporal, a.link.campaignId, a.link.taskId, { unitId: a.link.unitId, ...body, by: byLabel(body.by) }),
      );
      return { task: portalTaskState(state) };
    },
  );

  // ------------------------------------------------------------------ monthly materials as JSON
  app.get(
    '/api/portal/:token/materials',
    {
      schema: {
        tags: ['portal'],
        summary: '责任单位查看本月应报送的材料（催报通知中的报送链接，无需任务）',
        params: tokenParam,
        response: { 200: ref('MaterialsPortalView'), ...problems(403, 404) },
      },
    },
    async (request) => materialsView(ctx, await materialsAccess(ctx, (request.params as { token: string }).token)),
  );

  withUploads(app, (uploads) => uploads.post(
    '/api/portal/:token/materials',
    {
      onRequest: materialsUpload,
      ...uploadRoute('报送每月材料（multipart/form-data：form、text、by、files），不经任务，直接计入本月报送', ref('MaterialsPortalView'), {
        text: { type: 'string', maxLength: MAX_MATERIALS_TEXT, description: '说明；无文件时必填' },
        by: byField,
      }),
    },
    async (request) => {
      if (!request.isMultipart()) throw new HttpProblem(415, 'UnsupportedMediaType', '请以 multipart/form-data 上传文件');
      const access = await materialsAccess(ctx, (request.params as { token: string }).token);
      await sendMaterials(ctx, access, request.body);
      return materialsView(ctx, access);
    },
  ));
}
