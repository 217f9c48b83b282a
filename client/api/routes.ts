// The JSON API: everything the console does, for other programs. Described at /api/openapi.json.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TaskUpdateResult } from '../../workflows/messages.js';
import { requireAdmin, requireUser } from '../web/auth.js';
import { TASK_STATUSES } from '../../domain/task-state.js';
import {
  addTask,
  decideExtension,
  endCampaign,
  enterScores,
  newTaskId,
  reassign,
  recordRefusal,
  registerComplaint,
  startCampaignFromYaml,
  validateDefinitionYaml,
  verify,
  withdraw,
} from './actions.js';
import { HttpProblem } from './problems.js';
import { campaignOverview, requireCampaign, stateView, taskDetail } from './compose.js';
import { importPlanForReview } from './plan-import.js';
import { docxAvailable, noticeDocument } from './documents.js';
import { ledgerFileName, ledgerWorkbook } from './ledger.js';
import { assessments, dashboard, findMail, findNotice, findTask, listCampaigns, listMail, listNotices, listTasks, todayIn } from './read-model.js';
import { idField, problems, reasonsField, ref, textField } from './schemas.js';
import { attachment, pointPhotoReply } from '../web/download.js';
import { withUploads } from '../web/uploads.js';
import { revokeUnitLinks } from '../../db/unit-links.js';
import { findInspection, findPointPhoto, listInspections, listPoints } from '../../db/inspections.js';
import { inspectionKindOf, inspectionKindProblem, POINT_SHEET } from '../../domain/inspections.js';
import { addPointPhotos, enterInspection, InspectionImportError, type PointRecordInput } from '../../services/inspections.js';
import { dispatchInspection } from '../inspections.js';
import { files, numberParam, POINT_UPLOAD_LIMITS } from '../web/inspections.js';
import { MAX_PHOTO_BYTES } from '../../services/photos.js';

const campaignParam = {
  type: 'object',
  properties: { campaignId: { type: 'string', maxLength: 64 } },
  required: ['campaignId'],
} as const;
const taskParams = {
  type: 'object',
  properties: { campaignId: { type: 'string', maxLength: 64 }, taskId: { type: 'string', maxLength: 64 } },
  required: ['campaignId', 'taskId'],
} as const;
const paging = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  offset: { type: 'integer', minimum: 0, default: 0 },
} as const;

const read = [{ session: [] }];
const by = (request: FastifyRequest) => request.user!.displayName || request.user!.name;
const write = [{ session: [], csrf: [] }];

function requireJson(request: FastifyRequest): void {
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new HttpProblem(415, 'UnsupportedMediaType', '请以 application/json 提交');
}

