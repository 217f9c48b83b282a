// What the console and the HTTP API read: the PostgreSQL read model, shaped for pages and JSON.
// Everything here is a read; actions on workflows are in actions.ts.
import { DateTime } from 'luxon';
import type { CampaignDefinition } from '../../domain/definition.js';
import { describeEvent } from '../../activities/task-record.js';
import { eventLabel } from '../../domain/task-state.js';
import { NOTICE_KINDS } from '../../domain/notices.js';
import { EVENT_NAMES, RUNG_NAMES, TASK_STATUSES } from '../../domain/task-state.js';
import type { NoticeRow } from '../../db/notices.js';
import type { Queryable } from '../../db/pool.js';
import { DUE_SOON_DAYS, unitMark, type Mark } from '../../domain/marks.js';
import { CONSEQUENCE_NAMES, type Consequence } from '../../domain/assessment.js';

export const DEFAULT_ZONE = 'Asia/Shanghai';
/** Upcoming deadlines shown on the dashboard. */
export const UPCOMING_DAYS = 14;

export { MARK_NAMES, type Mark } from '../../domain/marks.js';

export function statusName(status: string): string {
  return (TASK_STATUSES as Record<string, string>)[status] ?? status;
}
export function rungName(rung: number): string {
  return RUNG_NAMES[rung] ?? `第${rung}级`;
}
const EXTRA_NOTICE_NAMES: Record<string, string> = {
  supervisionLetter: '督办函',
  interview: '约谈通知',
  accountability: '追责建议',
  accountabilityReferral: '追责建议',
  criticism: '通报批评',
  criticismNotice: '通报批评',
  bulletin: '月通报',
  monthlyBulletin: '月通报',
  digest: '调度',
  dispatch: '调度',
  assessment: '测评结果',
  extension: '延期批复',
};
export function noticeKindName(kind: string): string {
  return (NOTICE_KINDS as Record<string, { name: string }>)[kind]?.name ?? EXTRA_NOTICE_NAMES[kind] ?? kind;
}

const iso = (d: Date | string | null | undefined): string | undefined =>
  d === null || d === undefined ? undefined : typeof d === 'string' ? d : d.toISOString();

// ---------------------------------------------------------------------------------------------
// Campaigns

export interface CampaignSummary {
  id: string;
  title: string;
  timeZone: string;
  start: string;
  end: string;
  status: string;
  createdAt: string;
  taskCount: number;
  closedCount: number;
  overdueCount: number;
}

export async function listCampaigns(db: Queryable, now: Date): Promise<CampaignSummary[]> {
  const { rows } = await db.query(
    `SELECT c.id, c.title, c.time_zone, c.start_date, c.end_date, c.status, c.created_at,
            count(t.id)::int AS task_count,
            count(t.id) FILTER (WHERE t.status IN ('closed', 'withdrawn'))::int AS closed_count,
            count(t.id) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn')
              AND (t.rung > 0 OR t.deadline < ($1::timestamptz AT TIME ZONE c.time_zone)::date))::int AS overdue_count
     FROM campaigns c LEFT JOIN tasks t ON t.campaign_id = c.id
     GROUP BY c.id ORDER BY c.created_at DESC, c.id`,
    [now],
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    timeZone: r.time_zone,
    start: r.start_date,
    end: r.end_date,
    status: r.status,
    createdAt: iso(r.created_at)!,
    taskCount: r.task_count,
    closedCount: r.closed_count,
    overdueCount: r.overdue_count,
  }));
}

export interface CampaignRecord {
  id: string;
  title: string;
  timeZone: string;
  start: string;
  end: string;
  status: string;
  createdAt: string;
  definition: CampaignDefinition;
}

