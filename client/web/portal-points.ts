// The unit's 问题点位 in the portal (no account: the link in its 交办 mail). On a phone: each point's
// photo before, the place and the problem; take the photo after from the same angle and send it,
// or say the point is not the unit's own (before its deadline). The unit sees its own points only.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findPointPhoto, listPointEvents, listUnitPoints } from '../../db/inspections.js';
import { findMaterialsLinkTarget } from '../../db/read/portal.js';
import { POINT_STATUS_NAMES, SEVERITY_NAMES, type PointStatus } from '../../domain/inspections.js';
import { answerPoint, disputePoint, PointRefused } from '../../services/point-actions.js';
import { MAX_PHOTO_BYTES } from '../../services/photos.js';
import type { PointsUnitLink } from '../../services/unit-links.js';
import { HttpProblem } from '../api/problems.js';
import { todayIn } from '../api/read-model.js';
import { pointPhotoReply } from './download.js';
import { formValue } from './pages.js';
import { byLabel, checkedLink, portalRateLimit } from './portal.js';
import { withUploads, type UploadedFile } from './uploads.js';
import { page } from './views.js';

type Flash = { kind: 'ok' | 'error' | 'info'; text: string };

/** After-photos of one point taken on the spot. */
const ANSWER_UPLOAD_LIMITS = { fileSize: MAX_PHOTO_BYTES, files: 4, fields: 10, fieldSize: 64 * 1024, parts: 20 };
const DONE: Record<string, string> = { answered: '已上传整改情况，等待创城办复查', disputed: '已提出异议，等待创城办处理' };

export function registerPortalPointRoutes(app: FastifyInstance): void {
  const ctx = app.console;

  /** A points link of a unit that exists: refused like every other link otherwise. */
  const pointsAccess = async (token: string): Promise<{ link: PointsUnitLink; unitName: string; campaignTitle: string; officeName: string }> => {
    const link = await checkedLink(ctx, token);
    if (link.scope !== 'points') throw new HttpProblem(403, 'LinkInvalid', '该链接不是问题点位的整改链接');
    const target = await findMaterialsLinkTarget(ctx.db, link.campaignId, link.unitId);
    if (!target) throw new HttpProblem(404, 'NotFound', '该链接对应的创建活动不存在');
    if (target.unit_name === null) throw new HttpProblem(403, 'LinkInvalid', '该链接对应的单位不存在');
    return { link, unitName: target.unit_name, campaignTitle: target.title, officeName: target.office?.name ?? '' };
  };

  const pointId = (request: FastifyRequest) => {
    const text = (request.params as { pointId: string }).pointId;
    if (!/^\d{1,15}$/.test(text)) throw new HttpProblem(404, 'NotFound', '问题点位不存在');
    return Number(text);
  };

  const render = async (request: FastifyRequest, reply: FastifyReply, token: string, flash?: Flash, form: Record<string, string> = {}) => {
    const access = await pointsAccess(token);
    const now = await ctx.now();
    const today = todayIn(now);
    const points = await listUnitPoints(ctx.db, access.link.campaignId, access.link.unitId, now);
    const events = await listPointEvents(ctx.db, points.map((p) => p.id));
    reply.header('Cache-Control', 'no-store');
    return page(app, request, reply, 'portal-points', { title: `${access.unitName}问题点位`, bare: true, flash }, {
      ...access,
      token,
      form,
      today,
      points: points.map((p) => ({
        ...p,
        statusName: POINT_STATUS_NAMES[p.status as PointStatus] ?? p.status,
        severityName: SEVERITY_NAMES[p.severity],
        overdue: (p.status === 'open' || p.status === 'returned') && p.deadline < today,
        canAnswer: p.status === 'open' || p.status === 'returned',
        canDispute: (p.status === 'open' || p.status === 'returned') && p.deadline >= today,
        returnedFor: events.filter((e) => e.point_id === p.id && e.kind === 'returned').map((e) => String(e.detail.reason ?? '')).pop(),
      })),
      maxPhotoMb: MAX_PHOTO_BYTES / 1024 / 1024,
    });
  };

  /** Runs a unit's action on a point; a refusal shows the page again with its reason. */
  const act = async (request: FastifyRequest, reply: FastifyReply, done: keyof typeof DONE, run: (link: PointsUnitLink, by: string) => Promise<void>) => {
    const { token } = request.params as { token: string };
    const { link } = await pointsAccess(token);
    try {
      await run(link, byLabel(formValue(request.body, 'by')) ?? '');
      return reply.redirect(`/u/${token}/points?done=${done}#point-${pointId(request)}`, 303);
    } catch (error) {
      if (!(error instanceof PointRefused)) throw error;
      reply.code(422);
      return render(request, reply, token, { kind: 'error', text: error.message }, { by: formValue(request.body, 'by'), text: formValue(request.body, 'text'), reason: formValue(request.body, 'reason') });
    }
  };

  app.get('/u/:token/points', async (request, reply) => {
    const { token } = request.params as { token: string };
    const done = DONE[(request.query as { done?: string }).done ?? ''];
    return render(request, reply, token, done ? { kind: 'ok', text: done } : undefined);
  });

  withUploads(
    app,
    (uploads) =>
      uploads.post(
        '/u/:token/points/:pointId/answer',
        {
          onRequest: [async (request) => void (await pointsAccess((request.params as { token: string }).token)), app.csrfProtection],
          config: { rateLimit: portalRateLimit },
        },
        async (request, reply) =>
          act(request, reply, 'answered', async (link, by) => {
            const value = (request.body as Record<string, unknown> | undefined)?.photo;
            const files = (Array.isArray(value) ? value : value ? [value] : []).filter((f): f is UploadedFile => Boolean(f && typeof f === 'object' && 'data' in f && (f as UploadedFile).data.length));
            await answerPoint(ctx.db, {
              campaignId: link.campaignId,
              unitId: link.unitId,
              pointId: pointId(request),
              by,
              text: formValue(request.body, 'text'),
              photos: files.map((f) => ({ fileName: f.fileName || '整改后.jpg', data: f.data })),
              now: await ctx.now(),
            });
          }),
      ),
    ANSWER_UPLOAD_LIMITS,
  );

  app.post('/u/:token/points/:pointId/dispute', { preHandler: app.csrfProtection, config: { rateLimit: portalRateLimit } }, async (request, reply) =>
    act(request, reply, 'disputed', async (link, by) =>
      disputePoint(ctx.db, { campaignId: link.campaignId, unitId: link.unitId, pointId: pointId(request), by, reason: formValue(request.body, 'reason'), now: await ctx.now() }),
    ),
  );

  /** A photo of one of the unit's own points (before or after). */
  app.get('/u/:token/point-photos/:photoId', async (request, reply) => {
    const { token, photoId } = request.params as { token: string; photoId: string };
    const { link } = await pointsAccess(token);
    if (!/^\d{1,15}$/.test(photoId)) throw new HttpProblem(404, 'NotFound', '照片不存在');
    const found = await findPointPhoto(ctx.db, Number(photoId), (request.query as { size?: string }).size === 'full' ? 'content' : 'thumbnail');
    if (!found || found.campaign_id !== link.campaignId || found.unit_id !== link.unitId) throw new HttpProblem(404, 'NotFound', '照片不存在');
    return pointPhotoReply(reply, found);
  });
}
