// 问题点位 pages: a campaign's inspections and their points with photos. Every account reads them;
// administrators import a problem list with its photo archive, or enter points one at a time on a
// phone at the spot (the camera's photo, downscaled in the browser before it is sent).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findInspection, findPointPhoto, listInspections, listPointEvents, listPoints } from '../../db/inspections.js';
import { dispatchInspection, pointsChanged } from '../inspections.js';
import { decideDispute, PointRefused, recheckPoint } from '../../services/point-actions.js';
import { isCivilDate } from '../../domain/calendar.js';
import {
  COMMON_CATEGORIES,
  INSPECTION_KIND_NAMES,
  INSPECTION_KINDS,
  inspectionKindOf,
  POINT_SHEET,
  POINT_STATUS_NAMES,
  SEVERITIES,
  SEVERITY_NAMES,
} from '../../domain/inspections.js';
import { MAX_PHOTO_BYTES } from '../../services/photos.js';
import { inspectionPointsWorkbook, inspectionReportDocx, loadInspectionReport } from '../../services/inspection-report.js';
import { pointListTemplate } from '../../services/inspection-workbook.js';
import { addPoint, createInspection, importInspection, InspectionImportError } from '../../services/inspections.js';
import { formatSheetProblem } from '../../services/spreadsheet.js';
import { XLSX_TYPE } from '../../services/directory-workbook.js';
import { DOCX_TYPE } from '../../services/docx.js';
import { requireCampaign } from '../api/compose.js';
import { listCampaigns, todayIn } from '../api/read-model.js';
import { HttpProblem } from '../api/problems.js';
import { requireAdmin, requireUser } from './auth.js';
import { attachment, pointPhotoReply } from './download.js';
import { formValue } from './pages.js';
import { withUploads, type UploadedFile } from './uploads.js';
import { page } from './views.js';

type Params = Record<string, string>;
type Flash = { kind: 'ok' | 'error' | 'info'; text: string };

const DECIDED: Record<string, string> = { rechecked: '已记录复查结果', decided: '已处理异议' };
const POINT_EVENT_NAMES: Record<string, string> = {
  answered: '单位上传整改情况',
  disputed: '单位提出异议',
  passed: '复查通过，销号',
  returned: '复查未通过，退回',
  disputeUpheld: '异议成立，改派',
  disputeRejected: '异议不成立',
};

/** A problem list of 20,000 rows with an archive of its photos: larger goes through the CLI. */
const INSPECTION_UPLOAD_LIMITS = { fileSize: 500 * 1024 * 1024, files: 2, fields: 20, fieldSize: 64 * 1024, parts: 30 };
/** Photos of one point taken on the spot (the console's form and the JSON API alike). */
export const POINT_UPLOAD_LIMITS = { fileSize: MAX_PHOTO_BYTES, files: 6, fields: 20, fieldSize: 64 * 1024, parts: 30 };

export function numberParam(request: FastifyRequest, name: string, what: string): number {
  const text = (request.params as Params)[name];
  if (!/^\d{1,15}$/.test(text)) throw new HttpProblem(404, 'NotFound', `${what}不存在`);
  return Number(text);
}

export const files = (body: unknown, key: string): UploadedFile[] => {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.filter((f): f is UploadedFile => Boolean(f && typeof f === 'object' && 'data' in f && (f as UploadedFile).data.length > 0));
};