export async function findCampaign(db: Queryable, campaignId: string): Promise<CampaignRecord | undefined> {
  const { rows } = await db.query(
    'SELECT id, title, time_zone, start_date, end_date, status, created_at, definition FROM campaigns WHERE id = $1',
    [campaignId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: r.id,
    title: r.title,
    timeZone: r.time_zone,
    start: r.start_date,
    end: r.end_date,
    status: r.status,
    createdAt: iso(r.created_at)!,
    definition: r.definition,
  };
}

export interface PhaseView {
  name: string;
  start: string;
  end: string;
  state: 'past' | 'current' | 'future';
}

export function phasesOf(def: CampaignDefinition, today: string): PhaseView[] {
  return (def.phases ?? []).map((p) => ({
    ...p,
    state: today > p.end ? 'past' : today < p.start ? 'future' : 'current',
  }));
}

export interface CadenceView {
  key: string;
  name: string;
  /** How the campaign defines it, in words. */
  rule: string;
  /** The coming dates (civil dates in the campaign's zone), when they can be told. */
  next: string[];
  /** 'workflow' when running workflows act on it; 'definition' when only the definition says it. */
  source: 'workflow' | 'definition';
}

const CADENCE_NAMES: Record<string, string> = {
  weeklyCheck: '每周一检查',
  monthlyBulletin: '月通报',
  quarterlyDispatch: '季调度',
  halfYearSummary: '半年小结',
  monthlyMaterials: '每月报送',
  dispatch: '调度',
  officeDispatch: '创建办调度',
  deputyDispatch: '副组长调度',
  leaderDispatch: '主要领导调度',
  assessment: '实地测评',
};

/**
 * The cadences a campaign runs. The weekly check (每周一检查, Monday 09:00 unless the definition
 * says otherwise) is what every task's workflow acts on today; other cadences are listed as the
 * definition gives them, with their coming dates when the definition states a weekday or day of month.
 */
export function cadencesOf(def: CampaignDefinition, today: string, count = 4): CadenceView[] {
  const out: CadenceView[] = [];
  const raw = (def.cadences ?? {}) as Record<string, unknown>;
  const weekly = objectOf(raw.weeklyCheck);
  const weekday = typeof weekly?.weekday === 'number' ? weekly.weekday : 1;
  const time = typeof weekly?.time === 'string' ? weekly.time : '09:00';
  out.push({
    key: 'weeklyCheck',
    name: '每周一检查',
    rule: `每周${'一二三四五六日'[weekday - 1] ?? weekday} ${time} 检查进展，未报送的发催办`,
    next: nextWeekdays(today, weekday, count, def.end),
    source: 'workflow',
  });
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'weeklyCheck') continue;
    const v = objectOf(value);
    const next =
      typeof v?.weekday === 'number'
        ? nextWeekdays(today, v.weekday, count, def.end)
        : typeof v?.day === 'number' || typeof v?.dayOfMonth === 'number'
          ? nextMonthDays(today, Number(v?.day ?? v?.dayOfMonth), monthStep(v), count, def.end)
          : [];
    out.push({ key, name: CADENCE_NAMES[key] ?? key, rule: describe(value), next, source: 'definition' });
  }
  return out;
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function monthStep(v: Record<string, unknown> | undefined): number {
  const every = v?.everyMonths ?? v?.months ?? v?.interval;
  if (typeof every === 'number' && every >= 1) return every;
  const f = v?.frequency ?? v?.every;
  if (f === 'quarterly') return 3;
  if (f === 'halfYearly' || f === 'halfYear') return 6;
  if (f === 'bimonthly') return 2;
  return 1;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('，');
}

function nextWeekdays(today: string, weekday: number, count: number, end: string): string[] {
  const out: string[] = [];
  let d = DateTime.fromISO(today);
  const shift = (weekday - d.weekday + 7) % 7;
  d = d.plus({ days: shift });
  while (out.length < count && d.toISODate()! <= end) {
    out.push(d.toISODate()!);
    d = d.plus({ weeks: 1 });
  }
  return out;
}

