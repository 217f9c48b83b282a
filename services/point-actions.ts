// What happens to a point after it is sent: the unit answers with an after-photo (整改后照片) or
// disputes it (not ours, with a reason, before the deadline); the office re-checks an answer (复查:
// pass → 销号, fail → returned with the reason and a new deadline, counted) and decides a dispute
// (reassign to another unit, or keep it with the unit). Each is refused with its reason when it does
// not apply, and recorded with who did it.
import { loadCampaignStatusAndSettings } from '../db/campaigns.js';
import { findPoint, insertPointEvent, insertPointPhoto, updatePoint, type PointRecord } from '../db/inspections.js';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { fixDaysOf, MAX_POINT_TEXT, pointLadder, POINT_STATUS_NAMES, type PointStatus } from '../domain/inspections.js';
import { civilDateAt, endOfCivilDay, loadCampaignCalendar } from './calendar.js';
import { keepPhotos } from './photos.js';

/** An action that does not apply, with the reason a user reads. */
export class PointRefused extends Error {
  override name = 'PointRefused';
}

interface Acting {
  campaignId: string;
  pointId: number;
  /** Who did it: the unit's person (portal) or the office's account (console). */
  by: string;
  now: Date;
}

/** The point, locked for the change, of this campaign (and this unit, when a unit acts). */
async function lockedPoint(tx: Queryable, a: Acting, unitId?: string): Promise<PointRecord> {
  const point = await findPoint(tx, a.pointId);
  if (!point || point.campaign_id !== a.campaignId || (unitId !== undefined && point.unit_id !== unitId)) throw new PointRefused('问题点位不存在');
  return point;
}

function text(value: string | undefined, what: string, required: boolean): string {
  const t = (value ?? '').trim();
  if (!t && required) throw new PointRefused(`请填写${what}`);
  if ([...t].length > MAX_POINT_TEXT) throw new PointRefused(`${what}过长（最多 ${MAX_POINT_TEXT} 字）`);
  return t;
}

/** A new deadline by the point's severity, counted from today, and when its next rung is then due. */
async function freshDeadline(db: Queryable, campaignId: string, point: PointRecord, now: Date, unitId = point.unit_id) {
  const campaign = await loadCampaignStatusAndSettings(db, campaignId);
  if (!campaign) throw new PointRefused('创建活动不存在');
  const { settings } = campaign;
  const today = civilDateAt(now.toISOString(), settings.timeZone);
  const days = fixDaysOf(settings.inspections)[point.severity];
  const deadline = days === 0 ? today : (await loadCampaignCalendar(db, campaignId)).addWorkingDays(today, days).date;
  const kind = settings.units.find((u) => u.id === unitId)?.kind ?? 'department';
  const next = pointLadder(settings.escalation, kind)[point.rung];
  return { deadline, nextRungAt: next ? endOfCivilDay(deadline, settings.timeZone) : null, today, timeZone: settings.timeZone };
}

const notNow = (point: PointRecord, action: string) => new PointRefused(`该点位${POINT_STATUS_NAMES[point.status as PointStatus] ?? point.status}，不能${action}`);

/** The unit's answer: at least one after-photo, and what it did. */
export async function answerPoint(db: Db, a: Acting & { unitId: string; text?: string; photos: { fileName: string; data: Buffer }[] }): Promise<void> {
  const words = text(a.text, '整改情况', false);
  if (a.photos.length === 0) throw new PointRefused('请上传整改后照片（与整改前同一角度）');
  const campaign = await loadCampaignStatusAndSettings(db, a.campaignId);
  const { kept, refusals } = await keepPhotos(a.photos, campaign?.settings.timeZone ?? 'Asia/Shanghai');
  if (refusals.length > 0) throw new PointRefused(refusals[0]);
  await inTransaction(db, async (tx) => {
    const point = await lockedPoint(tx, a, a.unitId);
    if (point.status === 'closed') throw new PointRefused('该点位已销号，不能再上传整改照片');
    if (point.status !== 'open' && point.status !== 'returned') throw notNow(point, '上传整改照片');
    for (const photo of kept) {
      await insertPointPhoto(tx, { pointId: point.id, stage: 'after', ...photo });
    }
    await updatePoint(tx, point.id, { status: 'answered' });
    await insertPointEvent(tx, { pointId: point.id, kind: 'answered', actor: a.by, detail: { text: words, photos: kept.length }, at: a.now.toISOString() });
  });
}