export function registerInspectionRoutes(app: FastifyInstance): void {
  const ctx = app.console;
  const user = { preHandler: requireUser };
  const adminRead = { preHandler: requireAdmin };
  const admin = { preHandler: [requireAdmin, app.csrfProtection] };
  /** Uploads: checked before the body is read (the CSRF token rides in the form action's query). */
  const adminUpload = { onRequest: [requireAdmin, app.csrfProtection] };
  const kinds = INSPECTION_KINDS.map((k) => ({ value: k, name: INSPECTION_KIND_NAMES[k] }));

  const listPage = async (request: FastifyRequest, reply: FastifyReply, campaignId: string, extra: { flash?: Flash; problems?: string[]; form?: Record<string, string> } = {}) => {
    const campaign = await requireCampaign(ctx, campaignId);
    const inspections = await listInspections(ctx.db, campaignId);
    return page(app, request, reply, 'inspections', { title: '问题点位', nav: 'inspections', campaignId, flash: extra.flash }, {
      campaign,
      inspections: inspections.map((i) => ({ ...i, kindName: INSPECTION_KIND_NAMES[i.kind] })),
      kinds,
      problems: extra.problems ?? [],
      form: extra.form ?? {},
      today: await today(),
    });
  };
  const today = async () => todayIn(await ctx.now());

  app.get('/inspections', user, async (request, reply) => {
    const campaigns = await listCampaigns(ctx.db, await ctx.now());
    if (campaigns.length === 1) return reply.redirect(`/campaigns/${encodeURIComponent(campaigns[0].id)}/inspections`, 303);
    return page(app, request, reply, 'pick-campaign', { title: '问题点位', nav: 'inspections' }, { campaigns, suffix: '/inspections' });
  });

  app.get('/inspections/template.xlsx', user, async (_request, reply) => attachment(reply, '问题清单模板.xlsx', XLSX_TYPE, await pointListTemplate()));

  app.get('/campaigns/:campaignId/inspections', user, async (request, reply) => listPage(request, reply, (request.params as Params).campaignId));

  /** The inspection's kind, date, title and inspectors from a form, or the problem with them. */
  const inspectionOf = (body: unknown) => {
    const form = { kind: formValue(body, 'kind'), heldOn: formValue(body, 'heldOn'), title: formValue(body, 'title'), inspectors: formValue(body, 'inspectors') };
    const kind = inspectionKindOf(form.kind);
    const problem = !kind ? '请选择检查类别' : !isCivilDate(form.heldOn) ? '请填写检查日期（YYYY-MM-DD）' : undefined;
    return { form, kind, problem };
  };

  withUploads(
    app,
    (uploads) =>
      uploads.post('/campaigns/:campaignId/inspections', adminUpload, async (request, reply) => {
        const { campaignId } = request.params as Params;
        await requireCampaign(ctx, campaignId);
        const { form, kind, problem } = inspectionOf(request.body);
        const [list] = files(request.body, 'list');
        const [photos] = files(request.body, 'photos');
        const refuse = (text: string, problems: string[] = []) => {
          reply.code(422);
          return listPage(request, reply, campaignId, { flash: { kind: 'error', text }, problems, form });
        };
        if (problem || !kind) return refuse(problem ?? '请选择检查类别');
        if (!list) return refuse('请选择问题清单（.xlsx）');
        try {
          const result = await importInspection(ctx.db, {
            campaignId,
            kind,
            heldOn: form.heldOn,
            title: form.title,
            inspectors: form.inspectors,
            createdBy: request.user!.displayName || request.user!.name,
            now: await ctx.now(),
            list: { data: list.data, fileName: list.fileName || '问题清单.xlsx' },
            ...(photos ? { photos: { buffer: photos.data, fileName: photos.fileName || '照片.zip' } } : {}),
          });
          await dispatchInspection(ctx.temporal, campaignId, result.inspectionId);
          return reply.redirect(`/campaigns/${encodeURIComponent(campaignId)}/inspections/${result.inspectionId}?imported=${result.points}`, 303);
        } catch (error) {
          if (!(error instanceof InspectionImportError)) throw error;
          const whole = error.problems.length === 1 && !error.problems[0].sheet;
          return refuse(whole ? error.message : `问题清单有 ${error.problems.length} 处错误，未导入任何内容：`, whole ? [] : error.problems.map(formatSheetProblem));
        }
      }),
    INSPECTION_UPLOAD_LIMITS,
  );

  /** An inspection without a list: its points are entered one by one (日常巡查 on a phone). */
  app.post('/campaigns/:campaignId/inspections/new', admin, async (request, reply) => {
    const { campaignId } = request.params as Params;
    await requireCampaign(ctx, campaignId);
    const { form, kind, problem } = inspectionOf(request.body);
    if (problem || !kind) {
      reply.code(422);
      return listPage(request, reply, campaignId, { flash: { kind: 'error', text: problem ?? '请选择检查类别' }, form });
    }
    try {
      const id = await createInspection(ctx.db, { campaignId, kind, heldOn: form.heldOn, title: form.title, inspectors: form.inspectors, createdBy: request.user!.displayName || request.user!.name, now: await ctx.now() });
      return reply.redirect(`/campaigns/${encodeURIComponent(campaignId)}/inspections/${id}/points/new`, 303);
    } catch (error) {
      if (!(error instanceof InspectionImportError)) throw error;
      reply.code(422);
      return listPage(request, reply, campaignId, { flash: { kind: 'error', text: error.message }, form });
    }
  });

  const requireInspection = async (request: FastifyRequest) => {
    const { campaignId } = request.params as Params;
    const campaign = await requireCampaign(ctx, campaignId);
    const inspection = await findInspection(ctx.db, numberParam(request, 'inspectionId', '检查'));
    if (!inspection || inspection.campaign_id !== campaignId) throw new HttpProblem(404, 'NotFound', '检查不存在');
    return { campaign, inspection };
  };

  const inspectionPage = async (request: FastifyRequest, reply: FastifyReply, error?: Flash) => {
    const { campaign, inspection } = await requireInspection(request);
    const points = await listPoints(ctx.db, inspection.id);
    const unitName = new Map(campaign.definition.units.map((u) => [u.id, u.name]));
    const byUnit = new Map<string, typeof points>();
    for (const p of points) byUnit.set(p.unit_id, [...(byUnit.get(p.unit_id) ?? []), p]);
    const query = request.query as Record<string, string | undefined>;
    const flash: Flash | undefined =
      error ??
      (query.imported
        ? { kind: 'ok', text: `已导入 ${query.imported} 个问题点位，并已交办各责任单位` }
        : query.added
          ? { kind: 'ok', text: `已录入第 ${query.added} 号问题点位（点“交办”发给责任单位）` }
          : query.done
            ? { kind: 'ok', text: DECIDED[query.done] ?? '已保存' }
            : query.dispatched
              ? { kind: 'ok', text: '已交办：每个责任单位一份交办通知' }
              : undefined);
    const events = await listPointEvents(ctx.db, points.map((p) => p.id));
    return page(app, request, reply, 'inspection', { title: inspection.title, nav: 'inspections', campaignId: campaign.id, flash }, {
      campaign,
      inspection: { ...inspection, kindName: INSPECTION_KIND_NAMES[inspection.kind] },
      units: [...byUnit].map(([id, list]) => ({
        id,
        name: unitName.get(id) ?? id,
        points: list.map((p) => ({ ...p, events: events.filter((e) => e.point_id === p.id).map((e) => ({ ...e, name: POINT_EVENT_NAMES[e.kind] ?? e.kind })) })),
      })),
      allUnits: campaign.definition.units,
      undispatched: points.filter((p) => p.dispatched_at === null).length,
      severityNames: SEVERITY_NAMES,
      statusNames: POINT_STATUS_NAMES,
      today: await today(),
    });
  };
  app.get('/campaigns/:campaignId/inspections/:inspectionId', user, async (request, reply) => inspectionPage(request, reply));

  const pointForm = async (request: FastifyRequest, reply: FastifyReply, extra: { flash?: Flash; problems?: string[]; form?: Record<string, string> } = {}) => {
    const { campaign, inspection } = await requireInspection(request);
    return page(app, request, reply, 'point-new', { title: `录入问题点位：${inspection.title}`, nav: 'inspections', campaignId: campaign.id, flash: extra.flash }, {
      campaign,
      inspection,
      units: campaign.definition.units,
      categories: COMMON_CATEGORIES,
      severities: SEVERITIES.map((s) => ({ value: s, name: SEVERITY_NAMES[s] })),
      problems: extra.problems ?? [],
      form: extra.form ?? {},
      maxPhotoMb: MAX_PHOTO_BYTES / 1024 / 1024,
    });
  };

  app.get('/campaigns/:campaignId/inspections/:inspectionId/points/new', adminRead, async (request, reply) => pointForm(request, reply));

  withUploads(
    app,
    (uploads) =>
      uploads.post('/campaigns/:campaignId/inspections/:inspectionId/points', adminUpload, async (request, reply) => {
        const { campaign, inspection } = await requireInspection(request);
        const fields = Object.fromEntries(POINT_SHEET.columns.map((c) => [c.field, formValue(request.body, c.field)]));
        try {
          const { number } = await addPoint(ctx.db, {
            campaignId: campaign.id,
            inspectionId: inspection.id,
            fields,
            photos: files(request.body, 'photo').map((f) => ({ fileName: f.fileName || '照片.jpg', data: f.data })),
            now: await ctx.now(),
          });
          const next = formValue(request.body, 'next') === 'yes' ? '/points/new' : '';
          return reply.redirect(`/campaigns/${encodeURIComponent(campaign.id)}/inspections/${inspection.id}${next}?added=${number}`, 303);
        } catch (error) {
          if (!(error instanceof InspectionImportError)) throw error;
          reply.code(422);
          return pointForm(request, reply, { flash: { kind: 'error', text: `未保存：有 ${error.problems.length} 处问题` }, problems: error.problems.map(formatSheetProblem), form: fields });
        }
      }),
    POINT_UPLOAD_LIMITS,
  );

  const report = async (request: FastifyRequest) => {
    const { campaign, inspection } = await requireInspection(request);
    const { definition } = campaign;
    return loadInspectionReport(ctx.db, { title: campaign.title, officeName: definition.office.name, units: definition.units }, inspection, await today());
  };
  app.get('/campaigns/:campaignId/inspections/:inspectionId/report.docx', user, async (request, reply) => {
    const data = await report(request);
    return attachment(reply, `${data.inspection.title}整改情况通报.docx`, DOCX_TYPE, await inspectionReportDocx(data));
  });
  app.get('/campaigns/:campaignId/inspections/:inspectionId/points.xlsx', user, async (request, reply) => {
    const data = await report(request);
    return attachment(reply, `${data.inspection.title}问题清单.xlsx`, XLSX_TYPE, await inspectionPointsWorkbook(data));
  });

  /** 交办 of the points entered since the last dispatch (on a phone, a dispute sent elsewhere): one notice per unit. */
  app.post('/campaigns/:campaignId/inspections/:inspectionId/dispatch', admin, async (request, reply) => {
    const { campaign, inspection } = await requireInspection(request);
    await dispatchInspection(ctx.temporal, campaign.id, inspection.id);
    return reply.redirect(`/campaigns/${encodeURIComponent(campaign.id)}/inspections/${inspection.id}?dispatched=1`, 303);
  });

  /** The office's decision on one point: 复查 of an answer, or a dispute. */
  const decide = (run: (request: FastifyRequest, by: string, pointId: number) => Promise<{ inspectionId: number; reassigned?: boolean }>, done: string) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const { campaign, inspection } = await requireInspection(request);
      const pointId = numberParam(request, 'pointId', '问题点位');
      try {
        const result = await run(request, request.user!.displayName || request.user!.name, pointId);
        if (result.reassigned) await dispatchInspection(ctx.temporal, campaign.id, inspection.id);
        else await pointsChanged(ctx.temporal, campaign.id, inspection.id);
        return reply.redirect(`/campaigns/${encodeURIComponent(campaign.id)}/inspections/${inspection.id}?done=${done}#point-${pointId}`, 303);
      } catch (error) {
        if (!(error instanceof PointRefused)) throw error;
        reply.code(422);
        return inspectionPage(request, reply, { kind: 'error', text: error.message });
      }
    };
  app.post(
    '/campaigns/:campaignId/inspections/:inspectionId/points/:pointId/recheck',
    admin,
    decide(async (request, by, pointId) =>
      recheckPoint(ctx.db, { campaignId: (request.params as Params).campaignId, pointId, by, pass: formValue(request.body, 'decision') === 'pass', reason: formValue(request.body, 'reason'), now: await ctx.now() }),
    'rechecked'),
  );
  app.post(
    '/campaigns/:campaignId/inspections/:inspectionId/points/:pointId/dispute',
    admin,
    decide(async (request, by, pointId) =>
      decideDispute(ctx.db, { campaignId: (request.params as Params).campaignId, pointId, by, reassignTo: formValue(request.body, 'reassignTo'), reason: formValue(request.body, 'reason'), now: await ctx.now() }),
    'decided'),
  );

  // A point's photo and its thumbnail, to everyone who may read the campaign's points.
  const photo = (variant: 'content' | 'thumbnail') => async (request: FastifyRequest, reply: FastifyReply) => {
    const found = await findPointPhoto(ctx.db, numberParam(request, 'photoId', '照片'), variant);
    if (!found) throw new HttpProblem(404, 'NotFound', '照片不存在');
    await requireCampaign(ctx, found.campaign_id);
    return pointPhotoReply(reply, found);
  };
  app.get('/point-photos/:photoId', user, photo('content'));
  app.get('/point-photos/:photoId/thumbnail', user, photo('thumbnail'));
}