function nextMonthDays(today: string, day: number, step: number, count: number, end: string): string[] {
  if (!Number.isInteger(day) || day < 1 || day > 31) return [];
  const out: string[] = [];
  let m = DateTime.fromISO(today).startOf('month');
  for (let i = 0; i < 48 && out.length < count; i++, m = m.plus({ months: step })) {
    const d = m.set({ day: Math.min(day, m.daysInMonth!) }).toISODate()!;
    if (d > end) break;
    if (d >= today) out.push(d);
  }
  return out;
}

export function todayIn(now: Date, zone = DEFAULT_ZONE): string {
  return DateTime.fromJSDate(now).setZone(zone).toISODate()!;
}

// ---------------------------------------------------------------------------------------------
// Tasks

export interface TaskSummary {
  campaignId: string;
  id: string;
  title: string;
  leadUnit: string;
  leadUnitName: string;
  cooperatingUnits: string[];
  start: string;
  deadline: string;
  status: string;
  statusName: string;
  rung: number;
  rungName: string;
  overdue: boolean;
  deadlineAt?: string;
  lastProgressAt?: string;
  nextEscalationAt?: string;
  updatedAt: string;
}

const TASK_COLUMNS = `t.campaign_id, t.id, t.title, t.lead_unit, COALESCE(u.name, t.lead_unit) AS lead_unit_name,
  t.cooperating_units, t.start_date, t.deadline, t.status, t.rung, t.rung_name, t.next_deadline_at, t.last_progress_at, t.updated_at,
  t.next_escalation_at,
  (t.status NOT IN ('closed', 'withdrawn') AND (t.rung > 0 OR t.deadline < ($1::timestamptz AT TIME ZONE c.time_zone)::date)) AS overdue`;
const TASK_FROM = `tasks t JOIN campaigns c ON c.id = t.campaign_id
  LEFT JOIN units u ON u.campaign_id = t.campaign_id AND u.id = t.lead_unit`;

function taskSummary(r: Record<string, unknown>): TaskSummary {
  return {
    campaignId: r.campaign_id as string,
    id: r.id as string,
    title: r.title as string,
    leadUnit: r.lead_unit as string,
    leadUnitName: r.lead_unit_name as string,
    cooperatingUnits: r.cooperating_units as string[],
    start: r.start_date as string,
    deadline: r.deadline as string,
    status: r.status as string,
    statusName: statusName(r.status as string),
    rung: r.rung as number,
    rungName: (r.rung_name as string) || rungName(r.rung as number),
    overdue: Boolean(r.overdue),
    nextEscalationAt: iso(r.next_escalation_at as Date | null),
    deadlineAt: iso(r.next_deadline_at as Date | null),
    lastProgressAt: iso(r.last_progress_at as Date | null),
    updatedAt: iso(r.updated_at as Date)!,
  };
}

export interface TaskFilter {
  status?: string;
  unit?: string;
  overdue?: boolean;
  q?: string;
  limit?: number;
  offset?: number;
}

export async function listTasks(
  db: Queryable,
  campaignId: string,
  now: Date,
  filter: TaskFilter = {},
): Promise<{ total: number; tasks: TaskSummary[] }> {
  const where = ['t.campaign_id = $2'];
  const params: unknown[] = [now, campaignId];
  if (filter.status) {
    params.push(filter.status);
    where.push(`t.status = $${params.length}`);
  }
  if (filter.unit) {
    params.push(filter.unit);
    where.push(`(t.lead_unit = $${params.length} OR $${params.length} = ANY (t.cooperating_units))`);
  }
  if (filter.overdue) {
    where.push(`t.status NOT IN ('closed', 'withdrawn') AND (t.rung > 0 OR t.deadline < ($1::timestamptz AT TIME ZONE c.time_zone)::date)`);
  }
  if (filter.q) {
    params.push(`%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(t.title ILIKE $${params.length} OR t.id ILIKE $${params.length})`);
  }
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const offset = Math.max(filter.offset ?? 0, 0);
  const { rows } = await db.query(
    `SELECT ${TASK_COLUMNS}, count(*) OVER () AS total FROM ${TASK_FROM}
     WHERE ${where.join(' AND ')} ORDER BY t.deadline, t.id LIMIT ${limit} OFFSET ${offset}`,
    params,
  );
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && offset > 0) {
    const count = await db.query(`SELECT count(*)::int AS n FROM ${TASK_FROM} WHERE ${where.join(' AND ')}`, params);
    total = count.rows[0].n;
  }
  return { total, tasks: rows.map(taskSummary) };
}

