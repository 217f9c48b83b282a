// Signed links of the unit portal (责任单位回复入口): each email to a unit carries one, scoped to one
// campaign and one unit, and either to one task (every mail about a task) or to the unit's monthly
// materials (每月定时报送, the 催报 mail: no task), valid until it expires. No account is needed; the
// signature is the key.
//
//   task:      token = base64url(JSON [2, campaignId, taskId, unitId, expiresAtSeconds, "task", version]) "." base64url(HMAC-SHA256)
//   materials: token = base64url(JSON [2, campaignId, null, unitId, expiresAtSeconds, "materials", version]) "." …
//   delegation: token = base64url(JSON [2, campaignId, taskId, unitId, expiresAtSeconds, "delegation", version]) "." …
//              (转办: a sub-unit's link to what its lead unit handed it of a task, never to the task itself)
//   points:    token = base64url(JSON [2, campaignId, null, unitId, expiresAtSeconds, "points", version]) "." …
//              (the unit's 问题点位 from inspections; its version is the materials link's: withdrawn together)
//
// The version is the link version of (campaign, unit, task) or (campaign, unit) for materials kept in
// PostgreSQL (db/unit-links.ts): the portal accepts a link only while it is the stored one, so a
// reassignment or an office withdrawing a passed-on link stops every link issued before. Links of
// the earlier layout 1 ([1, campaignId, taskId, unitId, expires] for a task, the same with null and
// "materials" for materials) carry no version: they verify as version 0, valid while nothing was
// withdrawn, so links already mailed keep working until they are.
import { createHmac, timingSafeEqual } from 'node:crypto';

interface UnitLinkBase {
  campaignId: string;
  unitId: string;
  /** When the link stops working. */
  expiresAt: Date;
  /** The link version it was issued under (layout 1: 0); absent when signing: 0. */
  version?: number;
}

/** A link to one task: the lead unit acts on it, others read it. */
export interface TaskUnitLink extends UnitLinkBase {
  scope?: 'task';
  taskId: string;
}

/** A link to the unit's monthly materials (每月定时报送): no task, the unit only. */
export interface MaterialsUnitLink extends UnitLinkBase {
  scope: 'materials';
  taskId?: undefined;
}

/** A link to the unit's problem points (问题点位) from inspections: no task, the unit only. */
export interface PointsUnitLink extends UnitLinkBase {
  scope: 'points';
  taskId?: undefined;
}

/** A sub-unit's link to the parts of one task its lead unit handed it (转办): it reports on them, it does not see the task. */
export interface DelegationUnitLink extends UnitLinkBase {
  scope: 'delegation';
  taskId: string;
}

export type UnitLink = TaskUnitLink | MaterialsUnitLink | PointsUnitLink | DelegationUnitLink;
export type UnitLinkScope = 'task' | 'materials' | 'points' | 'delegation';

/** Scopes of a whole unit (no task in the link). */
const UNIT_WIDE: readonly UnitLinkScope[] = ['materials', 'points'];

/** The scope of a link: a task link names none (the layout of the first release). */
export function unitLinkScope(link: UnitLink): UnitLinkScope {
  return link.scope ?? 'task';
}

export type UnitLinkProblem = 'malformed' | 'badSignature' | 'expired' | 'revoked';

export type UnitLinkCheck = { ok: true; link: UnitLink } | { ok: false; problem: UnitLinkProblem; message: string };

/** The layout signed now; LEGACY_LAYOUT tokens are still verified (as link version 0). */
const LAYOUT = 2;
const LEGACY_LAYOUT = 1;
const CONTEXT = 'chuangwen/unit-link/v1';

