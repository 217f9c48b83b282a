// Console pages for administrators (who act) and leaders (who read).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readEvidenceFile } from '../../db/evidence.js';
import {
  addTask,
  decideExtension,
  describeEnd,
  endCampaign,
  enterScores,
  INLINE_TYPES,
  newTaskId,
  reassign,
  recordRefusal,
  registerComplaint,
  validateDefinitionYaml,
  verify,
  withdraw,
} from '../api/actions.js';
import { HttpProblem, problemFrom } from '../api/problems.js';
import { campaignOverview, requireCampaign, taskDetail, WORKFLOW_STATUS_NAMES } from '../api/compose.js';
import { docxAvailable, noticeDocument, renderDocx } from '../api/documents.js';
import { importPlanForReview } from '../api/plan-import.js';
import { ledgerWorkbook, ledgerFileName } from '../api/ledger.js';
import {
  assessments,
  campaignEnding,
  dashboard,
  findMail,
  findNotice,
  listCampaigns,
  listChannelMessages,
  listMail,
  listNotices,
  listTasks,
  listUnits,
  MARK_NAMES,
  todayIn,
} from '../api/read-model.js';
import { TASK_STATUSES } from '../../domain/task-state.js';
import { unitLinkExpiry, unitLinkFor } from '../../services/unit-links.js';
import { currentLinkVersion } from '../../db/unit-links.js';
import { endOfCivilDay } from '../../services/calendar.js';
import { requireAdmin, requireUser } from './auth.js';
import { chartOf } from './chart.js';
import { attachment } from './download.js';
import { DOCX_TYPE } from '../../services/docx.js';
import { previewDefinition, startDatesView, startDefinition } from './start-flow.js';
import { withUploads } from './uploads.js';
import { page } from './views.js';

const PAGE_SIZE = 50;

const DONE: Record<string, string> = {
  verify: '核查结论已记录',
  extension: '延期审批已记录',
  reassign: '任务已改派',
  withdraw: '任务已撤销',
  refusal: '已记录拒不整改，督办升级',
  added: '任务已新增，将于开始日期交办责任单位',
  complaint: '投诉已登记：向责任单位发出督办函，限期整改',
};

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

export function formValue(body: unknown, key: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return '';
}

/** Every value of a repeated form field (checkboxes). */
function formValues(body: unknown, key: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** What was typed into a form, to show it again with a refusal. */
function typed(body: unknown): Record<string, string | string[]> {
  return Object.fromEntries(Object.keys(body ?? {}).map((k) => [k, formValues(body, k).length > 1 ? formValues(body, k) : formValue(body, k)]));
}

function uploadedText(body: unknown, key: string): { text: string; fileName?: string } | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (value && typeof value === 'object' && 'data' in value) {
    const f = value as { fileName?: string; data: Buffer };
    if (f.data.length > 0) return { text: decodeText(f.data), fileName: f.fileName };
  }
  return undefined;
}

/** An uploaded text file: UTF-8, or UTF-16 when its byte order mark says so (as Windows Notepad saves it). */
function decodeText(data: Buffer): string {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return data.subarray(3).toString('utf8');
  if (data[0] === 0xff && data[1] === 0xfe) return new TextDecoder('utf-16le').decode(data.subarray(2));
  if (data[0] === 0xfe && data[1] === 0xff) return new TextDecoder('utf-16be').decode(data.subarray(2));
  // Anything else is read as UTF-8; bytes that are not (a GBK file) become U+FFFD, which validation names.
  return data.toString('utf8');
}