export async function findTask(db: Queryable, campaignId: string, taskId: string, now: Date) {
  const { rows } = await db.query(
    `SELECT ${TASK_COLUMNS}, t.description FROM ${TASK_FROM} WHERE t.campaign_id = $2 AND t.id = $3`,
    [now, campaignId, taskId],
  );
  if (!rows[0]) return undefined;
  return { ...taskSummary(rows[0]), description: rows[0].description as string };
}

export interface TimelineItem {
  at: string;
  kind: string;
  label: string;
  actor?: string;
  text?: string;
  documentNumber?: string;
  noticeId?: number;
  /** Deadlines and checks still to come. */
  planned?: boolean;
  detail: Record<string, unknown>;
}

/** Every event of a task (its replies and notices included), oldest first. */
export async function taskTimeline(db: Queryable, campaignId: string, taskId: string): Promise<TimelineItem[]> {
  const { rows } = await db.query(
    `SELECT e.occurred_at, e.kind, e.actor, e.detail, n.id AS notice_id
     FROM task_events e
     LEFT JOIN notices n ON n.campaign_id = e.campaign_id AND n.document_number = e.detail->>'documentNumber'
     WHERE e.campaign_id = $1 AND e.task_id = $2 ORDER BY e.occurred_at, e.id`,
    [campaignId, taskId],
  );
  return rows.map((r) => {
    const detail = (r.detail ?? {}) as Record<string, unknown>;
    return {
      at: iso(r.occurred_at)!,
      kind: r.kind,
      label: EVENT_NAMES[r.kind] ?? eventLabel(r.kind),
      actor: r.actor ?? undefined,
      text: eventText(r.kind, detail),
      documentNumber: typeof detail.documentNumber === 'string' ? detail.documentNumber : undefined,
      noticeId: r.notice_id ?? undefined,
      detail,
    };
  });
}

function eventText(kind: string, detail: Record<string, unknown>): string | undefined {
  const parts: string[] = [];
  if (kind.startsWith('notice.') && typeof detail.title === 'string') parts.push(detail.title);
  const described = describeEvent(kind, kind.startsWith('notice.') ? { ...detail, documentNumber: undefined } : detail);
  if (described) parts.push(described);
  return parts.length ? parts.join('；') : undefined;
}

// ---------------------------------------------------------------------------------------------
// Dashboard

export interface UnitMark {
  campaignId: string;
  unitId: string;
  unitName: string;
  mark: Mark;
  openTasks: number;
  overdueTasks: number;
  dueSoonTasks: number;
  closedTasks: number;
  unacknowledged: number;
  maxRung: number;
}

export interface Dashboard {
  today: string;
  totals: { tasks: number; open: number; closed: number; overdue: number };
  byStatus: { status: string; name: string; count: number }[];
  byRung: { rung: number; name: string; count: number }[];
  overdue: TaskSummary[];
  upcoming: TaskSummary[];
  units: UnitMark[];
}

