// The unit portal: a signed link from an email opens one task for one unit. No account; the link's
// signature and expiry are the whole authority, and it reaches nothing but its own task.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readEvidenceFile } from '../../db/users.js';
import { EVIDENCE_FORMS as FORM_NAMES, type EvidenceForm } from '../../domain/task-state.js';
import { verifyUnitLink, type UnitLink } from '../../activities/unit-links.js';
import type { ConsoleContext } from '../server.js';
import {
  acknowledge,
  EVIDENCE_EXTENSIONS,
  HttpProblem,
  INLINE_TYPES,
  MAX_EVIDENCE_FILES,
  MAX_EVIDENCE_FILE_BYTES,
  problemFrom,
  reportProgress,
  requestExtension,
  submitEvidence,
  type UploadedFile,
} from '../api/actions.js';
import { stateView, taskDetail, type Clock } from '../api/compose.js';
const EVIDENCE_FORMS = Object.keys(FORM_NAMES) as EvidenceForm[];
import type { TimelineItem } from '../api/read-model.js';
import { problems, ref } from '../api/schemas.js';
import { attachment } from './download.js';
import { formValue } from './pages.js';
import { page } from './views.js';

export interface PortalAccess {
  link: UnitLink;
  role: 'lead' | 'cooperating' | 'other';
  unitName: string;
}

/** Checks a link and what it points at; a refused link is 403, a task that is gone 404. */
export async function portalAccess(ctx: ConsoleContext, token: string): Promise<PortalAccess> {
  const check = verifyUnitLink(token, ctx.linkSecret, await ctx.now());
  if (!check.ok) {
    throw new HttpProblem(403, check.problem === 'expired' ? 'LinkExpired' : 'LinkInvalid', check.message);
  }
  const { link } = check;
  const { rows } = await ctx.db.query<{ lead_unit: string; cooperating_units: string[]; unit_name: string | null }>(
    `SELECT t.lead_unit, t.cooperating_units, u.name AS unit_name FROM tasks t
     LEFT JOIN units u ON u.campaign_id = t.campaign_id AND u.id = $3
     WHERE t.campaign_id = $1 AND t.id = $2`,
    [link.campaignId, link.taskId, link.unitId],
  );
  if (!rows[0]) throw new HttpProblem(404, 'NotFound', '该链接对应的任务不存在');
  if (rows[0].unit_name === null) throw new HttpProblem(403, 'LinkInvalid', '该链接对应的单位不存在');
  const role = rows[0].lead_unit === link.unitId ? 'lead' : rows[0].cooperating_units.includes(link.unitId) ? 'cooperating' : 'other';
  return { link, role, unitName: rows[0].unit_name };
}

/** Where a task still takes a unit's reports (the workflow decides; this only hides forms it would refuse). */
const ACTIVE = ['assigned', 'acknowledged', 'inProgress'];

/** What a unit may see of its task: the events and notices, not who else got them. */
function portalTimeline(items: TimelineItem[]): TimelineItem[] {
  return items.map((item) => ({
    at: item.at,
    kind: item.kind,
    label: item.label,
    actor: item.actor,
    planned: item.planned,
    documentNumber: item.documentNumber,
    text: item.kind.startsWith('notice.') ? (item.detail.title as string | undefined) : item.text,
    detail: {},
  }));
}

