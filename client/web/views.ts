// Server-rendered pages: Eta templates in views/, escaping every interpolation by default
// (`<%= %>`); raw output (`<%~ %>`) is used only for included templates and the layout's body.
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { MAX_NAME_CHARS, MAX_TEXT_CHARS } from '../../domain/limits.js';
import { EVIDENCE_FORMS } from '../../domain/task-state.js';
import type { HttpProblem } from '../api/problems.js';
import { csrfToken } from './csrf.js';
import { MARK_NAMES, noticeKindName, rungName, statusName } from '../api/read-model.js';

const VIEWS_DIR = fileURLToPath(new URL('./views/', import.meta.url));

const eta = new Eta({ views: VIEWS_DIR, cache: process.env.NODE_ENV !== 'development', autoEscape: true });

export type NavKey = 'dashboard' | 'campaigns' | 'notices' | 'assessments' | 'inspections' | 'directory' | 'mailbox' | 'import' | 'drafts' | 'none';

export interface PageMeta {
  title: string;
  nav?: NavKey;
  /** Campaign in context, for the navigation's campaign links. */
  campaignId?: string;
  /** A message shown at the top of the page. */
  flash?: { kind: 'ok' | 'error' | 'info'; text: string };
  /** The portal and printable pages have no console navigation. */
  bare?: boolean;
}

/** Formatting helpers every template gets as `it.h`. */
export const helpers = {
  /** The forms' maxlength: what the task workflow takes (domain/limits.ts). */
  limits: { text: MAX_TEXT_CHARS, name: MAX_NAME_CHARS },
  zone: DEFAULT_TIME_ZONE,
  time(value: string | Date | undefined | null, zone = DEFAULT_TIME_ZONE): string {
    if (!value) return '';
    const dt = typeof value === 'string' ? DateTime.fromISO(value) : DateTime.fromJSDate(value);
    return dt.setZone(zone).toFormat('yyyy-MM-dd HH:mm');
  },
  /** A deadline instant: the end of a day reads as that day 24:00, not the next day 00:00. */
  deadline(value: string | undefined | null, zone = DEFAULT_TIME_ZONE): string {
    if (!value) return '';
    const dt = DateTime.fromISO(value).setZone(zone);
    if (dt.hour === 0 && dt.minute === 0) return `${dt.minus({ days: 1 }).toISODate()} 24:00`;
    return dt.toFormat('yyyy-MM-dd HH:mm');
  },
  date(value: string | Date | undefined | null, zone = DEFAULT_TIME_ZONE): string {
    if (!value) return '';
    if (typeof value === 'string' && value.length === 10) return value;
    const dt = typeof value === 'string' ? DateTime.fromISO(value) : DateTime.fromJSDate(value);
    return dt.setZone(zone).toISODate() ?? '';
  },
  chineseDate(value: string): string {
    const dt = value.length === 10 ? DateTime.fromISO(value) : DateTime.fromISO(value).setZone(DEFAULT_TIME_ZONE);
    return `${dt.year}年${dt.month}月${dt.day}日`;
  },
  weekday(value: string): string {
    return `周${'一二三四五六日'[DateTime.fromISO(value).weekday - 1]}`;
  },
  status: statusName,
  rung: rungName,
  noticeKind: noticeKindName,
  mark: (m: 'red' | 'yellow' | 'green') => MARK_NAMES[m],
  form: (f: string) => (EVIDENCE_FORMS as Record<string, string>)[f] ?? f,
  size(bytes: number): string {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  },
  /** e.g. 3天4小时, 5小时20分 */
  duration(ms: number): string {
    const minutes = Math.floor(Math.abs(ms) / 60_000);
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    if (days > 0) return `${days}天${hours ? `${hours}小时` : ''}`;
    if (hours > 0) return `${hours}小时${mins ? `${mins}分` : ''}`;
    return `${mins}分钟`;
  },
  /** Splits text into plain and link parts, so a template can make the links clickable and escape the rest. */
  linkParts(text: string): { text: string; href?: string }[] {
    const parts: { text: string; href?: string }[] = [];
    const re = /https?:\/\/[^\s<>"'）)】]+/g;
    let last = 0;
    for (const m of text.matchAll(re)) {
      if (m.index! > last) parts.push({ text: text.slice(last, m.index) });
      parts.push({ text: m[0], href: m[0] });
      last = m.index! + m[0].length;
    }
    if (last < text.length) parts.push({ text: text.slice(last) });
    return parts;
  },
  /** Query string of a page link, keeping the current filters. */
  query(params: Record<string, string | number | boolean | undefined>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== false) q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : '';
  },
  json(value: unknown): string {
    return JSON.stringify(value, null, 2);
  },
};

export function renderView(name: string, data: Record<string, unknown>): string {
  return eta.render(`./${name}`, { ...data, h: helpers });
}

/** Renders a console page with its layout: user, navigation and a fresh CSRF token. */
export async function page(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  view: string,
  meta: PageMeta,
  data: Record<string, unknown> = {},
): Promise<string> {
  const csrf = csrfToken(request, reply);
  reply.type('text/html; charset=utf-8');
  return renderView(view, {
    ...data,
    page: { ...meta, user: request.user, csrf, mailboxEnabled: app.console.mailboxEnabled, path: request.url },
  });
}

export async function renderErrorPage(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  problem: HttpProblem,
): Promise<string> {
  let csrf = '';
  try {
    if (request.session) csrf = csrfToken(request, reply);
  } catch {
    // no session on this request: no forms on the error page
  }
  return renderView('error', {
    problem,
    page: {
      title: problem.statusCode === 404 ? '页面不存在' : '无法完成操作',
      nav: 'none',
      bare: !request.user,
      user: request.user,
      csrf,
      mailboxEnabled: app.console.mailboxEnabled,
      path: request.url,
    },
  });
}
