// Signed links of the unit portal (责任单位回复入口): each email to a unit carries one, scoped to one
// campaign and one unit, and either to one task (every mail about a task) or to the unit's monthly
// materials (每月定时报送, the 催报 mail: no task), valid until it expires. No account is needed; the
// signature is the key.
//
//   task:      token = base64url(JSON [1, campaignId, taskId, unitId, expiresAtSeconds]) "." base64url(HMAC-SHA256)
//   materials: token = base64url(JSON [1, campaignId, null, unitId, expiresAtSeconds, "materials"]) "." …
//
// A task link keeps the layout of the first release, so links already mailed keep working; a link of
// another scope has no task and names its scope, which a verifier of the first release refuses.
import { createHmac, timingSafeEqual } from 'node:crypto';

interface UnitLinkBase {
  campaignId: string;
  unitId: string;
  /** When the link stops working. */
  expiresAt: Date;
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

export type UnitLink = TaskUnitLink | MaterialsUnitLink;
export type UnitLinkScope = 'task' | 'materials';

/** The scope of a link: a task link names none (the layout of the first release). */
export function unitLinkScope(link: UnitLink): UnitLinkScope {
  return link.scope === 'materials' ? 'materials' : 'task';
}

export type UnitLinkProblem = 'malformed' | 'badSignature' | 'expired';

export type UnitLinkCheck = { ok: true; link: UnitLink } | { ok: false; problem: UnitLinkProblem; message: string };

const VERSION = 1;
const CONTEXT = 'chuangwen/unit-link/v1';

export const UNIT_LINK_PROBLEMS: Record<UnitLinkProblem, string> = {
  malformed: '链接不完整或格式错误，请从邮件中完整复制链接',
  badSignature: '链接无效（签名不符），请使用邮件中的原始链接',
  expired: '链接已过期，请联系创建办重新发送',
};

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${CONTEXT}.${payload}`).digest();
}

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < 16) throw new Error('LINK_SECRET 至少需要 16 个字符');
}

/** The token to put in a unit's link (see unitLinkUrl). */
export function signUnitLink(link: UnitLink, secret: string): string {
  checkSecret(secret);
  const expires = Math.floor(link.expiresAt.getTime() / 1000);
  if (!Number.isFinite(expires)) throw new Error('链接有效期无效');
  const materials = unitLinkScope(link) === 'materials';
  if (!materials && !link.taskId) throw new Error('任务链接缺少任务编号');
  const fields = materials
    ? [VERSION, link.campaignId, null, link.unitId, expires, 'materials']
    : [VERSION, link.campaignId, link.taskId, link.unitId, expires];
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
  if (!Array.isArray(fields) || fields[0] !== VERSION || !text(fields[1]) || !text(fields[3]) || typeof fields[4] !== 'number') {
    return fail('malformed');
  }
  const task = fields.length === 5 && text(fields[2]);
  const materials = fields.length === 6 && fields[2] === null && fields[5] === 'materials';
  if (!task && !materials) return fail('malformed');
  const [, campaignId, taskId, unitId, expires] = fields as [number, string, string | null, string, number];
  const expiresAt = new Date(expires * 1000);
  if (now.getTime() >= expiresAt.getTime()) return fail('expired');
  return {
    ok: true,
    link: materials ? { scope: 'materials', campaignId, unitId, expiresAt } : { campaignId, taskId: taskId!, unitId, expiresAt },
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
  | { scope?: 'task'; campaignId: string; taskId: string; unitId: string }
  | { scope: 'materials'; campaignId: string; unitId: string };

/**
 * A link for one email: signed, and valid until `validDays` (default 90) after its deadline (the
 * task's deadline; for materials, the day they are due).
 */
export function unitLinkFor(options: UnitLinkOptions, link: UnitLinkTarget & { deadline: Date; validDays?: number }): string {
  const expiresAt = new Date(link.deadline.getTime() + (link.validDays ?? 90) * 86_400_000);
  const signed: UnitLink =
    link.scope === 'materials'
      ? { scope: 'materials', campaignId: link.campaignId, unitId: link.unitId, expiresAt }
      : { campaignId: link.campaignId, taskId: link.taskId, unitId: link.unitId, expiresAt };
  return unitLinkUrl(options.publicUrl, signUnitLink(signed, options.secret));
}