/** The unit says the point is not its own, with its reason, before the deadline. */
export async function disputePoint(db: Db, a: Acting & { unitId: string; reason?: string }): Promise<void> {
  const reason = text(a.reason, '异议理由', true);
  await inTransaction(db, async (tx) => {
    const point = await lockedPoint(tx, a, a.unitId);
    if (point.status !== 'open' && point.status !== 'returned') throw notNow(point, '提出异议');
    const campaign = await loadCampaignStatusAndSettings(tx, a.campaignId);
    const today = civilDateAt(a.now.toISOString(), campaign?.settings.timeZone ?? 'Asia/Shanghai');
    if (today > point.deadline) throw new PointRefused(`已过整改时限（${point.deadline}），不能再提出异议`);
    await updatePoint(tx, point.id, { status: 'disputed' });
    await insertPointEvent(tx, { pointId: point.id, kind: 'disputed', actor: a.by, detail: { reason }, at: a.now.toISOString() });
  });
}

/** 复查 of an answer: pass closes the point; fail returns it with the reason and a new deadline. Returns the inspection. */
export async function recheckPoint(db: Db, a: Acting & { pass: boolean; reason?: string }): Promise<{ inspectionId: number }> {
  const reason = text(a.reason, '复查未通过的原因', !a.pass);
  return inTransaction(db, async (tx) => {
    const point = await lockedPoint(tx, a);
    if (point.status !== 'answered') throw new PointRefused(`该点位${POINT_STATUS_NAMES[point.status as PointStatus] ?? point.status}，没有待复查的整改情况`);
    if (a.pass) {
      await updatePoint(tx, point.id, { status: 'closed', nextRungAt: null });
      await insertPointEvent(tx, { pointId: point.id, kind: 'passed', actor: a.by, detail: reason ? { text: reason } : {}, at: a.now.toISOString() });
    } else {
      const fresh = await freshDeadline(tx, a.campaignId, point, a.now);
      await updatePoint(tx, point.id, { status: 'returned', deadline: fresh.deadline, nextRungAt: fresh.nextRungAt, returned: true });
      await insertPointEvent(tx, { pointId: point.id, kind: 'returned', actor: a.by, detail: { reason, deadline: fresh.deadline }, at: a.now.toISOString() });
    }
    return { inspectionId: point.inspection_id };
  });
}

/** A dispute decided: sent to another unit (to be dispatched to it), or kept with the unit with a new deadline. */
export async function decideDispute(db: Db, a: Acting & { reassignTo?: string; reason?: string }): Promise<{ inspectionId: number; reassigned: boolean }> {
  const reason = text(a.reason, '处理意见', true);
  return inTransaction(db, async (tx) => {
    const point = await lockedPoint(tx, a);
    if (point.status !== 'disputed') throw new PointRefused('该点位没有待处理的异议');
    const campaign = await loadCampaignStatusAndSettings(tx, a.campaignId);
    const to = a.reassignTo?.trim();
    if (to) {
      if (to === point.unit_id) throw new PointRefused('改派的单位与原责任单位相同');
      if (!campaign?.settings.units.some((u) => u.id === to)) throw new PointRefused(`单位不存在：${to}`);
      const fresh = await freshDeadline(tx, a.campaignId, { ...point, rung: 0 }, a.now, to);
      await updatePoint(tx, point.id, { status: 'open', unitId: to, deadline: fresh.deadline, redispatch: true, nextRungAt: null });
      await insertPointEvent(tx, { pointId: point.id, kind: 'disputeUpheld', actor: a.by, detail: { reason, from: point.unit_id, to, deadline: fresh.deadline }, at: a.now.toISOString() });
      return { inspectionId: point.inspection_id, reassigned: true };
    }
    const fresh = await freshDeadline(tx, a.campaignId, point, a.now);
    await updatePoint(tx, point.id, { status: 'open', deadline: fresh.deadline, nextRungAt: fresh.nextRungAt });
    await insertPointEvent(tx, { pointId: point.id, kind: 'disputeRejected', actor: a.by, detail: { reason, deadline: fresh.deadline }, at: a.now.toISOString() });
    return { inspectionId: point.inspection_id, reassigned: false };
  });
}