export function registerApiRoutes(app: FastifyInstance): void {
  const ctx = app.console;
  const reader = { preHandler: requireUser };
  const writer = { preHandler: [requireAdmin, app.csrfProtection] };

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // ------------------------------------------------------------------ campaigns
  app.get(
    '/api/campaigns',
    { ...reader, schema: { tags: ['campaigns'], summary: '创建活动列表', security: read, response: { 200: ref('CampaignList'), ...problems(401) } } },
    async () => ({ campaigns: await listCampaigns(ctx.db, await ctx.now()) }),
  );

  app.post(
    '/api/campaigns',
    {
      ...writer,
      schema: {
        tags: ['campaigns'],
        summary: '校验定义（YAML）并启动创建活动',
        security: write,
        body: {
          type: 'object',
          properties: {
            yaml: { type: 'string', maxLength: 2_000_000 },
            fileName: { type: 'string', maxLength: 200 },
            catchUp: {
              type: 'boolean',
              description: '开始日期已过时：true 立即补发已过日期的例行通知、截止已过的任务按逾期处理；默认自今天起施行（截止已过的任务则 422 DeadlinesLapsed）。活动期已结束的一律 422 PeriodEnded',
            },
          },
          required: ['yaml'],
          additionalProperties: false,
        },
        response: { 201: ref('StartedCampaign'), ...problems(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      requireJson(request);
      const { yaml, fileName, catchUp } = request.body as { yaml: string; fileName?: string; catchUp?: boolean };
      const started = await startCampaignFromYaml(ctx.temporal, yaml, fileName, { catchUp });
      return reply.code(201).send(started);
    },
  );

  app.post(
    '/api/definitions/validate',
    {
      ...writer,
      schema: {
        tags: ['campaigns'],
        summary: '只校验定义，不启动',
        security: write,
        body: {
          type: 'object',
          properties: { yaml: { type: 'string', maxLength: 2_000_000 }, fileName: { type: 'string', maxLength: 200 } },
          required: ['yaml'],
          additionalProperties: false,
        },
        response: { 200: ref('DefinitionCheck'), ...problems(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      requireJson(request);
      const { yaml, fileName } = request.body as { yaml: string; fileName?: string };
      const check = validateDefinitionYaml(yaml, fileName);
      return check.valid
        ? {
            valid: true,
            problems: [],
            id: check.definition.id,
            title: check.definition.title,
            taskCount: check.definition.tasks.length,
            unitCount: check.definition.units.length,
          }
        : { valid: false, problems: check.problems };
    },
  );

  app.get(
    '/api/campaigns/:campaignId',
    {
      ...reader,
      schema: {
        tags: ['campaigns'],
        summary: '创建活动概况：阶段、周期性工作、单位、看板',
        security: read,
        params: campaignParam,
        response: { 200: ref('Campaign'), ...problems(401, 404) },
      },
    },
    async (request) => {
      const overview = await campaignOverview(ctx, (request.params as { campaignId: string }).campaignId);
      return { ...overview, workflowStatus: overview.workflowStatus ?? 'UNKNOWN' };
    },
  );

  app.get(
    '/api/dashboard',
    {
      ...reader,
      schema: {
        tags: ['campaigns'],
        summary: '看板：各状态任务数、逾期任务、督办层级、单位红黄绿、临近时限',
        security: read,
        querystring: { type: 'object', properties: { campaign: { type: 'string', maxLength: 64 } } },
        response: { 200: ref('Dashboard'), ...problems(401, 404) },
      },
    },
    async (request) => {
      const campaign = (request.query as { campaign?: string }).campaign;
      if (campaign) await requireCampaign(ctx, campaign);
      return dashboard(ctx.db, await ctx.now(), campaign || undefined);
    },
  );

  app.post(
    '/api/campaigns/:campaignId/end',
    {
      ...writer,
      schema: {
        tags: ['campaigns'],
        summary: '结束创建活动：未完成的任务一律撤销、不再督办，向各责任单位和领导印发总结',
        description:
          '200：已结束。202：已受理，活动先等进行中的测评轮次评分窗口关闭，随后自行结束。' +
          '409：活动已结束或正在结束。422：没有写明结束原因（reason 必填）。',
        security: write,
        params: campaignParam,
        body: {
          type: 'object',
          properties: { reason: { type: 'string', maxLength: 2000, description: '结束原因（必填），写入总结和每项被撤销任务的记录' } },
          additionalProperties: false,
        },
        response: { 200: ref('CampaignEnd'), 202: ref('CampaignEnd'), ...problems(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request, reply) => {
      requireJson(request);
      const { campaignId } = request.params as { campaignId: string };
      await requireCampaign(ctx, campaignId);
      const { reason } = (request.body ?? {}) as { reason?: string };
      const end = await endCampaign(ctx.db, ctx.temporal, campaignId, { reason, by: by(request) });
      return reply.code(end.status === 'ended' ? 200 : 202).send(end);
    },
  );

  // ------------------------------------------------------------------ unit links
  app.post(
    '/api/campaigns/:campaignId/units/:unitId/links/revoke',
    {
      ...writer,
      schema: {
        tags: ['campaigns'],
        summary: '收回单位链接：此前发给该单位的链接（某项任务的，或不指定任务时全部任务和每月材料的）一律失效',
        description: '用于单位联系人变更或链接被转发。此后邮件中的新链接有效；管理员可在任务页复制新链接转交。',
        security: write,
        params: {
          type: 'object',
          properties: { campaignId: { type: 'string', maxLength: 64 }, unitId: { type: 'string', maxLength: 64 } },
          required: ['campaignId', 'unitId'],
        },
        body: {
          type: 'object',
          properties: {
            taskId: { type: 'string', maxLength: 64, description: '只收回该任务的链接' },
            reason: { type: 'string', maxLength: 200, description: '收回原因，如“联系人变更”' },
          },
          additionalProperties: false,
        },
        response: { 200: ref('RevokedLinks'), ...problems(400, 401, 403, 404, 415) },
      },
    },
    async (request) => {
      requireJson(request);
      const { campaignId, unitId } = request.params as { campaignId: string; unitId: string };
      await requireCampaign(ctx, campaignId);
      const body = (request.body ?? {}) as { taskId?: string; reason?: string };
      const revoked = await revokeUnitLinks(ctx.db, {
        campaignId,
        unitId,
        taskId: body.taskId,
        reason: body.reason?.trim() || `由 ${by(request)} 收回`,
        at: await ctx.now(),
      });
      if (!revoked) throw new HttpProblem(404, 'NotFound', body.taskId ? `单位或任务不存在：${unitId}、${body.taskId}` : `单位不存在：${unitId}`);
      return { campaignId, unitId, ...revoked };
    },
  );

  // ------------------------------------------------------------------ tasks
  app.get(
    '/api/campaigns/:campaignId/tasks',
    {
      ...reader,
      schema: {
        tags: ['tasks'],
        summary: '整治任务列表（可按状态、单位、是否逾期、关键词筛选，分页）',
        security: read,
        params: campaignParam,
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: Object.keys(TASK_STATUSES) },
            unit: { type: 'string', maxLength: 64 },
            overdue: { type: 'boolean' },
            q: { type: 'string', maxLength: 100 },
            ...paging,
          },
          additionalProperties: false,
        },
        response: { 200: ref('TaskList'), ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const { campaignId } = request.params as { campaignId: string };
      await requireCampaign(ctx, campaignId);
      const q = request.query as { status?: string; unit?: string; overdue?: boolean; q?: string; limit: number; offset: number };
      const result = await listTasks(ctx.db, campaignId, await ctx.now(), q);
      return { ...result, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/api/campaigns/:campaignId/tasks/:taskId',
    {
      ...reader,
      schema: {
        tags: ['tasks'],
        summary: '任务详情：时间线（每个事件、通知、回复与时限）与距下一个时限的时间',
        security: read,
        params: taskParams,
        response: { 200: ref('TaskDetail'), ...problems(401, 404) },
      },
    },
    async (request) => {
      const { campaignId, taskId } = request.params as { campaignId: string; taskId: string };
      const detail = await taskDetail(ctx, campaignId, taskId);
      return { task: detail.task, live: detail.live, clock: detail.clock, timeline: detail.timeline, evidence: detail.evidence };
    },
  );

  app.post(
    '/api/campaigns/:campaignId/tasks/:taskId/verify',
    {
      ...writer,
      schema: {
        tags: ['tasks'],
        summary: '核查：通过则销号，不通过则退回整改（须写明原因）',
        security: write,
        params: taskParams,
        body: {
          type: 'object',
          properties: {
            passed: { type: 'boolean' },
            comment: textField,
            reasons: reasonsField,
          },
          required: ['passed'],
          additionalProperties: false,
        },
        response: { 200: ref('ActionResult'), ...problems(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request) => {
      requireJson(request);
      const { campaignId, taskId } = request.params as { campaignId: string; taskId: string };
      const { passed, comment, reasons } = request.body as { passed: boolean; comment?: string; reasons?: string[] };
      const state = await verify(ctx.temporal, campaignId, taskId, {
        passed,
        ...(comment?.trim() ? { comment: comment.trim() } : {}),
        ...(reasons?.length ? { reasons } : {}),
        by: by(request),
      });
      return { task: stateView(state) };
    },
  );

  /** An administrator's update on a task, as JSON. */
  const taskUpdate = (
    path: string,
    summary: string,
    body: Record<string, unknown>,
    run: (campaignId: string, taskId: string, body: never, by: string) => Promise<TaskUpdateResult>,
  ) =>
    app.post(
      `/api/campaigns/:campaignId/tasks/:taskId/${path}`,
      {
        ...writer,
        schema: {
          tags: ['tasks'],
          summary,
          security: write,
          params: taskParams,
          body,
          response: { 200: ref('ActionResult'), ...problems(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (request) => {
        requireJson(request);
        const { campaignId, taskId } = request.params as { campaignId: string; taskId: string };
        return { task: stateView(await run(campaignId, taskId, request.body as never, by(request))) };
      },
    );

  taskUpdate(
    'extension-decision',
    '审批延期申请：同意（可另定日期 until）或不同意',
    {
      type: 'object',
      properties: {
        approved: { type: 'boolean' },
        until: { type: 'string', format: 'date' },
        comment: textField,
      },
      required: ['approved'],
      additionalProperties: false,
    },
    (c, t, b: { approved: boolean; until?: string; comment?: string }, by) => decideExtension(ctx.temporal, c, t, { ...b, by }),
  );
  taskUpdate(
    'reassign',
    '改派：改由另一单位牵头（原时限已过时须给出新的完成时限）',
    {
      type: 'object',
      properties: {
        unitId: idField,
        reason: textField,
        deadline: { type: 'string', format: 'date' },
      },
      required: ['unitId', 'reason'],
      additionalProperties: false,
    },
    (c, t, b: { unitId: string; reason: string; deadline?: string }, by) => reassign(ctx.temporal, c, t, { ...b, by }),
  );
  taskUpdate(
    'withdraw',
    '撤销任务',
    { type: 'object', properties: { reason: textField }, required: ['reason'], additionalProperties: false },
    (c, t, b: { reason: string }, by) => withdraw(ctx.temporal, c, t, { ...b, by }),
  );
  taskUpdate(
    'refusal',
    '记录拒不整改：督办直接升至阶梯中拒不整改对应的层级',
    { type: 'object', properties: { reason: textField }, required: ['reason'], additionalProperties: false },
    (c, t, b: { reason: string }, by) => recordRefusal(ctx.temporal, c, t, { ...b, by }),
  );


  app.post(
    '/api/campaigns/:campaignId/tasks',
    {
      ...writer,
      schema: {
        tags: ['tasks'],
        summary: '运行中新增整治任务（kind: task），或登记群众来信来访、媒体曝光（kind: complaint，从督办函起步、限期整改）',
        security: write,
        params: campaignParam,
        body: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: ['task', 'complaint'] },
            id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$', description: '任务编号；不填则自动生成' },
            title: { type: 'string', minLength: 1, maxLength: 200 },
            description: { type: 'string', maxLength: 10_000, description: '任务内容；投诉则为来信或报道的内容摘要' },
            leadUnit: { type: 'string', maxLength: 64 },
            cooperatingUnits: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 100 },
            start: { type: 'string', format: 'date', description: '新增任务的开始日期，默认今天' },
            deadline: { type: 'string', format: 'date', description: '新增任务的完成时限（投诉不填：按督办规则限期整改）' },
            source: { type: 'string', enum: ['citizen', 'media'], description: '投诉来源：群众来信来访 citizen、媒体曝光 media' },
            reference: { type: 'string', maxLength: 200, description: '投诉的来信编号或报道出处' },
          },
          required: ['kind', 'title', 'leadUnit'],
          additionalProperties: false,
        },
        response: { 201: ref('Task'), ...problems(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request, reply) => {
      requireJson(request);
      const { campaignId } = request.params as { campaignId: string };
      const campaign = await requireCampaign(ctx, campaignId);
      const b = request.body as {
        kind: 'task' | 'complaint';
        id?: string;
        title: string;
        description?: string;
        leadUnit: string;
        cooperatingUnits?: string[];
        start?: string;
        deadline?: string;
        source?: string;
        reference?: string;
      };
      const summary = b.description?.trim();
      let added: { taskId: string };
      if (b.kind === 'complaint') {
        added = await registerComplaint(ctx.temporal, campaignId, b);
      } else {
        if (!b.deadline) throw new HttpProblem(422, 'EmptyInput', '请填写完成时限');
        added = await addTask(ctx.temporal, campaignId, {
          id: b.id ?? newTaskId('task'),
          title: b.title,
          description: summary ?? '',
          leadUnit: b.leadUnit,
          cooperatingUnits: b.cooperatingUnits ?? [],
          start: b.start ?? todayIn(await ctx.now(), campaign.timeZone),
          deadline: b.deadline,
          indicators: [],
        });
      }
      // The campaign registers the task before it starts it, so the record is there to answer with.
      const task = await findTask(ctx.db, campaignId, added.taskId, await ctx.now());
      return reply.code(201).send(task);
    },
  );

  // ------------------------------------------------------------------ notices
  app.get(
    '/api/notices',
    {
      ...reader,
      schema: {
        tags: ['notices'],
        summary: '通知登记（文号、类别、标题、收件人），最新在前',
        security: read,
        querystring: {
          type: 'object',
          properties: { campaign: { type: 'string', maxLength: 64 }, kind: { type: 'string', maxLength: 64 }, task: { type: 'string', maxLength: 64 }, ...paging },
          additionalProperties: false,
        },
        response: { 200: ref('NoticeList'), ...problems(400, 401) },
      },
    },
    async (request) => {
      const q = request.query as { campaign?: string; kind?: string; task?: string; limit: number; offset: number };
      return listNotices(ctx.db, { campaignId: q.campaign, kind: q.kind, taskId: q.task, limit: q.limit, offset: q.offset });
    },
  );

  app.get(
    '/api/notices/:noticeId',
    {
      ...reader,
      schema: {
        tags: ['notices'],
        summary: '一份通知的公文内容',
        security: read,
        params: { type: 'object', properties: { noticeId: { type: 'integer', minimum: 1 } }, required: ['noticeId'] },
        response: { 200: ref('Notice'), ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const notice = await findNotice(ctx.db, (request.params as { noticeId: number }).noticeId);
      if (!notice) throw new HttpProblem(404, 'NotFound', '通知不存在');
      const doc = noticeDocument(notice);
      return {
        notice,
        addressees: doc.addressees,
        paragraphs: doc.paragraphs,
        signature: doc.signature,
        dateWritten: doc.dateWritten,
        campaignTitle: notice.campaignTitle,
        docxAvailable: docxAvailable(),
      };
    },
  );

  // ------------------------------------------------------------------ 问题点位
  const inspectionParams = {
    type: 'object',
    properties: { campaignId: { type: 'string', maxLength: 64 }, inspectionId: { type: 'integer', minimum: 1 } },
    required: ['campaignId', 'inspectionId'],
  } as const;
  const pointField = { anyOf: [{ type: 'string', maxLength: 2000 }, { type: 'number' }] } as const;

  app.get(
    '/api/campaigns/:campaignId/inspections',
    { ...reader, schema: { tags: ['inspections'], summary: '检查及其问题点位数、未销号数', security: read, params: campaignParam, response: { ...problems(401, 404) } } },
    async (request) => {
      const campaign = await requireCampaign(ctx, (request.params as { campaignId: string }).campaignId);
      return { inspections: await listInspections(ctx.db, campaign.id) };
    },
  );

  app.get(
    '/api/campaigns/:campaignId/inspections/:inspectionId/points',
    { ...reader, schema: { tags: ['inspections'], summary: '一次检查的问题点位（含照片信息，不含照片本身）', security: read, params: inspectionParams, response: { ...problems(401, 404) } } },
    async (request) => {
      const { campaignId, inspectionId } = request.params as { campaignId: string; inspectionId: number };
      const inspection = await findInspection(ctx.db, inspectionId);
      if (!inspection || inspection.campaign_id !== campaignId) throw new HttpProblem(404, 'NotFound', '检查不存在');
      return { inspection, points: await listPoints(ctx.db, inspectionId) };
    },
  );

  app.post(
    '/api/campaigns/:campaignId/inspections',
    {
      ...writer,
      schema: {
        tags: ['inspections'],
        summary: '录入一次检查的问题点位（字段同问题清单的列），检查无误后全部写入并交办各责任单位（dispatch 为 false 时暂不交办：先上传照片，再交办）；任何一处有误则 422，不写入',
        security: write,
        params: campaignParam,
        body: {
          type: 'object',
          properties: {
            kind: { type: 'string', maxLength: 20, description: '上级测评、自查抽查、日常巡查、暗访、群众反映（或其代码）' },
            heldOn: { type: 'string', format: 'date' },
            title: { type: 'string', maxLength: 100 },
            inspectors: { type: 'string', maxLength: 200 },
            dispatch: { type: 'boolean', default: true, description: 'false：只录入，上传照片后再调用 …/dispatch 交办（交办邮件带照片）' },
            points: {
              type: 'array',
              maxItems: 20000,
              items: {
                type: 'object',
                properties: Object.fromEntries(['number', 'location', 'description', 'category', 'unit', 'term', 'severity', 'latitude', 'longitude'].map((k) => [k, pointField])),
                additionalProperties: false,
              },
            },
          },
          required: ['kind', 'heldOn', 'points'],
          additionalProperties: false,
        },
        response: { ...problems(400, 401, 403, 404, 415, 422) },
      },
    },
    async (request, reply) => {
      requireJson(request);
      const campaign = await requireCampaign(ctx, (request.params as { campaignId: string }).campaignId);
      const body = request.body as { kind: string; heldOn: string; title?: string; inspectors?: string; dispatch: boolean; points: PointRecordInput[] };
      const kind = inspectionKindOf(body.kind);
      if (!kind) throw new HttpProblem(422, 'InvalidInspection', inspectionKindProblem(body.kind));
      try {
        const result = await enterInspection(ctx.db, { campaignId: campaign.id, kind, heldOn: body.heldOn, title: body.title, inspectors: body.inspectors, createdBy: by(request), now: await ctx.now(), points: body.points });
        if (body.dispatch) await dispatchInspection(ctx.temporal, campaign.id, result.inspectionId);
        reply.code(201);
        return { inspectionId: result.inspectionId, points: result.points, units: Object.fromEntries(result.units), dispatched: body.dispatch };
      } catch (error) {
        if (!(error instanceof InspectionImportError)) throw error;
        const fieldOf = (header: string) => POINT_SHEET.columns.find((c) => c.header === header)?.field;
        throw new HttpProblem(
          422,
          'InvalidInspection',
          error.message,
          error.problems.map((p) => ({ file: 'points', ...(p.row ? { field: `points[${p.row - 1}].${fieldOf(p.column) ?? p.column}` } : {}), message: p.message })),
        );
      }
    },
  );

  app.post(
    '/api/campaigns/:campaignId/inspections/:inspectionId/dispatch',
    {
      ...writer,
      schema: {
        tags: ['inspections'],
        summary: '交办一次检查中尚未交办的问题点位：每个责任单位一份通知，列出其点位并附照片',
        security: write,
        params: inspectionParams,
        response: {
          202: {
            description: '已交给该检查的工作流，各单位的交办通知随后发出',
            type: 'object',
            properties: { inspectionId: { type: 'integer' }, dispatching: { type: 'boolean' } },
            required: ['inspectionId', 'dispatching'],
          },
          ...problems(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { campaignId, inspectionId } = request.params as { campaignId: string; inspectionId: number };
      const campaign = await requireCampaign(ctx, campaignId);
      const inspection = await findInspection(ctx.db, inspectionId);
      if (!inspection || inspection.campaign_id !== campaign.id) throw new HttpProblem(404, 'NotFound', '检查不存在');
      await dispatchInspection(ctx.temporal, campaign.id, inspection.id);
      reply.code(202);
      return { inspectionId: inspection.id, dispatching: true };
    },
  );

  // A point's photos as found (整改前): the JSON API enters points without them (dispatch: false), a program sends them, then …/dispatch.
  const pointParams = {
    type: 'object',
    properties: { ...inspectionParams.properties, number: { type: 'integer', minimum: 1, description: '问题点位的序号' } },
    required: [...inspectionParams.required, 'number'],
  } as const;
  withUploads(
    app,
    (uploads) =>
      uploads.post(
        '/api/campaigns/:campaignId/inspections/:inspectionId/points/:number/photos',
        {
          onRequest: writer.preHandler,
          validatorCompiler: () => () => true,
          schema: {
            tags: ['inspections'],
            summary: `上传问题点位的整改前照片（multipart，字段 photo，可多张，每张不超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB）：检查同控制台录入，任何一张不是图片则 400，全部不保存`,
            security: write,
            params: pointParams,
            consumes: ['multipart/form-data'],
            body: { type: 'object', properties: { photo: { type: 'array', items: { type: 'string', format: 'binary' } } } },
            response: { 201: ref('PointPhotos'), ...problems(400, 401, 403, 404, 413, 415, 422) },
          },
        },
        async (request, reply) => {
          const { campaignId } = request.params as { campaignId: string };
          const inspectionId = numberParam(request, 'inspectionId', '检查');
          const number = numberParam(request, 'number', '问题点位');
          const inspection = await findInspection(ctx.db, inspectionId);
          if (!inspection || inspection.campaign_id !== campaignId) throw new HttpProblem(404, 'NotFound', '检查不存在');
          if (!request.isMultipart()) throw new HttpProblem(415, 'UnsupportedMediaType', '请以 multipart/form-data 上传照片（字段 photo）');
          try {
            const ids = await addPointPhotos(ctx.db, {
              campaignId,
              inspectionId,
              number,
              photos: files(request.body, 'photo').map((f) => ({ fileName: f.fileName || '照片.jpg', data: f.data })),
              now: await ctx.now(),
            });
            if (!ids) throw new HttpProblem(404, 'NotFound', `检查中没有序号为 ${number} 的问题点位`);
            reply.code(201);
            return { photos: ids.map((id) => ({ id, url: `/api/campaigns/${encodeURIComponent(campaignId)}/inspections/${inspectionId}/points/${number}/photos/${id}` })) };
          } catch (error) {
            if (!(error instanceof InspectionImportError)) throw error;
            throw new HttpProblem(400, 'InvalidPhoto', error.problems.map((p) => p.message).join('；'), error.problems.map((p) => ({ file: 'photo', field: 'photo', message: p.message })));
          }
        },
      ),
    POINT_UPLOAD_LIMITS,
  );

  app.get(
    '/api/campaigns/:campaignId/inspections/:inspectionId/points/:number/photos/:photoId',
    {
      ...reader,
      schema: {
        tags: ['inspections'],
        summary: '问题点位的一张照片（JPEG；size=thumbnail 为 320 像素缩略图）',
        security: read,
        params: { ...pointParams, properties: { ...pointParams.properties, photoId: { type: 'integer', minimum: 1 } }, required: [...pointParams.required, 'photoId'] },
        querystring: { type: 'object', properties: { size: { type: 'string', enum: ['full', 'thumbnail'], default: 'full' } }, additionalProperties: false },
        produces: ['image/jpeg'],
        response: {
          200: { description: '照片', content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } } },
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const { campaignId, inspectionId, number, photoId } = request.params as { campaignId: string; inspectionId: number; number: number; photoId: number };
      const size = (request.query as { size: 'full' | 'thumbnail' }).size;
      const found = await findPointPhoto(ctx.db, photoId, size === 'thumbnail' ? 'thumbnail' : 'content');
      if (!found || found.campaign_id !== campaignId || found.inspection_id !== inspectionId || found.number !== number) throw new HttpProblem(404, 'NotFound', '照片不存在');
      return pointPhotoReply(reply, found);
    },
  );

  // ------------------------------------------------------------------ assessments and ledger
  app.get(
    '/api/campaigns/:campaignId/assessments',
    {
      ...reader,
      schema: {
        tags: ['assessments'],
        summary: '测评轮次：评分窗口、已录入的分数、公布的排名与末位处理；绩效台账',
        security: read,
        params: campaignParam,
        response: { 200: ref('Assessments'), ...problems(401, 404) },
      },
    },
    async (request) => {
      const campaign = await requireCampaign(ctx, (request.params as { campaignId: string }).campaignId);
      return assessments(ctx.db, campaign.id, await ctx.now());
    },
  );

  app.post(
    '/api/campaigns/:campaignId/assessments/scores',
    {
      ...writer,
      schema: {
        tags: ['assessments'],
        summary: '录入一轮测评分数（按单位和测评项目，0—100 分），仅在该轮评分窗口内；同一单位同一项目再录入则覆盖',
        security: write,
        params: campaignParam,
        body: {
          type: 'object',
          properties: {
            round: { type: 'integer', minimum: 1, description: '测评轮次（第几轮）' },
            assessor: { type: 'string', maxLength: 100, description: '测评人；不填则为当前用户' },
            scores: {
              type: 'array',
              minItems: 1,
              maxItems: 5000,
              items: {
                type: 'object',
                properties: {
                  unitId: { type: 'string', maxLength: 64 },
                  item: { type: 'string', maxLength: 100 },
                  // The range (0—100) is the round workflow's to check, so its reason reaches the caller.
                  score: { type: 'number' },
                },
                required: ['unitId', 'item', 'score'],
                additionalProperties: false,
              },
            },
          },
          required: ['round', 'scores'],
          additionalProperties: false,
        },
        response: { 200: ref('AssessmentEntry'), ...problems(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request) => {
      requireJson(request);
      const { campaignId } = request.params as { campaignId: string };
      await requireCampaign(ctx, campaignId);
      const { round, assessor, scores } = request.body as { round: number; assessor?: string; scores: { unitId: string; item: string; score: number }[] };
      const state = await enterScores(ctx.temporal, campaignId, round, { assessor: assessor?.trim() || by(request), scores });
      return { round: state.round, label: state.label, windowClosesAt: state.windowClosesAt, entered: state.entered };
    },
  );

  app.get(
    '/api/campaigns/:campaignId/ledger.xlsx',
    {
      ...reader,
      schema: {
        tags: ['tasks'],
        summary: '导出整治任务台账（Excel）',
        security: read,
        params: campaignParam,
        produces: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
        response: {
          200: {
            description: '台账工作簿',
            content: { 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } } },
          },
          ...problems(401, 404),
        },
      },
    },
    async (request, reply) => {
      const campaign = await requireCampaign(ctx, (request.params as { campaignId: string }).campaignId);
      const buffer = await ledgerWorkbook(ctx, campaign);
      return attachment(reply, ledgerFileName(campaign, await ctx.now()), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer);
    },
  );

  // ------------------------------------------------------------------ mailbox
  const mailboxOn = async () => {
    if (!ctx.mailboxEnabled) throw new HttpProblem(404, 'NotFound', '未启用内置邮件接收端');
  };
  app.get(
    '/api/mailbox',
    {
      preHandler: [requireAdmin, mailboxOn],
      schema: {
        tags: ['mailbox'],
        summary: '内置邮件接收端收到的邮件，最新在前（仅管理员）',
        security: read,
        querystring: {
          type: 'object',
          properties: { to: { type: 'string', maxLength: 320 }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, offset: paging.offset },
          additionalProperties: false,
        },
        response: { 200: ref('MailList'), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => listMail(ctx.db, request.query as { to?: string; limit: number; offset: number }),
  );

  app.get(
    '/api/mailbox/:mailId',
    {
      preHandler: [requireAdmin, mailboxOn],
      schema: {
        tags: ['mailbox'],
        summary: '一封邮件的全文，以及其中的链接',
        security: read,
        params: { type: 'object', properties: { mailId: { type: 'integer', minimum: 1 } }, required: ['mailId'] },
        response: { 200: ref('Mail'), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const mail = await findMail(ctx.db, (request.params as { mailId: number }).mailId);
      if (!mail) throw new HttpProblem(404, 'NotFound', '邮件不存在');
      const links = [...new Set(mail.text.match(/https?:\/\/[^\s<>"'）)】]+/g) ?? [])];
      const { text, html, ...message } = mail;
      return { message, text, html, links };
    },
  );

  // ------------------------------------------------------------------ plan import
  // An upload: session, role and CSRF header are checked before the body is read.
  withUploads(app, (uploads) => uploads.post(
    '/api/plans/import',
    {
      onRequest: writer.preHandler,
      validatorCompiler: () => () => true,
      schema: {
        tags: ['plans'],
        summary: '导入实施方案：生成创建活动定义（YAML）并报告问题。可上传文件（multipart，字段 file）或提交 JSON { text, fileName }',
        security: write,
        body: {
          type: 'object',
          properties: { text: { type: 'string' }, fileName: { type: 'string' } },
        },
        response: { 200: ref('PlanImport'), ...problems(401, 403, 413, 415, 422) },
      },
    },
    async (request) => {
      let input: { buffer: Buffer; fileName: string } | undefined;
      if (request.isMultipart()) {
        const file = (request.body as Record<string, unknown> | undefined)?.file as { data?: Buffer; fileName?: string } | undefined;
        if (file?.data?.length) input = { buffer: file.data, fileName: file.fileName || '实施方案.txt' };
      } else {
        requireJson(request);
        const body = request.body as { text?: unknown; fileName?: unknown } | undefined;
        if (typeof body?.text === 'string' && body.text.trim()) {
          input = { buffer: Buffer.from(body.text, 'utf8'), fileName: typeof body.fileName === 'string' && body.fileName ? body.fileName : '实施方案.txt' };
        }
      }
      if (!input) throw new HttpProblem(422, 'EmptyInput', '请上传实施方案文件（字段 file），或提交方案全文（text）');
      return importPlanForReview(ctx.db, input);
    },
  ));
}