/** The dashboard of one campaign, or of every campaign when campaignId is undefined. */
export async function dashboard(db: Queryable, now: Date, campaignId?: string): Promise<Dashboard> {
  // $1 (now) appears in every query, so PostgreSQL always knows its type.
  const scope = campaignId === undefined ? '$1::timestamptz IS NOT NULL' : '$1::timestamptz IS NOT NULL AND t.campaign_id = $2';
  const params: unknown[] = campaignId === undefined ? [now] : [now, campaignId];
  const today = `($1::timestamptz AT TIME ZONE c.time_zone)::date`;

  const counts = await db.query(
    `SELECT t.status, count(*)::int AS n FROM tasks t JOIN campaigns c ON c.id = t.campaign_id WHERE ${scope} GROUP BY t.status`,
    params,
  );
  const byStatusMap = new Map<string, number>(counts.rows.map((r) => [r.status, r.n]));
  const byStatus = Object.keys(TASK_STATUSES)
    .concat([...byStatusMap.keys()].filter((s) => !(s in TASK_STATUSES)))
    .map((status) => ({ status, name: statusName(status), count: byStatusMap.get(status) ?? 0 }));

  const rungs = await db.query(
    `SELECT t.rung, count(*)::int AS n FROM tasks t JOIN campaigns c ON c.id = t.campaign_id
     WHERE ${scope} AND t.rung > 0 AND t.status NOT IN ('closed', 'withdrawn') GROUP BY t.rung`,
    params,
  );
  const rungMap = new Map<number, number>(rungs.rows.map((r) => [r.rung, r.n]));
  const maxRung = Math.max(RUNG_NAMES.length - 1, ...rungMap.keys());
  const byRung = Array.from({ length: maxRung }, (_, i) => i + 1).map((rung) => ({
    rung,
    name: rungName(rung),
    count: rungMap.get(rung) ?? 0,
  }));

  const overdue = await db.query(
    `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE ${scope} AND t.status NOT IN ('closed', 'withdrawn')
       AND (t.rung > 0 OR t.deadline < ${today})
     ORDER BY t.rung DESC, t.deadline, t.id LIMIT 50`,
    params,
  );
  const upcoming = await db.query(
    `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE ${scope} AND t.status NOT IN ('closed', 'withdrawn') AND t.rung = 0
       AND t.deadline >= ${today} AND t.deadline <= ${today} + ${UPCOMING_DAYS}
     ORDER BY t.deadline, t.id LIMIT 30`,
    params,
  );
  const units = await db.query(
    `SELECT u.campaign_id, u.id, u.name,
       count(t.id) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn'))::int AS open,
       count(t.id) FILTER (WHERE t.status IN ('closed', 'withdrawn'))::int AS closed,
       count(t.id) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn') AND (t.rung > 0 OR t.deadline < ${today}))::int AS overdue,
       count(t.id) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn') AND t.rung = 0 AND t.deadline >= ${today}
                           AND t.deadline <= ${today} + ${DUE_SOON_DAYS})::int AS due_soon,
       count(t.id) FILTER (WHERE t.status = 'assigned' AND COALESCE(t.acknowledge_by < $1::timestamptz, t.start_date < ${today}))::int AS unacknowledged,
       COALESCE(max(t.rung) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn')), 0)::int AS max_rung
     FROM units u JOIN campaigns c ON c.id = u.campaign_id
     LEFT JOIN tasks t ON t.campaign_id = u.campaign_id AND t.lead_unit = u.id
     WHERE ${campaignId === undefined ? 'TRUE' : 'u.campaign_id = $2'}
     GROUP BY u.campaign_id, u.id, u.name
     ORDER BY u.campaign_id, u.id`,
    params,
  );
  const unitMarks: UnitMark[] = units.rows.map((r) => ({
    campaignId: r.campaign_id,
    unitId: r.id,
    unitName: r.name,
    mark: unitMark({ overdue: r.overdue, dueSoon: r.due_soon, unacknowledged: r.unacknowledged }),
    openTasks: r.open,
    overdueTasks: r.overdue,
    dueSoonTasks: r.due_soon,
    closedTasks: r.closed,
    unacknowledged: r.unacknowledged,
    maxRung: r.max_rung,
  }));
  const order: Record<Mark, number> = { red: 0, yellow: 1, green: 2 };
  unitMarks.sort((a, b) => order[a.mark] - order[b.mark] || b.overdueTasks - a.overdueTasks || a.unitId.localeCompare(b.unitId));

  const total = [...byStatusMap.values()].reduce((a, b) => a + b, 0);
  const closed = (byStatusMap.get('closed') ?? 0) + (byStatusMap.get('withdrawn') ?? 0);
  const overdueCount = unitMarks.reduce((n, u) => n + u.overdueTasks, 0);
  return {
    today: todayIn(now),
    totals: { tasks: total, open: total - closed, closed, overdue: overdueCount },
    byStatus,
    byRung,
    overdue: overdue.rows.map(taskSummary),
    upcoming: upcoming.rows.map(taskSummary),
    units: unitMarks,
  };
}