export const UNIT_LINK_PROBLEMS: Record<UnitLinkProblem, string> = {
  malformed: '链接不完整或格式错误，请从邮件中完整复制链接',
  badSignature: '链接无效（签名不符），请使用邮件中的原始链接',
  expired: '链接已过期，请联系创建办重新发送',
  revoked: '该链接已被收回（任务已改派，或创建办已收回并重新发送链接），请使用最新邮件中的链接，或联系创建办',
};

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${CONTEXT}.${payload}`).digest();
}

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || Buffer.byteLength(secret, 'utf8') < 32) throw new Error('LINK_SECRET 至少需要 32 个字节');
}

/** The token to put in a unit's link (see unitLinkUrl). */
export function signUnitLink(link: UnitLink, secret: string): string {
  checkSecret(secret);
  const expires = Math.floor(link.expiresAt.getTime() / 1000);
  if (!Number.isFinite(expires)) throw new Error('链接有效期无效');
  const scope = unitLinkScope(link);
  const unitWide = UNIT_WIDE.includes(scope);
  if (!unitWide && !link.taskId) throw new Error('任务链接缺少任务编号');
  const version = link.version ?? 0;
  if (!Number.isInteger(version) || version < 0) throw new Error('链接版本无效');
  const fields = [LAYOUT, link.campaignId, unitWide ? null : link.taskId, link.unitId, expires, scope, version];
  const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

/** Checks signature and expiry; never throws for a bad token. */
export function verifyUnitLink(token: string, secret: string, now: Date = new Date()): UnitLinkCheck {
  checkSecret(secret);
  const fail = (problem: UnitLinkProblem): UnitLinkCheck => ({ ok: false, problem, message: UNIT_LINK_PROBLEMS[problem] });
  if (typeof token !== 'string' || token.length > 1024) return fail('malformed');
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return fail('malformed');
  const [payload, signature] = parts;
  // Compared as text: base64url has several spellings of the same bytes, and only ours is accepted.
  const given = Buffer.from(signature, 'latin1');
  const expected = Buffer.from(mac(payload, secret).toString('base64url'), 'latin1');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail('badSignature');
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return fail('malformed');
  }
  const text = (f: unknown): f is string => typeof f === 'string' && f.length > 0;
  if (!Array.isArray(fields) || !text(fields[1]) || !text(fields[3]) || typeof fields[4] !== 'number') return fail('malformed');
  let task: boolean;
  let materials: boolean;
  let delegation = false;
  let points = false;
  let version = 0;
  if (fields[0] === LEGACY_LAYOUT) {
    task = fields.length === 5 && text(fields[2]);
    materials = fields.length === 6 && fields[2] === null && fields[5] === 'materials';
  } else if (fields[0] === LAYOUT) {
    if (fields.length !== 7 || !Number.isInteger(fields[6]) || (fields[6] as number) < 0) return fail('malformed');
    version = fields[6] as number;
    task = text(fields[2]) && fields[5] === 'task';
    delegation = text(fields[2]) && fields[5] === 'delegation';
    materials = fields[2] === null && fields[5] === 'materials';
    points = fields[2] === null && fields[5] === 'points';
  } else {
    return fail('malformed');
  }
  if (!task && !materials && !delegation && !points) return fail('malformed');
  const [, campaignId, taskId, unitId, expires] = fields as [number, string, string | null, string, number];
  const expiresAt = new Date(expires * 1000);
  if (now.getTime() >= expiresAt.getTime()) return fail('expired');
  return {
    ok: true,
    link: materials
      ? { scope: 'materials', campaignId, unitId, expiresAt, version }
      : points
        ? { scope: 'points', campaignId, unitId, expiresAt, version }
        : delegation
        ? { scope: 'delegation', campaignId, taskId: taskId!, unitId, expiresAt, version }
        : { campaignId, taskId: taskId!, unitId, expiresAt, version },
  };
}

/** The full address of the portal page of a token, e.g. https://chuangwen.example.org/u/eyJ… */
export function unitLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/u/${token}`;
}

export interface UnitLinkOptions {
  publicUrl: string;
  secret: string;
}

/** What a link for one email opens: a task of a unit, or a unit's monthly materials. */
export type UnitLinkTarget =
  | { scope?: 'task' | 'delegation'; campaignId: string; taskId: string; unitId: string }
  | { scope: 'materials' | 'points'; campaignId: string; unitId: string };

/**
 * How long a link works after its deadline: 30 days. The deadline is the later of the task's
 * 完成时限 and the day the link is issued (for materials, the day they are due), so every mail of
 * the ladder (逾期通报, 督办函, 约谈 …, each with a fresh link) gives the unit another 30 days from
 * that mail, while a link from the first 交办通知 stops 30 days after the task's deadline.
 */
export const UNIT_LINK_VALID_DAYS = 30;

/** When a link with this deadline stops working (see UNIT_LINK_VALID_DAYS). */
export function unitLinkExpiry(deadline: Date, validDays: number = UNIT_LINK_VALID_DAYS): Date {
  return new Date(deadline.getTime() + validDays * 86_400_000);
}

/**
 * A link for one email: signed with the link version given (the current one of its unit and task or
 * materials: db/unit-links.ts), valid until UNIT_LINK_VALID_DAYS after its deadline.
 */
export function unitLinkFor(
  options: UnitLinkOptions,
  link: UnitLinkTarget & { deadline: Date; validDays?: number; version?: number },
): string {
  const expiresAt = unitLinkExpiry(link.deadline, link.validDays);
  const version = link.version ?? 0;
  const { campaignId, unitId } = link;
  const signed: UnitLink =
    'taskId' in link
      ? { ...(link.scope === 'delegation' ? { scope: 'delegation' as const } : {}), campaignId, taskId: link.taskId, unitId, expiresAt, version }
      : { scope: link.scope, campaignId, unitId, expiresAt, version };
  return unitLinkUrl(options.publicUrl, signUnitLink(signed, options.secret));
}