export function registerPageRoutes(app: FastifyInstance): void {
  const ctx = app.console;

  /** The lead unit's signed link (its current version), for an administrator to pass on when mail did not arrive. */
  const leadUnitLink = async (detail: Awaited<ReturnType<typeof taskDetail>>) => {
    const deadline = new Date(Math.max(Date.parse(detail.clock.at ?? endOfCivilDay(detail.task.deadline, detail.campaign.timeZone)), Date.parse(detail.now)));
    const link = { campaignId: detail.task.campaignId, taskId: detail.task.id, unitId: detail.task.leadUnit };
    const url = unitLinkFor(
      { publicUrl: ctx.publicUrl, secret: ctx.linkSecret },
      { ...link, deadline, version: await currentLinkVersion(ctx.db, link) },
    );
    return { url, expiresAt: unitLinkExpiry(deadline).toISOString() };
  };
  /** Each unit's signed link to its monthly materials, as the 催报 carries it: for administrators to pass on. */
  const materialsLinks = async (campaignId: string, materials: { month: { dueDate: string }; units: { unitId: string }[] }, timeZone: string) => {
    const deadline = new Date(endOfCivilDay(materials.month.dueDate, timeZone));
    const options = { publicUrl: ctx.publicUrl, secret: ctx.linkSecret };
    const links: [string, string][] = [];
    for (const u of materials.units) {
      const version = await currentLinkVersion(ctx.db, { campaignId, unitId: u.unitId });
      links.push([u.unitId, unitLinkFor(options, { scope: 'materials', campaignId, unitId: u.unitId, deadline, version })]);
    }
    return { materialsLinks: Object.fromEntries(links), materialsLinksExpireAt: unitLinkExpiry(deadline).toISOString() };
  };
  const user = { preHandler: requireUser };
  const admin = { preHandler: [requireAdmin, app.csrfProtection] };
  /** Uploads: the same checks, before the body is read (the CSRF token rides in the form action's query). */
  const adminUpload = { onRequest: [requireAdmin, app.csrfProtection] };

  // ------------------------------------------------------------------ dashboard
  app.get('/', user, async (request, reply) => {
    const q = request.query as Query;
    const now = await ctx.now();
    const campaigns = await listCampaigns(ctx.db, now);
    const campaignId = q.campaign && campaigns.some((c) => c.id === q.campaign) ? q.campaign : undefined;
    const board = await dashboard(ctx.db, now, campaignId);
    return page(app, request, reply, 'dashboard', { title: '总览', nav: 'dashboard', campaignId }, {
      campaigns,
      campaignId,
      board,
      marks: MARK_NAMES,
    });
  });

  // ------------------------------------------------------------------ campaigns
  app.get('/campaigns', user, async (request, reply) => {
    const campaigns = await listCampaigns(ctx.db, await ctx.now());
    return page(app, request, reply, 'campaigns', { title: '创建活动', nav: 'campaigns' }, { campaigns });
  });

  /** The campaign page; `extra` carries a message and what was typed into the end form after a refusal. */
  const campaignPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    campaignId: string,
    extra: { flash?: { kind: 'ok' | 'error' | 'info'; text: string }; endForm?: Record<string, unknown> } = {},
  ) => {
    const q = request.query as Query;
    const overview = await campaignOverview(ctx, campaignId);
    const pageNo = Math.max(Number.parseInt(q.page ?? '1', 10) || 1, 1);
    const filter = {
      status: q.status && q.status in TASK_STATUSES ? q.status : undefined,
      unit: q.unit || undefined,
      overdue: q.overdue === '1',
      q: q.q?.trim() || undefined,
    };
    const tasks = await listTasks(ctx.db, campaignId, await ctx.now(), { ...filter, limit: PAGE_SIZE, offset: (pageNo - 1) * PAGE_SIZE });
    const ended = overview.campaign.status === 'ended';
    const ending = ended ? await campaignEnding(ctx.db, campaignId) : undefined;
    const flash =
      extra.flash ??
      (q.started === '1'
        ? { kind: 'ok' as const, text: `已启动创建活动「${overview.campaign.title}」` }
        : q.ended === '1' && ended && ending
          ? { kind: 'ok' as const, text: describeEnd({ ...ending, campaignId, title: overview.campaign.title, status: 'ended', reason: '' }).join('') }
          : q.ended === 'pending'
            ? { kind: 'info' as const, text: '已受理结束创建活动：进行中的测评轮次评分窗口关闭后，活动即结束，撤销未完成的任务并印发总结。' }
            : undefined);
    return page(app, request, reply, 'campaign', { title: overview.campaign.title, nav: 'campaigns', campaignId, flash }, {
      ...overview,
      workflowStatusName: overview.workflowStatus ? (WORKFLOW_STATUS_NAMES[overview.workflowStatus] ?? overview.workflowStatus) : '无法连接 Temporal',
      tasks,
      filter: { ...filter, status: filter.status ?? '', unit: filter.unit ?? '', q: filter.q ?? '' },
      pageNo,
      pageCount: Math.max(Math.ceil(tasks.total / PAGE_SIZE), 1),
      statuses: TASK_STATUSES,
      ended,
      ending,
      // A campaign whose workflow runs (or cannot be asked) and has not ended may be ended here.
      endable: !ended && overview.workflowStatus !== 'COMPLETED' && overview.workflowStatus !== 'NOT_FOUND',
      endForm: extra.endForm ?? {},
      ...(overview.materials && request.user!.role === 'admin'
        ? await materialsLinks(campaignId, overview.materials, overview.campaign.timeZone)
        : {}),
    });
  };

  app.get('/campaigns/:campaignId', user, async (request, reply) => campaignPage(request, reply, (request.params as Params).campaignId));

  /** 结束创建活动: a reason and a ticked confirmation; done → the campaign page saying what the end did. */
  app.post('/campaigns/:campaignId/end', admin, async (request, reply) => {
    const { campaignId } = request.params as Params;
    await requireCampaign(ctx, campaignId);
    const body = request.body;
    const by = request.user!.displayName || request.user!.name;
    try {
      if (formValue(body, 'confirm') !== 'yes') {
        throw new HttpProblem(422, 'NotConfirmed', '请勾选确认：结束后未完成的任务将全部撤销，不能恢复');
      }
      const end = await endCampaign(ctx.db, ctx.temporal, campaignId, { reason: formValue(body, 'reason'), by });
      return reply.redirect(`/campaigns/${encodeURIComponent(campaignId)}?ended=${end.status === 'ended' ? '1' : 'pending'}`, 303);
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem || problem.statusCode === 404) throw error;
      reply.code(problem.statusCode);
      return campaignPage(request, reply, campaignId, { flash: { kind: 'error', text: `未能结束：${problem.message}` }, endForm: typed(body) });
    }
  });

  app.get('/campaigns/:campaignId/tasks/:taskId', user, async (request, reply) => {
    const { campaignId, taskId } = request.params as Params;
    const detail = await taskDetail(ctx, campaignId, taskId);
    const flash = DONE[(request.query as Query).done ?? ''];
    return page(
      app,
      request,
      reply,
      'task',
      { title: detail.task.title, nav: 'campaigns', campaignId, flash: flash ? { kind: 'ok', text: flash } : undefined },
      { ...detail, units: await listUnits(ctx.db, campaignId), unitLink: request.user!.role === 'admin' ? await leadUnitLink(detail) : undefined, form: {} },
    );
  });

  /** An administrator's action on a task: done → back to the task with a message; refused → the page with the reason. */
  const taskAction = (
    path: string,
    done: string,
    run: (campaignId: string, taskId: string, body: unknown, by: string) => Promise<unknown>,
  ) =>
    app.post(`/campaigns/:campaignId/tasks/:taskId/${path}`, admin, async (request, reply) => {
      const { campaignId, taskId } = request.params as Params;
      const by = request.user!.displayName || request.user!.name;
      try {
        await run(campaignId, taskId, request.body, by);
        return reply.redirect(`/campaigns/${encodeURIComponent(campaignId)}/tasks/${encodeURIComponent(taskId)}?done=${done}`, 303);
      } catch (error) {
        const problem = problemFrom(error);
        if (!problem || problem.statusCode === 404) throw error;
        const detail = await taskDetail(ctx, campaignId, taskId);
        reply.code(problem.statusCode);
        const body = (request.body ?? {}) as Record<string, unknown>;
        return page(
          app,
          request,
          reply,
          'task',
          { title: detail.task.title, nav: 'campaigns', campaignId, flash: { kind: 'error', text: `操作被拒绝：${problem.message}` } },
          {
            ...detail,
            units: await listUnits(ctx.db, campaignId),
            unitLink: await leadUnitLink(detail),
            form: { action: path, ...Object.fromEntries(Object.keys(body).map((k) => [k, formValue(body, k)])) },
          },
        );
      }
    });

  taskAction('verify', 'verify', (campaignId, taskId, body, by) => {
    const decision = formValue(body, 'decision');
    if (decision !== 'pass' && decision !== 'fail') throw new HttpProblem(422, 'EmptyInput', '请选择核查结论');
    const comment = formValue(body, 'comment').trim();
    const reasons = formValue(body, 'reasons').split('\n').map((r) => r.trim()).filter(Boolean);
    return verify(ctx.temporal, campaignId, taskId, {
      passed: decision === 'pass',
      ...(comment ? { comment } : {}),
      ...(reasons.length ? { reasons } : {}),
      by,
    });
  });
  taskAction('extension', 'extension', (campaignId, taskId, body, by) => {
    const approved = formValue(body, 'approved');
    if (approved !== 'yes' && approved !== 'no') throw new HttpProblem(422, 'EmptyInput', '请选择审批结论');
    const until = formValue(body, 'until').trim();
    const comment = formValue(body, 'comment').trim();
    return decideExtension(ctx.temporal, campaignId, taskId, {
      approved: approved === 'yes',
      ...(until ? { until } : {}),
      ...(comment ? { comment } : {}),
      by,
    });
  });
  taskAction('reassign', 'reassign', (campaignId, taskId, body, by) => {
    const deadline = formValue(body, 'deadline').trim();
    return reassign(ctx.temporal, campaignId, taskId, {
      unitId: formValue(body, 'unitId'),
      reason: formValue(body, 'reason'),
      ...(deadline ? { deadline } : {}),
      by,
    });
  });
  taskAction('withdraw', 'withdraw', (campaignId, taskId, body, by) =>
    withdraw(ctx.temporal, campaignId, taskId, { reason: formValue(body, 'reason'), by }),
  );
  taskAction('refusal', 'refusal', (campaignId, taskId, body, by) =>
    recordRefusal(ctx.temporal, campaignId, taskId, { reason: formValue(body, 'reason'), by }),
  );

  // 新增任务 / 群众来信来访、媒体曝光
  const taskNew = async (request: FastifyRequest, reply: FastifyReply, campaignId: string, kind: 'task' | 'complaint', form: Record<string, unknown>, error?: string) => {
    const campaign = await requireCampaign(ctx, campaignId);
    return page(
      app,
      request,
      reply,
      'task-new',
      { title: kind === 'complaint' ? '登记投诉' : '新增任务', nav: 'campaigns', campaignId, flash: error ? { kind: 'error', text: `操作被拒绝：${error}` } : undefined },
      { campaign, units: await listUnits(ctx.db, campaignId), kind, form, today: todayIn(await ctx.now(), campaign.timeZone) },
    );
  };

  app.get('/campaigns/:campaignId/tasks/new', { preHandler: requireAdmin }, async (request, reply) => {
    const { campaignId } = request.params as Params;
    return taskNew(request, reply, campaignId, (request.query as Query).kind === 'complaint' ? 'complaint' : 'task', {});
  });

  app.post('/campaigns/:campaignId/tasks', admin, async (request, reply) => {
    const { campaignId } = request.params as Params;
    const campaign = await requireCampaign(ctx, campaignId);
    const body = request.body;
    const kind = formValue(body, 'kind') === 'complaint' ? 'complaint' : 'task';
    const field = (key: string) => formValue(body, key).trim();
    const cooperatingUnits = formValues(body, 'cooperatingUnits').filter((u) => u && u !== field('leadUnit'));
    try {
      let taskId: string;
      if (kind === 'complaint') {
        ({ taskId } = await registerComplaint(ctx.temporal, campaignId, {
          title: field('title'),
          description: field('description'),
          leadUnit: field('leadUnit'),
          cooperatingUnits,
          source: field('source'),
          reference: field('reference'),
        }));
      } else {
        if (!field('deadline')) throw new HttpProblem(422, 'EmptyInput', '请填写完成时限');
        ({ taskId } = await addTask(ctx.temporal, campaignId, {
          id: newTaskId('task'),
          title: field('title'),
          description: field('description'),
          leadUnit: field('leadUnit'),
          cooperatingUnits,
          start: field('start') || todayIn(await ctx.now(), campaign.timeZone),
          deadline: field('deadline'),
          indicators: [],
        }));
      }
      return reply.redirect(`/campaigns/${encodeURIComponent(campaignId)}/tasks/${encodeURIComponent(taskId)}?done=${kind === 'complaint' ? 'complaint' : 'added'}`, 303);
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem || problem.statusCode === 404) throw error;
      reply.code(problem.statusCode);
      return taskNew(request, reply, campaignId, kind, typed(body), problem.message);
    }
  });

  // ------------------------------------------------------------------ evidence files
  app.get('/evidence/:fileId', user, async (request, reply) => {
    const file = await readEvidenceFile(ctx.db, (request.params as Params).fileId);
    if (!file) throw new HttpProblem(404, 'NotFound', '文件不存在');
    const inline = INLINE_TYPES.has(file.content_type) && (request.query as Query).download !== '1';
    return attachment(reply, file.file_name, file.content_type, file.content, inline);
  });

  // ------------------------------------------------------------------ notices
  const noticeRegister = async (request: FastifyRequest, reply: FastifyReply, campaignId?: string) => {
    const q = request.query as Query;
    const pageNo = Math.max(Number.parseInt(q.page ?? '1', 10) || 1, 1);
    const campaigns = await listCampaigns(ctx.db, await ctx.now());
    const result = await listNotices(ctx.db, { campaignId, kind: q.kind || undefined, limit: PAGE_SIZE, offset: (pageNo - 1) * PAGE_SIZE });
    return page(app, request, reply, 'notices', { title: '通知登记', nav: 'notices', campaignId }, {
      ...result,
      campaigns,
      campaignId,
      kind: q.kind ?? '',
      pageNo,
      pageCount: Math.max(Math.ceil(result.total / PAGE_SIZE), 1),
    });
  };
  app.get('/notices', user, async (request, reply) => noticeRegister(request, reply, (request.query as Query).campaign || undefined));
  app.get('/campaigns/:campaignId/notices', user, async (request, reply) => {
    const { campaignId } = request.params as Params;
    await requireCampaign(ctx, campaignId);
    return noticeRegister(request, reply, campaignId);
  });

  app.get('/notices/:noticeId', user, async (request, reply) => {
    const notice = await findNotice(ctx.db, Number((request.params as Params).noticeId));
    if (!notice) throw new HttpProblem(404, 'NotFound', '通知不存在');
    return page(app, request, reply, 'notice', { title: notice.documentNumber, nav: 'notices', campaignId: notice.campaignId, bare: true }, {
      notice,
      doc: noticeDocument(notice),
      docx: docxAvailable(),
    });
  });

  app.get('/notices/:noticeId/docx', user, async (request, reply) => {
    const notice = await findNotice(ctx.db, Number((request.params as Params).noticeId));
    if (!notice) throw new HttpProblem(404, 'NotFound', '通知不存在');
    const docx = await renderDocx(ctx.db, notice.id);
    if (!docx) throw new HttpProblem(404, 'NotFound', '通知不存在');
    return attachment(reply, `${notice.documentNumber}.docx`, DOCX_TYPE, docx);
  });

  // ------------------------------------------------------------------ assessments
  app.get('/assessments', user, async (request, reply) => {
    const campaigns = await listCampaigns(ctx.db, await ctx.now());
    if (campaigns.length === 1) return reply.redirect(`/campaigns/${encodeURIComponent(campaigns[0].id)}/assessments`, 303);
    return page(app, request, reply, 'pick-campaign', { title: '测评排名', nav: 'assessments' }, { campaigns, suffix: '/assessments' });
  });

  const assessmentsPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    campaignId: string,
    extra: { flash?: { kind: 'ok' | 'error'; text: string }; form?: Record<string, unknown> } = {},
  ) => {
    const campaign = await requireCampaign(ctx, campaignId);
    const result = await assessments(ctx.db, campaignId, await ctx.now());
    const published = result.rounds.filter((r) => r.status === 'published');
    return page(app, request, reply, 'assessments', { title: '测评排名', nav: 'assessments', campaignId, flash: extra.flash }, {
      campaign,
      result,
      chart: chartOf({ rounds: published }),
      form: extra.form ?? {},
      assessor: request.user!.displayName || request.user!.name,
    });
  };

  app.get('/campaigns/:campaignId/assessments', user, async (request, reply) => {
    const { campaignId } = request.params as Params;
    const done = (request.query as Query).done;
    return assessmentsPage(request, reply, campaignId, done ? { flash: { kind: 'ok', text: `第${Number(done)}轮测评分数已录入` } } : {});
  });

  /**
   * The scores form is a grid: a row per unit, a column per item (item.0, item.1, …), cells
   * score.<unitId>.<column>; empty cells are left alone.
   */
  app.post('/campaigns/:campaignId/assessments/scores', admin, async (request, reply) => {
    const { campaignId } = request.params as Params;
    await requireCampaign(ctx, campaignId);
    const body = request.body;
    const round = Number.parseInt(formValue(body, 'round'), 10);
    try {
      if (!(round > 0)) throw new HttpProblem(422, 'EmptyInput', '请选择测评轮次');
      const scores: { unitId: string; item: string; score: number }[] = [];
      for (const key of Object.keys((body ?? {}) as object)) {
        const m = /^score\.(.+)\.(\d+)$/.exec(key);
        const value = formValue(body, key).trim();
        if (!m || value === '') continue;
        scores.push({ unitId: m[1], item: formValue(body, `item.${m[2]}`).trim(), score: Number(value) });
      }
      const assessor = formValue(body, 'assessor').trim() || request.user!.displayName || request.user!.name;
      await enterScores(ctx.temporal, campaignId, round, { assessor, scores });
      return reply.redirect(`/campaigns/${encodeURIComponent(campaignId)}/assessments?done=${round}#round-${round}`, 303);
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem) throw error;
      reply.code(problem.statusCode);
      return assessmentsPage(request, reply, campaignId, { flash: { kind: 'error', text: `分数未录入：${problem.message}` }, form: typed(body) });
    }
  });

  // ------------------------------------------------------------------ 台账
  app.get('/campaigns/:campaignId/ledger.xlsx', user, async (request, reply) => {
    const { campaignId } = request.params as Params;
    const campaign = await requireCampaign(ctx, campaignId);
    const buffer = await ledgerWorkbook(ctx, campaign);
    return attachment(reply, ledgerFileName(campaign, await ctx.now()), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer);
  });

  // ------------------------------------------------------------------ mailbox
  app.get('/mailbox', { preHandler: requireAdmin }, async (request, reply) => {
    if (!ctx.mailboxEnabled) throw new HttpProblem(404, 'NotFound', '未启用内置邮件接收端');
    const q = request.query as Query;
    const pageNo = Math.max(Number.parseInt(q.page ?? '1', 10) || 1, 1);
    const result = await listMail(ctx.db, { to: q.to, limit: PAGE_SIZE, offset: (pageNo - 1) * PAGE_SIZE });
    // SMS and robot messages of the channel fake, beside the mail (docs/channels.md).
    const channels = await listChannelMessages(ctx.db, PAGE_SIZE);
    return page(app, request, reply, 'mailbox', { title: '邮件', nav: 'mailbox' }, {
      ...result,
      channels,
      to: q.to ?? '',
      pageNo,
      pageCount: Math.max(Math.ceil(result.total / PAGE_SIZE), 1),
    });
  });

  app.get('/mailbox/:mailId', { preHandler: requireAdmin }, async (request, reply) => {
    if (!ctx.mailboxEnabled) throw new HttpProblem(404, 'NotFound', '未启用内置邮件接收端');
    const mail = await findMail(ctx.db, Number((request.params as Params).mailId));
    if (!mail) throw new HttpProblem(404, 'NotFound', '邮件不存在');
    return page(app, request, reply, 'mail', { title: mail.subject || '（无主题）', nav: 'mailbox' }, { mail });
  });

  // ------------------------------------------------------------------ import and start
  app.get('/import', { preHandler: requireAdmin }, async (request, reply) =>
    page(app, request, reply, 'import', { title: '导入与启动', nav: 'import' }, { planText: '', yaml: '' }),
  );

  withUploads(app, (uploads) => uploads.post('/import/plan', adminUpload, async (request, reply) => {
    const body = request.body;
    const raw = (body as Record<string, unknown>)?.file as { data?: Buffer; fileName?: string } | undefined;
    const pasted = formValue(body, 'text');
    let input: { buffer: Buffer; fileName: string };
    if (raw?.data && raw.data.length > 0) input = { buffer: raw.data, fileName: raw.fileName || '实施方案.txt' };
    else if (pasted.trim()) input = { buffer: Buffer.from(pasted, 'utf8'), fileName: '粘贴的实施方案.txt' };
    else {
      reply.code(422);
      return page(app, request, reply, 'import', { title: '导入与启动', nav: 'import', flash: { kind: 'error', text: '请上传实施方案文件，或粘贴方案全文' } }, { planText: '', yaml: '' });
    }
    try {
      const plan = await importPlanForReview(ctx.db, input);
      return page(app, request, reply, 'preview', { title: '审核定义', nav: 'import' }, {
        ...plan,
        fileName: `${plan.id}.yaml`,
        source: input.fileName,
        dates: await startDatesView(ctx, plan.yaml, `${plan.id}.yaml`),
      });
    } catch (error) {
      const problem = problemFrom(error);
      if (problem?.code !== 'PlanUnreadable') throw error;
      reply.code(422);
      return page(app, request, reply, 'import', { title: '导入与启动', nav: 'import', flash: { kind: 'error', text: problem.message } }, {
        planText: pasted,
        yaml: '',
      });
    }
  }));

  withUploads(app, (uploads) => uploads.post('/campaigns', adminUpload, async (request, reply) => {
    const body = request.body;
    const upload = uploadedText(body, 'file');
    const yaml = upload?.text ?? formValue(body, 'yaml');
    const fileName = upload?.fileName ?? (formValue(body, 'fileName') || '粘贴的定义.yaml');
    const action = formValue(body, 'action');
    if (!yaml.trim()) {
      reply.code(422);
      return page(app, request, reply, 'import', { title: '导入与启动', nav: 'import', flash: { kind: 'error', text: '请粘贴或上传创建活动定义（YAML）' } }, { planText: '', yaml: '' });
    }
    const check = validateDefinitionYaml(yaml, fileName);
    if (!check.valid || action === 'validate') {
      if (!check.valid) reply.code(422);
      return page(
        app,
        request,
        reply,
        'preview',
        {
          title: '审核定义',
          nav: 'import',
          flash: check.valid
            ? { kind: 'ok', text: `校验通过：「${check.definition.title}」，${check.definition.tasks.length} 项任务，${check.definition.units.length} 个单位` }
            : { kind: 'error', text: `定义有 ${check.problems.length} 处错误，请修改后再启动` },
        },
        { yaml, fileName, problems: check.problems, warnings: [], unplaced: [], summary: '', placeholderEmails: 0, dates: await startDatesView(ctx, yaml, fileName) },
      );
    }
    try {
      const campaignId = await startDefinition(ctx, yaml, fileName, check.definition, formValue(body, 'catchUp') === 'yes');
      return reply.redirect(`/campaigns/${encodeURIComponent(campaignId)}?started=1`, 303);
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem) throw error;
      reply.code(problem.statusCode);
      return page(app, request, reply, 'preview', { title: '审核定义', nav: 'import', flash: { kind: 'error', text: problem.message } }, {
        yaml,
        fileName,
        problems: problem.problems ?? [],
        warnings: [],
        unplaced: [],
        summary: '',
        placeholderEmails: 0,
        dates: await startDatesView(ctx, yaml, fileName),
      });
    }
  }));

  // 预览: the definition run in a sandbox for a year as if no unit answered (some seconds; on request only).
  withUploads(app, (uploads) => uploads.post('/campaigns/preview', adminUpload, async (request, reply) => {
    const body = request.body;
    const yaml = formValue(body, 'yaml');
    const fileName = formValue(body, 'fileName') || '粘贴的定义.yaml';
    const view = { yaml, fileName, warnings: [], unplaced: [], summary: '', placeholderEmails: 0 };
    const check = yaml.trim() ? validateDefinitionYaml(yaml, fileName) : undefined;
    if (!check?.valid) {
      reply.code(422);
      const text = check ? `定义有 ${check.problems.length} 处错误，请修改后再预览` : '请粘贴或上传创建活动定义（YAML）';
      return page(app, request, reply, 'preview', { title: '审核定义', nav: 'import', flash: { kind: 'error', text } }, { ...view, problems: check?.problems ?? [] });
    }
    const catchUp = formValue(body, 'catchUp') === 'yes';
    const dates = await startDatesView(ctx, yaml, fileName);
    try {
      const { simulation, simulationNotes } = await previewDefinition(ctx, check.definition, catchUp);
      return page(
        app,
        request,
        reply,
        'preview',
        { title: '审核定义', nav: 'import', flash: { kind: 'ok', text: `预览完成：${simulation.period.months} 个月内共 ${simulation.counts.total} 份通知（未发送任何邮件）` } },
        { ...view, problems: [], dates, catchUp, simulation, simulationNotes },
      );
    } catch (error) {
      const problem = problemFrom(error);
      if (!problem) throw error;
      reply.code(problem.statusCode);
      return page(app, request, reply, 'preview', { title: '审核定义', nav: 'import', flash: { kind: 'error', text: problem.message } }, { ...view, problems: [], dates, catchUp });
    }
  }));
}