export async function portalView(ctx: ConsoleContext, access: PortalAccess) {
  const { link } = access;
  const detail = await taskDetail(ctx, link.campaignId, link.taskId);
  const status = detail.task.status;
  const lead = access.role === 'lead';
  return {
    campaignId: link.campaignId,
    campaignTitle: detail.campaign.title,
    officeName: detail.campaign.definition.office.name,
    unit: { id: link.unitId, name: access.unitName, role: access.role },
    expiresAt: link.expiresAt.toISOString(),
    task: detail.task,
    description: detail.task.description,
    live: detail.live,
    clock: detail.clock as Clock,
    timeline: portalTimeline(detail.timeline),
    evidence: detail.evidence.filter((e) => e.unitId === link.unitId || lead),
    extensions: (detail.live?.extensions ?? []).map((e) => ({
      seq: e.seq,
      requestedAt: e.requestedAt,
      requestedDeadline: e.requestedDeadline,
      reason: e.reason,
      status: e.status,
      decidedAt: e.decidedAt,
      comment: e.comment,
      newDeadline: e.newDeadline,
    })),
    actions: {
      acknowledge: lead && status === 'assigned',
      reportProgress: lead && ACTIVE.includes(status),
      submitEvidence: lead && (status === 'acknowledged' || status === 'inProgress'),
      requestExtension: lead && ACTIVE.includes(status) && !(detail.live?.extensions ?? []).some((e) => e.status === 'pending'),
    },
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
};

const portalRateLimit = {
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
    const by = formValue(body, 'by').trim() || undefined;
    try {
      if (access.role !== 'lead') throw new HttpProblem(403, 'WrongUnit', '只有责任单位可以办理此任务；配合单位请与责任单位联系');
      await run(access, by);
      return reply.redirect(`/u/${token}?done=${typeof done === 'string' ? done : done()}`, 303);
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem || problem.statusCode === 404) throw error;
      reply.code(problem.statusCode);
      const form = Object.fromEntries(['by', 'text', 'form', 'interim', 'until', 'workingDays', 'reason'].map((k) => [k, formValue(body, k)]));
      return render(request, reply, token, access, { kind: 'error', text: problem.message }, form);
    }
  };

  const post = { preHandler: app.csrfProtection, config: { rateLimit: portalRateLimit } };

  app.get('/u/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const access = await portalAccess(ctx, token);
    const done = DONE[(request.query as { done?: string }).done ?? ''];
    reply.header('Cache-Control', 'no-store');
    return render(request, reply, token, access, done ? { kind: 'ok', text: done } : undefined);
  });

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

  app.post('/u/:token/evidence', post, async (request, reply) => {
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
  });

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
    const access = await portalAccess(ctx, token);
    const file = await readEvidenceFile(ctx.db, fileId);
    if (!file || file.campaign_id !== access.link.campaignId || file.task_id !== access.link.taskId) {
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
        body: { type: 'object', properties: { by: { type: 'string', maxLength: 100 } }, additionalProperties: false },
        response: { 200: ref('ActionResult'), ...problems(403, 404, 409, 422) },
      },
    },
    async (request) => {
      const state = await jsonAct(request, (a) =>
        acknowledge(ctx.temporal, a.link.campaignId, a.link.taskId, { unitId: a.link.unitId, by: (request.body as { by?: string } | undefined)?.by }),
      );
      return { task: stateView(state) };
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
          properties: { text: { type: 'string', maxLength: 10_000 }, by: { type: 'string', maxLength: 100 } },
          required: ['text'],
          additionalProperties: false,
        },
        response: { 200: ref('ActionResult'), ...problems(400, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const body = request.body as { text: string; by?: string };
      const state = await jsonAct(request, (a) =>
        reportProgress(ctx.temporal, a.link.campaignId, a.link.taskId, { unitId: a.link.unitId, text: body.text, by: body.by }),
      );
      return { task: stateView(state) };
    },
  );

  app.post(
    '/api/portal/:token/evidence',
    {
      config: { rateLimit: portalRateLimit },
      // Multipart: checked by hand below (files are not JSON).
      validatorCompiler: () => () => true,
      schema: {
        tags: ['portal'],
        summary: '上传佐证材料（multipart/form-data：form、description、by、files）',
        consumes: ['multipart/form-data'],
        params: tokenParam,
        body: {
          type: 'object',
          properties: {
            form: { type: 'string', enum: [...EVIDENCE_FORMS], description: '正式发文 document、图片资料 photo、说明报告 report、数据表格 dataTable' },
            text: { type: 'string', description: '说明' },
            interim: { type: 'string', enum: ['0', '1'], description: '1：阶段性材料，不申请核查' },
            by: { type: 'string' },
            files: { type: 'array', items: { type: 'string', format: 'binary' }, maxItems: MAX_EVIDENCE_FILES },
          },
          required: ['form'],
        },
        response: { 200: ref('ActionResult'), ...problems(403, 404, 409, 413, 415, 422) },
      },
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
          by: formValue(request.body, 'by') || undefined,
          files: uploadedFiles(request.body, 'files'),
        }),
      );
      return { task: stateView(state) };
    },
  );

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
            reason: { type: 'string', maxLength: 2000 },
            by: { type: 'string', maxLength: 100 },
          },
          required: ['reason'],
          additionalProperties: false,
        },
        response: { 200: ref('ActionResult'), ...problems(400, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const body = request.body as { until?: string; workingDays?: number; reason: string; by?: string };
      const state = await jsonAct(request, (a) =>
        requestExtension(ctx.temporal, a.link.campaignId, a.link.taskId, { unitId: a.link.unitId, ...body }),
      );
      return { task: stateView(state) };
    },
  );
}