// ---------------------------------------------------------------------------------------------
// Units

export interface UnitView {
  id: string;
  name: string;
  kind: string;
  contactName: string;
  contactEmail: string;
  principalName: string;
}

export async function listUnits(db: Queryable, campaignId: string): Promise<UnitView[]> {
  const { rows } = await db.query(
    'SELECT id, name, kind, principal, contact FROM units WHERE campaign_id = $1 ORDER BY id',
    [campaignId],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    contactName: r.contact?.name ?? '',
    contactEmail: r.contact?.email ?? '',
    principalName: r.principal?.name ?? '',
  }));
}

// ---------------------------------------------------------------------------------------------
// Notices (通知登记)

export interface NoticeSummary {
  id: number;
  campaignId: string;
  taskId?: string;
  unitId?: string;
  kind: string;
  kindName: string;
  documentNumber: string;
  title: string;
  issuedAt: string;
  to: string[];
  cc: string[];
}

export interface NoticeView extends NoticeSummary {
  addressees: string;
  paragraphs: string[];
  /** 发文机关 (版头), 落款 and 成文日期 as issued (empty for notices issued before they were kept). */
  issuer: string;
  signature: string;
  dateWritten: string;
  calendarWarning?: string;
  officeName: string;
  timeZone: string;
  campaignTitle: string;
}

function noticeSummary(r: Record<string, unknown>): NoticeSummary {
  const recipients = (r.recipients ?? { to: [], cc: [] }) as { to?: string[]; cc?: string[] };
  return {
    id: Number(r.id),
    campaignId: r.campaign_id as string,
    taskId: (r.task_id as string | null) ?? undefined,
    unitId: (r.unit_id as string | null) ?? undefined,
    kind: r.kind as string,
    kindName: noticeKindName(r.kind as string),
    documentNumber: r.document_number as string,
    title: r.title as string,
    issuedAt: iso(r.issued_at as Date)!,
    to: recipients.to ?? [],
    cc: recipients.cc ?? [],
  };
}

export async function listNotices(
  db: Queryable,
  filter: { campaignId?: string; kind?: string; taskId?: string; limit?: number; offset?: number },
): Promise<{ total: number; notices: NoticeSummary[] }> {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of [
    ['campaign_id', filter.campaignId],
    ['kind', filter.kind],
    ['task_id', filter.taskId],
  ] as const) {
    if (value) {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
  }
  const limit = Math.min(Math.max(filter.limit ?? 200, 1), 1000);
  const offset = Math.max(filter.offset ?? 0, 0);
  const { rows } = await db.query(
    `SELECT id, campaign_id, task_id, unit_id, kind, document_number, title, recipients, issued_at, count(*) OVER () AS total
     FROM notices ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY issued_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}`,
    params,
  );
  return { total: rows[0]?.total ?? 0, notices: rows.map(noticeSummary) };
}

/** How a campaign ended: the tasks its end closed out (撤销) and its closing summary (总结), if it has ended. */
export interface CampaignEnding {
  closedOutTasks: { id: string; title: string }[];
  closingSummary?: NoticeSummary;
}

