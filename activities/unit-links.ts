// Signed links of the unit portal (责任单位回复入口): each email to a unit carries one, scoped to one
// campaign, one task and one unit, valid until it expires. No account is needed; the signature is the key.
//
//   token = base64url(JSON [version, campaignId, taskId, unitId, expiresAtSeconds]) "." base64url(HMAC-SHA256)
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnitLink {
  campaignId: string;
  taskId: string;
  unitId: string;
  /** When the link stops working. */
  expiresAt: Date;
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
  const payload = Buffer.from(JSON.stringify([VERSION, link.campaignId, link.taskId, link.unitId, expires])).toString('base64url');
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
  if (
    !Array.isArray(fields) ||
    fields.length !== 5 ||
    fields[0] !== VERSION ||
    !fields.slice(1, 4).every((f) => typeof f === 'string' && f.length > 0) ||
    typeof fields[4] !== 'number'
  ) {
    return fail('malformed');
  }
  const [, campaignId, taskId, unitId, expires] = fields as [number, string, string, string, number];
  const expiresAt = new Date(expires * 1000);
  if (now.getTime() >= expiresAt.getTime()) return fail('expired');
  return { ok: true, link: { campaignId, taskId, unitId, expiresAt } };
}

/** The full address of the portal page of a token, e.g. https://chuangwen.example.org/u/eyJ… */
export function unitLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/u/${token}`;
}

/** A link for one email: signed, and valid until `validDays` after the task's deadline (default 90). */
export interface UnitLinkOptions {
  publicUrl: string;
  secret: string;
}

export function unitLinkFor(
  options: UnitLinkOptions,
  link: Omit<UnitLink, 'expiresAt'> & { deadline: Date; validDays?: number },
): string {
  const expiresAt = new Date(link.deadline.getTime() + (link.validDays ?? 90) * 86_400_000);
  const token = signUnitLink({ campaignId: link.campaignId, taskId: link.taskId, unitId: link.unitId, expiresAt }, options.secret);
  return unitLinkUrl(options.publicUrl, token);
}
