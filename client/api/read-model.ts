// What the console and the HTTP API read: the PostgreSQL read model (db/read/), shaped for pages and
// JSON with the names users know (domain/). Everything here is a read; actions on workflows are in actions.ts.
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import type { CampaignDefinition } from '../../domain/definition.js';
import { describeEvent, eventLabel, rungName, RUNG_NAMES, statusName, TASK_STATUSES } from '../../domain/task-state.js';
import { noticeKindName } from '../../domain/notices.js';
import { findNoticeById, type NoticeRow } from '../../db/notices.js';
import type { Queryable } from '../../db/pool.js';
import { findCampaignRow, listCampaignRows, listClosedOutTasks, listUnitNames, listUnitRows } from '../../db/read/campaigns.js';
import { countTaskRows, findTaskRow, listTaskRows, listTimelineRows, type TaskSummaryRow } from '../../db/read/tasks.js';
import {
  countOpenTasksByRung,
  countTasksByStatus,
  countTasksByUnit,
  listOverdueTaskRows,
  listUpcomingTaskRows,
} from '../../db/read/dashboard.js';
import { findNoticeViewRow, listNoticeRows, type NoticeListRow } from '../../db/read/notices.js';
import { findMailRow, listMailRows, type MailListRow } from '../../db/read/mailbox.js';
import { recentChannelMessages } from '../../db/read/channel-inbox.js';
import {
  listAssessmentItemScoreRows,
  listAssessmentRoundRows,
  listAssessmentScoreRows,
  listLedgerRows,
} from '../../db/read/assessments.js';
import { DUE_SOON_DAYS, unitMark, type Mark } from '../../domain/marks.js';
import { CONSEQUENCE_NAMES, periodLabel, type Consequence } from '../../domain/assessment.js';

/** Upcoming deadlines shown on the dashboard. */
export const UPCOMING_DAYS = 14;

export { MARK_NAMES, type Mark } from '../../domain/marks.js';
export { noticeKindName } from '../../domain/notices.js';
export { rungName, statusName } from '../../domain/task-state.js';
export { cadencesOf, phasesOf, rulesOf, type CadenceView, type PhaseView, type RuleView } from '../../domain/schedule.js';

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
  const rows = await listCampaignRows(db, now);
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
  const r = await findCampaignRow(db, campaignId);
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