export async function campaignEnding(db: Queryable, campaignId: string): Promise<CampaignEnding> {
  const [tasks, summary] = await Promise.all([
    db.query<{ id: string; title: string }>(
      `SELECT t.id, t.title FROM task_events e JOIN tasks t ON t.campaign_id = e.campaign_id AND t.id = e.task_id
       WHERE e.campaign_id = $1 AND e.kind = 'campaignEnded' ORDER BY t.deadline, t.id`,
      [campaignId],
    ),
    listNotices(db, { campaignId, kind: 'closingSummary', limit: 1 }),
  ]);
  return { closedOutTasks: tasks.rows, ...(summary.notices[0] ? { closingSummary: summary.notices[0] } : {}) };
}

/** The notice's row as stored, for the .docx renderer. */
export async function findNoticeRow(db: Queryable, id: number): Promise<NoticeRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const { rows } = await db.query<NoticeRow>('SELECT * FROM notices WHERE id = $1', [id]);
  return rows[0];
}

export async function findNotice(db: Queryable, id: number): Promise<NoticeView | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const { rows } = await db.query(
    `SELECT n.*, c.title AS campaign_title, c.time_zone, c.office->>'name' AS office_name
     FROM notices n JOIN campaigns c ON c.id = n.campaign_id WHERE n.id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    ...noticeSummary(r),
    addressees: r.addressees,
    paragraphs: String(r.body).split('\n').filter((p) => p.trim() !== ''),
    issuer: r.issuer ?? '',
    signature: r.signature ?? '',
    dateWritten: r.date_written ?? '',
    calendarWarning: r.calendar_warning ?? undefined,
    officeName: r.office_name,
    timeZone: r.time_zone,
    campaignTitle: r.campaign_title,
  };
}

// ---------------------------------------------------------------------------------------------
// Mailbox of the embedded SMTP sink

export interface MailSummary {
  id: number;
  messageId: string;
  from: string;
  to: string;
  cc: string;
  envelopeTo: string[];
  subject: string;
  receivedAt: string;
  deliveries: number;
}

export interface MailView extends MailSummary {
  text: string;
  html: string;
}

function mailSummary(r: Record<string, unknown>): MailSummary {
  return {
    id: Number(r.id),
    messageId: r.message_id as string,
    from: r.from_header as string,
    to: r.to_header as string,
    cc: r.cc_header as string,
    envelopeTo: r.envelope_to as string[],
    subject: r.subject as string,
    receivedAt: iso(r.received_at as Date)!,
    deliveries: r.deliveries as number,
  };
}

export async function listMail(
  db: Queryable,
  filter: { to?: string; limit?: number; offset?: number },
): Promise<{ total: number; messages: MailSummary[] }> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
  const offset = Math.max(filter.offset ?? 0, 0);
  const { rows } = await db.query(
    `SELECT id, message_id, from_header, to_header, cc_header, envelope_to, subject, received_at, deliveries,
            count(*) OVER () AS total
     FROM mailbox WHERE ($1::text IS NULL OR $1 = ANY (envelope_to))
     ORDER BY id DESC LIMIT ${limit} OFFSET ${offset}`,
    [filter.to?.trim() || null],
  );
  return { total: rows[0]?.total ?? 0, messages: rows.map(mailSummary) };
}

export async function findMail(db: Queryable, id: number): Promise<MailView | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const { rows } = await db.query('SELECT * FROM mailbox WHERE id = $1', [id]);
  if (!rows[0]) return undefined;
  return { ...mailSummary(rows[0]), text: rows[0].text_body, html: rows[0].html_body };
}

// ---------------------------------------------------------------------------------------------
// Assessment rounds (测评) and the performance ledger (年终绩效)

export interface AssessmentRound {
  round: number;
  /** The period assessed, e.g. 2035年1月 or 2035年1—2月. */
  label: string;
  periodStart: string;
  periodEnd: string;
  windowCloses: string;
  publishedAt?: string;
  /** open: scores may be entered; closed: the window has passed, results not yet published; published. */
  status: 'open' | 'closed' | 'published';
  /** The published result, best first (empty until published). */
  ranking: {
    unitId: string;
    unitName: string;
    score: number;
    rank: number;
    last: boolean;
    consequence?: Consequence;
    consequenceName?: string;
  }[];
  /** Items scored in this round, in the order first entered (记录评分: computed where none were entered). */
  items: string[];
  /** Item scores: entered by assessors, or computed from the record at publication. */
  scores: { unitId: string; unitName: string; item: string; score: number; source: 'entered' | 'computed'; assessor?: string; enteredAt: string }[];
}

export interface Assessments {
  rounds: AssessmentRound[];
  units: { id: string; name: string }[];
  ledger: { unitId: string; unitName: string; year: number; points: number; reason: string; occurredAt: string }[];
}

/** The period's name as the round's results notice has it: 2035年1月, 2035年1—2月, 2035年12月—2036年1月. */
function periodLabel(start: string, end: string): string {
  const [sy, sm] = start.split('-').map(Number);
  const [ey, em] = end.split('-').map(Number);
  if (sy === ey && sm === em) return `${sy}年${sm}月`;
  return sy === ey ? `${sy}年${sm}—${em}月` : `${sy}年${sm}月—${ey}年${em}月`;
}

/** The campaign's assessment rounds as the round workflows recorded them, with the performance ledger. */
export async function assessments(db: Queryable, campaignId: string, now: Date): Promise<Assessments> {
  const [units, ledgerRows, roundRows, resultRows, itemRows] = await Promise.all([
    db.query<{ id: string; name: string }>('SELECT id, name FROM units WHERE campaign_id = $1 ORDER BY id', [campaignId]),
    db.query(
      `SELECT unit_id, year, points, reason, occurred_at FROM performance_ledger
       WHERE campaign_id = $1 ORDER BY occurred_at, id`,
      [campaignId],
    ),
    db.query('SELECT * FROM assessment_rounds WHERE campaign_id = $1 ORDER BY round', [campaignId]),
    db.query('SELECT * FROM assessment_scores WHERE campaign_id = $1 ORDER BY round, rank, unit_id', [campaignId]),
    db.query('SELECT * FROM assessment_item_scores WHERE campaign_id = $1 ORDER BY round, entered_at, item, unit_id', [campaignId]),
  ]);
  const unitName = (id: string) => units.rows.find((u) => u.id === id)?.name ?? id;
  const ledger = ledgerRows.rows.map((r) => ({
    unitId: r.unit_id,
    unitName: unitName(r.unit_id),
    year: r.year,
    points: Number(r.points),
    reason: r.reason,
    occurredAt: iso(r.occurred_at)!,
  }));
  const rounds = roundRows.rows.map((r): AssessmentRound => {
    const windowCloses = iso(r.window_closes)!;
    const publishedAt = iso(r.published_at);
    const scores = itemRows.rows
      .filter((s) => s.round === r.round)
      .map((s) => ({
        unitId: s.unit_id,
        unitName: unitName(s.unit_id),
        item: s.item,
        score: Number(s.score),
        source: s.source,
        ...(s.assessor ? { assessor: s.assessor } : {}),
        enteredAt: iso(s.entered_at)!,
      }));
    return {
      round: r.round,
      label: periodLabel(r.period_start, r.period_end),
      periodStart: r.period_start,
      periodEnd: r.period_end,
      windowCloses,
      ...(publishedAt ? { publishedAt } : {}),
      status: publishedAt ? 'published' : Date.parse(windowCloses) > now.getTime() ? 'open' : 'closed',
      ranking: resultRows.rows
        .filter((x) => x.round === r.round)
        .map((x) => ({
          unitId: x.unit_id,
          unitName: unitName(x.unit_id),
          score: Number(x.score),
          rank: x.rank,
          last: x.last,
          ...(x.consequence ? { consequence: x.consequence, consequenceName: CONSEQUENCE_NAMES[x.consequence as Consequence] ?? x.consequence } : {}),
        })),
      items: [...new Set(scores.map((s) => s.item))],
      scores,
    };
  });
  return { rounds, units: units.rows, ledger };
}