export function todayIn(now: Date, zone = DEFAULT_TIME_ZONE): string {
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

function taskSummary(r: TaskSummaryRow): TaskSummary {
  return {
    campaignId: r.campaign_id,
    id: r.id,
    title: r.title,
    leadUnit: r.lead_unit,
    leadUnitName: r.lead_unit_name,
    cooperatingUnits: r.cooperating_units,
    start: r.start_date,
    deadline: r.deadline,
    status: r.status,
    statusName: statusName(r.status),
    rung: r.rung,
    rungName: r.rung_name || rungName(r.rung),
    overdue: Boolean(r.overdue),
    nextEscalationAt: iso(r.next_escalation_at),
    deadlineAt: iso(r.next_deadline_at),
    lastProgressAt: iso(r.last_progress_at),
    updatedAt: iso(r.updated_at)!,
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
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const offset = Math.max(filter.offset ?? 0, 0);
  const rows = await listTaskRows(db, campaignId, now, filter, { limit, offset });
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && offset > 0) total = await countTaskRows(db, campaignId, now, filter);
  return { total, tasks: rows.map(taskSummary) };
}

export async function findTask(db: Queryable, campaignId: string, taskId: string, now: Date) {
  const row = await findTaskRow(db, campaignId, taskId, now);
  if (!row) return undefined;
  return { ...taskSummary(row), description: row.description };
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
  const rows = await listTimelineRows(db, campaignId, taskId);
  return rows.map((r) => {
    const detail = (r.detail ?? {}) as Record<string, unknown>;
    return {
      at: iso(r.occurred_at)!,
      kind: r.kind,
      label: eventLabel(r.kind),
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
  const counts = await countTasksByStatus(db, now, campaignId);
  const byStatusMap = new Map<string, number>(counts.map((r) => [r.status, r.n]));
  const byStatus = Object.keys(TASK_STATUSES)
    .concat([...byStatusMap.keys()].filter((s) => !(s in TASK_STATUSES)))
    .map((status) => ({ status, name: statusName(status), count: byStatusMap.get(status) ?? 0 }));

  // Rungs are named by each task's own ladder: an enterprise's 全园区通报 is not the default 约谈.
  const counted = new Map<string, { rung: number; name: string; count: number }>();
  for (let rung = 1; rung < RUNG_NAMES.length; rung++) counted.set(`${rung}/${rungName(rung)}`, { rung, name: rungName(rung), count: 0 });
  for (const r of await countOpenTasksByRung(db, now, campaignId)) {
    const name = r.rung_name || rungName(r.rung);
    const entry = counted.get(`${r.rung}/${name}`) ?? { rung: r.rung, name, count: 0 };
    entry.count += r.n;
    counted.set(`${r.rung}/${name}`, entry);
  }
  const byRung = [...counted.values()].sort((a, b) => a.rung - b.rung || a.name.localeCompare(b.name, 'zh'));

  const overdue = await listOverdueTaskRows(db, now, campaignId);
  const upcoming = await listUpcomingTaskRows(db, now, UPCOMING_DAYS, campaignId);
  const units = await countTasksByUnit(db, now, DUE_SOON_DAYS, campaignId);
  const unitMarks: UnitMark[] = units.map((r) => ({
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
    overdue: overdue.map(taskSummary),
    upcoming: upcoming.map(taskSummary),
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
  const rows = await listUnitRows(db, campaignId);
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

function noticeSummary(r: NoticeListRow): NoticeSummary {
  const recipients = r.recipients ?? { to: [], cc: [] };
  return {
    id: Number(r.id),
    campaignId: r.campaign_id,
    taskId: r.task_id ?? undefined,
    unitId: r.unit_id ?? undefined,
    kind: r.kind,
    kindName: noticeKindName(r.kind),
    documentNumber: r.document_number,
    title: r.title,
    issuedAt: iso(r.issued_at)!,
    to: recipients.to ?? [],
    cc: recipients.cc ?? [],
  };
}

export async function listNotices(
  db: Queryable,
  filter: { campaignId?: string; kind?: string; taskId?: string; limit?: number; offset?: number },
): Promise<{ total: number; notices: NoticeSummary[] }> {
  const limit = Math.min(Math.max(filter.limit ?? 200, 1), 1000);
  const offset = Math.max(filter.offset ?? 0, 0);
  const rows = await listNoticeRows(db, filter, { limit, offset });
  return { total: rows[0]?.total ?? 0, notices: rows.map(noticeSummary) };
}

/** How a campaign ended: the tasks its end closed out (撤销) and its closing summary (总结), if it has ended. */
export interface CampaignEnding {
  closedOutTasks: { id: string; title: string }[];
  closingSummary?: NoticeSummary;
}

export async function campaignEnding(db: Queryable, campaignId: string): Promise<CampaignEnding> {
  const [closedOutTasks, summary] = await Promise.all([
    listClosedOutTasks(db, campaignId),
    listNotices(db, { campaignId, kind: 'closingSummary', limit: 1 }),
  ]);
  return { closedOutTasks, ...(summary.notices[0] ? { closingSummary: summary.notices[0] } : {}) };
}

/** The notice's row as stored, for the .docx renderer. */
export async function findNoticeRow(db: Queryable, id: number): Promise<NoticeRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return findNoticeById(db, id);
}

export async function findNotice(db: Queryable, id: number): Promise<NoticeView | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const r = await findNoticeViewRow(db, id);
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

function mailSummary(r: MailListRow): MailSummary {
  return {
    id: Number(r.id),
    messageId: r.message_id,
    from: r.from_header,
    to: r.to_header,
    cc: r.cc_header,
    envelopeTo: r.envelope_to,
    subject: r.subject,
    receivedAt: iso(r.received_at)!,
    deliveries: r.deliveries,
  };
}

export async function listMail(
  db: Queryable,
  filter: { to?: string; limit?: number; offset?: number },
): Promise<{ total: number; messages: MailSummary[] }> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
  const offset = Math.max(filter.offset ?? 0, 0);
  const rows = await listMailRows(db, filter.to?.trim() || null, { limit, offset });
  return { total: rows[0]?.total ?? 0, messages: rows.map(mailSummary) };
}

/** An SMS or robot message the embedded stack's channel fake accepted. */
export interface ChannelMessageView {
  id: number;
  channel: 'sms' | 'wecom' | 'dingtalk';
  /** 短信, 企业微信, 钉钉 */
  channelName: string;
  /** The numbers of an SMS; the robot (its key shortened) of a group message. */
  target: string;
  mentions: string[];
  title: string;
  body: string;
  receivedAt: string;
  deliveries: number;
}

const CHANNEL_SHORT_NAMES = { sms: '短信', wecom: '企业微信', dingtalk: '钉钉' } as const;

/** The newest messages of the channel fake (the console's mailbox shows them beside e-mail). */
export async function listChannelMessages(db: Queryable, limit = 100): Promise<{ total: number; messages: ChannelMessageView[] }> {
  const rows = await recentChannelMessages(db, Math.min(Math.max(limit, 1), 500));
  return {
    total: rows[0]?.total ?? 0,
    messages: rows.map((r) => ({
      id: Number(r.id),
      channel: r.channel,
      channelName: CHANNEL_SHORT_NAMES[r.channel],
      target: r.target,
      mentions: r.mentions,
      title: r.title,
      body: r.body,
      receivedAt: iso(r.received_at)!,
      deliveries: r.deliveries,
    })),
  };
}

export async function findMail(db: Queryable, id: number): Promise<MailView | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const row = await findMailRow(db, id);
  if (!row) return undefined;
  return { ...mailSummary(row), text: row.text_body, html: row.html_body };
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

/** The campaign's assessment rounds as the round workflows recorded them, with the performance ledger. */
export async function assessments(db: Queryable, campaignId: string, now: Date): Promise<Assessments> {
  const [units, ledgerRows, roundRows, resultRows, itemRows] = await Promise.all([
    listUnitNames(db, campaignId),
    listLedgerRows(db, campaignId),
    listAssessmentRoundRows(db, campaignId),
    listAssessmentScoreRows(db, campaignId),
    listAssessmentItemScoreRows(db, campaignId),
  ]);
  const unitName = (id: string) => units.find((u) => u.id === id)?.name ?? id;
  const ledger = ledgerRows.map((r) => ({
    unitId: r.unit_id,
    unitName: unitName(r.unit_id),
    year: r.year,
    points: Number(r.points),
    reason: r.reason,
    occurredAt: iso(r.occurred_at)!,
  }));
  const rounds = roundRows.map((r): AssessmentRound => {
    const windowCloses = iso(r.window_closes)!;
    const publishedAt = iso(r.published_at);
    const scores = itemRows
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
      ranking: resultRows
        .filter((x) => x.round === r.round)
        .map((x) => ({
          unitId: x.unit_id,
          unitName: unitName(x.unit_id),
          score: Number(x.score),
          rank: x.rank,
          last: x.last,
          ...(x.consequence ? { consequence: x.consequence as Consequence, consequenceName: CONSEQUENCE_NAMES[x.consequence as Consequence] ?? x.consequence } : {}),
        })),
      items: [...new Set(scores.map((s) => s.item))],
      scores,
    };
  });
  return { rounds, units, ledger };
}
