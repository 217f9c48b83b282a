// Issuing a notice: number it, store it with the messages it owes (and any deduction from the
// year-end performance score, any attachment), then deliver them over SMTP.
// Keyed by the caller, so a retried or replayed activity never numbers or sends a notice twice:
// the number, the row, the outbox messages, the ledger row and the attachment are written in one
// transaction, and each message's Message-ID is derived from the key (see composeMessages: a mail
// with the lead unit's link goes to the lead unit alone).
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, heartbeat, log } from '@temporalio/activity';
import { DateTime } from 'luxon';
import type { Transporter } from 'nodemailer';
import { loadCampaignContext, loadTask, type CampaignContext, type TaskRow } from '../db/campaigns.js';
import { claimPendingChannelMessages, insertChannelOutboxMessage, markChannelMessageSent, recordChannelFailure, type ChannelOutboxRow } from '../db/channels.js';
import { appendTaskEvent, writeTaskEvent, type TaskEvent } from '../db/events.js';
import { firstPointThumbnails, latestPointDeadline } from '../db/inspections.js';
import {
  allocateDocumentNumber,
  allocateDocumentNumbers,
  claimUnsentMessages,
  findNoticeById,
  findNoticeByKey,
  findNoticesByKeys,
  insertLedgerEntry,
  insertNotice,
  insertNoticeAttachment,
  insertOutboxMessage,
  listAttachmentsOfNotices,
  markMessageFailed,
  markMessagesSent,
  type NoticeAttachment,
  type OutboxMessage,
  type NoticeRow,
} from '../db/notices.js';
import {
  batchClock,
  findBatchMembership,
  findOpenBatch,
  insertBatchMember,
  insertNoticeBatch,
  listBatchMembers,
  lockGather,
  sealBatch,
  updateNoticeDocument,
  type BatchMembership,
} from '../db/notice-batches.js';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { currentLinkVersion } from '../db/unit-links.js';
import type { NoticeMetrics } from '../worker/metrics.js';
import {
  documentNumber,
  NOTICE_KINDS,
  type NoticeDetails,
  type NoticeKind,
  type RecipientList,
  type Wording,
} from '../domain/notices.js';
import { CHANNEL_NAMES, channelsFor } from '../domain/channels.js';
import { civilDateAt, endOfCivilDay } from '../services/calendar.js';
import { planChannelMessages, type ChannelDelivery, type ChannelUnit, type PlannedChannelMessage } from '../services/channels/delivery.js';
import type { ChannelNotice } from '../services/channels/texts.js';
import { chineseDate, renderDocument, renderEmail, renderListedDocument, type MailFigure, type OfficialDocument } from '../services/documents.js';
import { shortLinkFor } from '../services/short-links.js';
import { unitLinkFor, type UnitLinkOptions } from '../services/unit-links.js';
import { DOCX_TYPE, renderTaskRecordDocx } from '../services/docx.js';
import { DISCIPLINE_OFFICE, formatAddress, resolveRecipients, type Address, type NoticeSubject } from './recipients.js';
import { delegationLink } from './delegation-links.js';
import { loadTaskRecord } from './task-record.js';

export interface IssueNoticeInput {
  /** Stable across retries and replays: derived from workflow, kind, rung and attempt. */
  key: string;
  campaignId: string;
  /** The task the notice is about; absent for a campaign's own notices (bulletins, digests, assessments). */
  taskId?: string;
  /** The unit a campaign notice is about (e.g. 通报批评 of the last-placed unit): `leadUnit.*` means it. */
  unitId?: string;
  /**
   * The unit's tasks a unit notice is about (the weekly 催办 listing them): each task's record shows
   * the notice, and the unit's mail carries each task's link.
   */
  taskIds?: string[];
  /**
   * The unit's problem points a notice is about (交办, a rung on overdue points): the unit's mail
   * carries its link to its point list in the portal and the points' thumbnails.
   */
  pointIds?: number[];
  kind: NoticeKind;
  /** The 标题 and 正文 of a campaign notice, composed by its activity; task notices are rendered from their kind. */
  document?: { title: string; addressees: string; paragraphs: string[] };
  /** Workflow time of issue (ISO). */
  issuedAt: string;
  recipients: RecipientList;
  /** The ladder rung (1-based) this notice is, if any. */
  rung?: number;
  details?: NoticeDetails;
  wording?: Wording;
  /** Points deducted from the lead unit's 年终绩效, recorded with the notice. */
  deduction?: { points: number; reason: string };
  /** Attach the task's whole record (任务全过程记录.docx). */
  attachRecord?: boolean;
  /** A deadline in this notice was computed in a year without a holiday schedule. */
  calendarWarning?: string;
  /** Reminders: since when nothing was heard (kept for callers of the first version). */
  silentSince?: string;
  /**
   * The task's event that this notice goes with (e.g. 'assigned', a rung), written in the notice's
   * transaction with the notice's number added to its detail: one activity instead of two.
   */
  event?: TaskEvent;
  /**
   * A rung's notice about a lapse: shared with the lead unit's other lapses of the same rung on the
   * same civil day, as one numbered notice listing each task (docs/notices.md).
   */
  gather?: 'unitDay';
}

export interface IssuedNotice {
  documentNumber: string;
  to: string[];
  cc: string[];
}

/** The two ways a notice is issued, as the activities that compose notices receive them. */
export type IssueNotice = (input: IssueNoticeInput) => Promise<IssuedNotice>;
export type IssueNotices = (inputs: IssueNoticeInput[]) => Promise<IssuedNotice[]>;

/** What the link of a 催报 is for (a task mail's link says what a task's link does). */
const MATERIALS_LINK_LABEL = '报送链接（查看本月尚未报送的材料并在线上传，无需登录）';
/** A cooperating unit's own link to the task it helps with: it reads, the lead unit acts. */
const COOPERATING_LINK_LABEL = '任务查看链接（配合单位查看任务要求和办理进度，无需登录；签收、报送由责任单位办理）';

/** A sub-unit's link to what it was handed (转办): it reports to the lead unit there. */
const DELEGATION_LINK_LABEL = '转办事项办理链接（查看转办事项，向牵头单位报送办理进展和结果，无需登录）';

/** A unit's link to its problem points (问题点位): it answers each with an after-photo there. */
const POINTS_LINK_LABEL = '问题点位整改链接（查看交办你单位的问题点位，逐个上传整改后照片，无需登录）';

function leadLinkLabel(input: IssueNoticeInput, task: TaskRow | undefined): string | undefined {
  if (input.kind === 'delegation') return DELEGATION_LINK_LABEL;
  if (input.pointIds?.length) return POINTS_LINK_LABEL;
  return task ? undefined : MATERIALS_LINK_LABEL;
}

type OutboxDraft = Pick<OutboxMessage, 'message_id' | 'to_addresses' | 'cc_addresses' | 'subject' | 'text_body' | 'html_body'>;

export const RECORD_ATTACHMENT_NAME = '任务全过程记录.docx';

/** Points whose photo a notice's mail shows at most: thumbnails of 20–40 KB keep the mail under 2 MB. */
export const MAIL_PHOTO_POINTS = 30;

export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@chuangwen.notice>`;
}

function renderTaskDocument(
  ctx: CampaignContext,
  task: TaskRow,
  input: IssueNoticeInput,
  details: Record<string, unknown>,
  attachments: NoticeAttachment[],
): OfficialDocument {
  const lead = ctx.units.get(task.lead_unit);
  return renderDocument(input.kind, {
    campaignTitle: ctx.title,
    officeName: ctx.office.name,
    timeZone: ctx.timeZone,
    issuedAt: input.issuedAt,
    taskTitle: task.title,
    taskDescription: task.description,
    leadUnitName: lead?.name,
    principalName: lead?.principal.name,
    cooperatingUnitNames: task.cooperating_units.map((id) => ctx.units.get(id)?.name ?? id),
    deadline: task.deadline,
    disciplineName: ctx.office.discipline?.name ?? DISCIPLINE_OFFICE,
    details: details as NoticeDetails,
    wording: input.wording,
    attachments: attachments.map((a) => a.name.replace(/\.docx$/, '')),
  });
}

/**
 * How long the sender of a gathered notice waits for more of the unit's lapses: until no task has
 * joined for `quietMs`, at most `maxMs` after the first (well inside the activity's timeout).
 */
export interface GatherWindow {
  quietMs: number;
  maxMs: number;
}
export const DEFAULT_GATHER_WINDOW: GatherWindow = { quietMs: 3_000, maxMs: 20_000 };

/** Messages handed to the pooled transport at once; each chunk is marked sent in one statement. */
const SEND_CHUNK = 200;

/** SMS and robot messages sent at once, and how long an attempt keeps starting new ones. */
const CHANNEL_CONCURRENCY = 8;
const CHANNEL_BUDGET_MS = 20_000;

/** The worker's channel senders (services/channels/delivery.ts) and the approved SMS signature. */
export interface ChannelOutbox {
  delivery: ChannelDelivery;
  /** 短信签名; absent (no SMS account): the office's name, for the text kept with the message. */
  signName?: string;
}

/** A recipient as a task's timeline shows it: a mobile's middle digits hidden (units read their record in the portal). */
function maskedRecipient(row: Pick<ChannelOutboxRow, 'channel' | 'recipient'>): string {
  return row.channel === 'sms' ? row.recipient.replace(/(1\d{2})\d{4}(\d{4})$/, '$1****$2') : row.recipient;
}

export function createNoticeActivities({
  db,
  mailer,
  mailFrom,
  metrics,
  links,
  gatherWindow = DEFAULT_GATHER_WINDOW,
  channels,
}: {
  db: Db;
  mailer: Transporter;
  mailFrom?: string;
  /** Counts messages sent, SMTP failures and rungs issued (worker/metrics.ts); absent: nothing is counted. */
  metrics?: NoticeMetrics;
  /** Signs the unit portal link that mails to the lead unit carry. */
  links?: UnitLinkOptions;
  gatherWindow?: GatherWindow;
  /** SMS and group robots (docs/channels.md); absent: notices go by e-mail only, whatever a campaign's `delivery` says. */
  channels?: ChannelOutbox;
}) {
  /**
   * The lead unit acts through the portal: every notice about a task addressed to it, but a
   * withdrawal, carries its link to the task; a 催报 of monthly materials carries the unit's link to
   * its materials (no task: a unit that leads no task answers it too). A link is valid
   * UNIT_LINK_VALID_DAYS after the later of the task's deadline and the day of the mail (for
   * materials, the day they are due, the day the reminder is issued), and carries the current link
   * version of its unit (db/unit-links.ts), so a withdrawn link's successor works.
   */
  function linksTheLead(input: IssueNoticeInput): boolean {
    const toLeadUnit = input.recipients.to.some((r) => r === 'leadUnit.contact' || r === 'leadUnit.principal');
    return Boolean(links) && toLeadUnit && input.kind !== 'withdrawal';
  }

  async function taskLink(q: Queryable, input: IssueNoticeInput, task: TaskRow, unitId: string, timeZone: string): Promise<string> {
    const deadline = Math.max(
      Date.parse(endOfCivilDay(task.deadline, timeZone)),
      Date.parse(endOfCivilDay(civilDateAt(input.issuedAt, timeZone), timeZone)),
    );
    return unitLinkFor(links!, {
      campaignId: input.campaignId,
      taskId: task.id,
      unitId,
      deadline: new Date(deadline),
      version: await currentLinkVersion(q, { campaignId: input.campaignId, taskId: task.id, unitId }),
    });
  }

  async function actionUrl(q: Queryable, input: IssueNoticeInput, task: TaskRow | undefined, timeZone: string): Promise<string | undefined> {
    if (!linksTheLead(input)) return undefined;
    // A 转办 carries the sub-unit's link to its part, never its link to the task.
    const handed = input.kind === 'delegation' ? input.details?.delegation : undefined;
    if (task && handed) return delegationLink(q, links!, { ...input, taskId: task.id, unitId: handed.unitId, due: handed.due, timeZone });
    if (task) return taskLink(q, input, task, task.lead_unit, timeZone);
    if (input.pointIds?.length && input.unitId) {
      // Valid past the latest deadline of the points it lists (a later notice brings a new one).
      const latest = (await latestPointDeadline(q, input.pointIds)) ?? civilDateAt(input.issuedAt, timeZone);
      return unitLinkFor(links!, {
        scope: 'points',
        campaignId: input.campaignId,
        unitId: input.unitId,
        deadline: new Date(endOfCivilDay(latest, timeZone)),
        version: await currentLinkVersion(q, { campaignId: input.campaignId, unitId: input.unitId }),
      });
    }
    if (input.kind === 'materialsReminder' && input.unitId) {
      return unitLinkFor(links!, {
        scope: 'materials',
        campaignId: input.campaignId,
        unitId: input.unitId,
        deadline: new Date(endOfCivilDay(civilDateAt(input.issuedAt, timeZone), timeZone)),
        version: await currentLinkVersion(q, { campaignId: input.campaignId, unitId: input.unitId }),
      });
    }
    return undefined;
  }

  /**
   * The messages a notice owes. A mail that carries the lead unit's link goes to the lead unit's
   * people alone (its own message, Message-ID from the key, as before); each cooperating unit gets
   * its own message with its own read-only link to the task (`key/unit/<id>`), and everyone else
   * (leaders, the office) one message without a link (`key/cc`). A notice without a link is one
   * message to all, as it always was. The notice row keeps the document's 主送/抄送 as a whole.
   */
  async function composeMessages(
    q: Queryable,
    ctx: CampaignContext,
    input: IssueNoticeInput,
    task: TaskRow | undefined,
    subject: NoticeSubject | undefined,
    to: Address[],
    cc: Address[],
    render: (actionUrl?: string, actionLabel?: string, links?: { label: string; url: string }[]) => { subject: string; text: string; html: string },
    /** Filled with each unit's own link its mail carries, for its channel messages. */
    unitLinks?: Map<string, string>,
  ): Promise<OutboxDraft[]> {
    const draft = (key: string, group: { to: Address[]; cc: Address[] }, email: { subject: string; text: string; html: string }): OutboxDraft => {
      // A message for the copied only still has someone in To.
      const [head, tail] = group.to.length > 0 ? [group.to, group.cc] : [group.cc, []];
      return {
        message_id: messageIdFor(key),
        to_addresses: head.map((a) => JSON.stringify(formatAddress(a))),
        cc_addresses: tail.map((a) => JSON.stringify(formatAddress(a))),
        subject: email.subject,
        text_body: email.text,
        html_body: email.html,
      };
    };
    if (!task && input.taskIds?.length && linksTheLead(input)) {
      // A unit's notice about several of its tasks: the unit's people with each task's link, leaders
      // and the office one message without them.
      const taskLinks = [];
      for (const id of input.taskIds) {
        const row = await loadTask(q, input.campaignId, id);
        taskLinks.push({ label: `“${row.title}”办理链接`, url: await taskLink(q, input, row, row.lead_unit, ctx.timeZone) });
      }
      const unit = subject ? ctx.units.get(subject.lead_unit) : undefined;
      const ours = new Set(unit ? [unit.contact.email, unit.principal.email].map((a) => a.toLowerCase()) : []);
      const isOurs = (a: Address) => ours.has(a.address.toLowerCase());
      const unitGroup = { to: to.filter(isOurs), cc: cc.filter(isOurs) };
      const others = { to: to.filter((a) => !isOurs(a)), cc: cc.filter((a) => !isOurs(a)) };
      if (unitGroup.to.length + unitGroup.cc.length === 0) return [draft(input.key, { to, cc }, render(undefined, undefined, taskLinks))];
      return [
        draft(input.key, unitGroup, render(undefined, undefined, taskLinks)),
        ...(others.to.length + others.cc.length ? [draft(`${input.key}/cc`, others, render())] : []),
      ];
    }
    const leadUrl = await actionUrl(q, input, task, ctx.timeZone);
    if (!leadUrl || !subject) return [draft(input.key, { to, cc }, render(leadUrl, leadLinkLabel(input, task)))];

    const lead = ctx.units.get(subject.lead_unit);
    const leadAddresses = new Set(lead ? [lead.contact.email, lead.principal.email].map((a) => a.toLowerCase()) : []);
    const cooperating = task ? subject.cooperating_units.filter((id) => id !== subject.lead_unit) : [];
    const unitOf = new Map<string, string>();
    for (const id of cooperating) {
      const unit = ctx.units.get(id);
      if (!unit) continue;
      for (const a of [unit.contact.email, unit.principal.email]) {
        const k = a.toLowerCase();
        if (!leadAddresses.has(k) && !unitOf.has(k)) unitOf.set(k, id);
      }
    }
    const owner = (a: Address) => (leadAddresses.has(a.address.toLowerCase()) ? 'lead' : unitOf.get(a.address.toLowerCase()) ?? 'others');
    const groups = new Map<string, { to: Address[]; cc: Address[] }>();
    const place = (a: Address, where: 'to' | 'cc') => {
      const k = owner(a);
      if (!groups.has(k)) groups.set(k, { to: [], cc: [] });
      groups.get(k)![where].push(a);
    };
    for (const a of to) place(a, 'to');
    for (const a of cc) place(a, 'cc');

    const messages: OutboxDraft[] = [];
    const leadGroup = groups.get('lead');
    if (leadGroup) {
      messages.push(draft(input.key, leadGroup, render(leadUrl, leadLinkLabel(input, task))));
      unitLinks?.set(subject.lead_unit, leadUrl);
    }
    for (const id of cooperating) {
      const group = groups.get(id);
      if (!group) continue;
      const url = await taskLink(q, input, task!, id, ctx.timeZone);
      messages.push(draft(`${input.key}/unit/${id}`, group, render(url, COOPERATING_LINK_LABEL)));
      unitLinks?.set(id, url);
    }
    const others = groups.get('others');
    if (others) messages.push(draft(leadGroup ? `${input.key}/cc` : input.key, others, render()));
    return messages;
  }

  /** Whom a notice goes to; nobody to address (e.g. no 纪检监察室 in the definition): the office, so nothing is lost. */
  function addressNotice(ctx: CampaignContext, subject: NoticeSubject | undefined, input: IssueNoticeInput, details: Record<string, unknown>) {
    let { to, cc } = resolveRecipients(ctx, subject, input.recipients);
    if (to.length === 0) {
      details.unresolvedRecipients = input.recipients.to;
      to = [{ name: ctx.office.name, address: ctx.office.email }];
      cc = cc.filter((a) => a.address.toLowerCase() !== ctx.office.email.toLowerCase());
      log.warn('通知的主送对象未配置，已改送创建办', { key: input.key, recipients: input.recipients.to });
    }
    return { to, cc };
  }

  /** Everything a notice needs before its number: its subject, whom it goes to, its document and attachments. */
  async function prepareNotice(input: IssueNoticeInput, context?: CampaignContext) {
    const ctx = context ?? (await loadCampaignContext(db, input.campaignId));
    const task = input.taskId ? await loadTask(db, input.campaignId, input.taskId) : undefined;
    // A 转办 is addressed to the sub-unit: `leadUnit.*` means it (DEFAULT_RECIPIENTS.delegation).
    const handedTo = input.kind === 'delegation' ? input.details?.delegation?.unitId : undefined;
    const subject = handedTo ? { lead_unit: handedTo, cooperating_units: [] } : task ?? (input.unitId ? { lead_unit: input.unitId, cooperating_units: [] } : undefined);
    const details: Record<string, unknown> = { ...input.details };
    if (input.silentSince && !input.details?.silentSince) details.silentSince = input.silentSince;
    const { to, cc } = addressNotice(ctx, subject, input, details);
    const attachments: NoticeAttachment[] = [];
    if (input.attachRecord && input.taskId) {
      const record = await loadTaskRecord(db, input.campaignId, input.taskId, input.issuedAt);
      attachments.push({ name: RECORD_ATTACHMENT_NAME, content_type: DOCX_TYPE, content: await renderTaskRecordDocx(record) });
    }
    const doc: OfficialDocument = input.document
      ? { ...input.document, signature: ctx.office.name, dateWritten: chineseDate(input.issuedAt, ctx.timeZone) }
      : renderTaskDocument(ctx, task!, input, details, attachments);
    const year = DateTime.fromISO(input.issuedAt).setZone(ctx.timeZone).year;
    const word = NOTICE_KINDS[input.kind].word;
    if (input.calendarWarning) {
      log.warn(`通知中的期限按缺失的节假日安排计算：${input.calendarWarning}`, { key: input.key, kind: input.kind });
    }
    const { pictures, figures, figuresNote } = await pointPictures(input, doc);
    return { input, ctx, task, subject, details, to, cc, attachments: [...attachments, ...pictures], doc, year, word, figures, figuresNote };
  }

  /**
   * A notice about points shows under each point's line its first photo (the thumbnail), for the
   * first MAIL_PHOTO_POINTS points: inline parts stored with the notice, so a retry sends the same mail.
   */
  async function pointPictures(input: IssueNoticeInput, doc: OfficialDocument): Promise<{ pictures: NoticeAttachment[]; figures: MailFigure[]; figuresNote?: string }> {
    const ids = input.pointIds ?? [];
    const thumbnails = ids.length ? await firstPointThumbnails(db, ids.slice(0, MAIL_PHOTO_POINTS)) : [];
    if (thumbnails.length === 0) return { pictures: [], figures: [] };
    const cid = (photoId: number) => `point-photo-${photoId}@chuangwen.notice`;
    return {
      pictures: thumbnails.map((t) => ({ name: `问题点位${t.number}.jpg`, content_type: 'image/jpeg', content: t.data, content_id: cid(t.photo_id) })),
      figures: thumbnails.map((t) => {
        const line = doc.paragraphs.findIndex((p) => p.startsWith(`${t.number}. ${t.location}`));
        return { cid: cid(t.photo_id), alt: `${t.number}. ${t.location}`, after: line < 0 ? doc.paragraphs.length - 1 : line };
      }),
      figuresNote: ids.length > MAIL_PHOTO_POINTS ? `（邮件中仅附前 ${MAIL_PHOTO_POINTS} 个问题点位的照片，其余见链接。）` : undefined,
    };
  }
  type PreparedNotice = Awaited<ReturnType<typeof prepareNotice>>;

  function noticeRowOf({ input, ctx, subject, details, to, cc, doc, year }: PreparedNotice, number: string): NewNoticeRow {
    return {
      key: input.key,
      campaign_id: input.campaignId,
      task_id: input.taskId ?? null,
      unit_id: subject?.lead_unit ?? null,
      kind: input.kind,
      document_number: number,
      year,
      title: doc.title,
      addressees: doc.addressees,
      body: doc.paragraphs.join('\n'),
      recipients: { to: to.map((a) => a.address), cc: cc.map((a) => a.address) },
      issued_at: input.issuedAt,
      rung: input.rung ?? null,
      issuer: ctx.office.name,
      signature: doc.signature,
      date_written: doc.dateWritten,
      details,
      calendar_warning: input.calendarWarning ?? null,
    };
  }

  /** Stores a prepared notice under its sequence number, with its messages, deduction and events, in the caller's transaction. */
  async function storeNotice(tx: pg.PoolClient, prepared: PreparedNotice, sequence: number): Promise<NoticeRow> {
    const { input, ctx, task, subject, to, cc, attachments, doc, year, word, figures, figuresNote } = prepared;
    const number = documentNumber(ctx.office.documentPrefix, word, year, sequence);
    const notice = noticeRowOf(prepared, number);
    const id = await insertNotice(tx, notice);
    for (const a of attachments) await insertNoticeAttachment(tx, id, a);
    const unitLinks = new Map<string, string>();
    const render = (url?: string, label?: string, links?: { label: string; url: string }[]) =>
      renderEmail(number, doc, { warning: input.calendarWarning, actionUrl: url, actionLabel: label, links, figures, figuresNote });
    const messages = await composeMessages(tx, ctx, input, task, subject, to, cc, render, unitLinks);
    for (const m of messages) await insertOutboxMessage(tx, { notice_id: id, ...m });
    // A unit's notice about several tasks names them on its channels (read only when it has channels).
    const listed = task ? [task] : [];
    if (!task && channels && ctx.delivery) for (const taskId of input.taskIds ?? []) listed.push(await loadTask(tx, input.campaignId, taskId));
    await queueChannelMessages(tx, ctx, {
      noticeId: id,
      key: input.key,
      kind: input.kind,
      number,
      title: doc.title,
      leadUnit: subject?.lead_unit,
      tasks: listed.map((t) => ({ task: t, details: prepared.details })),
      to,
      cc,
      unitLinks,
    });
    if (input.deduction && input.deduction.points > 0 && subject) {
      await insertLedgerEntry(tx, {
        key: `${input.key}/deduction`,
        campaignId: input.campaignId,
        unitId: subject.lead_unit,
        year,
        points: -input.deduction.points,
        reason: `${input.deduction.reason}（${number}）`,
        noticeId: id,
        occurredAt: input.issuedAt,
      });
    }
    for (const taskId of input.taskId ? [input.taskId] : (input.taskIds ?? [])) {
      await appendTaskEvent(tx, {
        key: input.taskId ? `${input.key}/issued` : `${input.key}/issued/${taskId}`,
        campaignId: input.campaignId,
        taskId,
        occurredAt: input.issuedAt,
        kind: `notice.${input.kind}`,
        detail: {
          documentNumber: number,
          title: doc.title,
          to: notice.recipients.to,
          cc: notice.recipients.cc,
          ...(input.rung ? { rung: input.rung } : {}),
          ...(input.deduction?.points ? { deduction: input.deduction.points } : {}),
          ...(input.calendarWarning ? { warning: input.calendarWarning } : {}),
        },
      });
    }
    if (input.event) {
      await writeTaskEvent(tx, { ...input.event, detail: { ...input.event.detail, documentNumber: number } });
    }
    return { ...notice, id, issued_at: new Date(input.issuedAt) };
  }

  async function createNotice(input: IssueNoticeInput): Promise<NoticeRow> {
    const prepared = await prepareNotice(input);
    const { ctx, word, year } = prepared;
    const row = await inTransaction(db, async (tx) => storeNotice(tx, prepared, await allocateDocumentNumber(tx, ctx.office.documentPrefix, word, year)));
    if (input.rung) metrics?.escalation(input.rung);
    return row;
  }

  async function deliver(notice: NoticeRow, from: string): Promise<void> {
    await deliverAll([notice], () => from);
  }

  /**
   * Sends what the notices still owe over the pooled transport, SEND_CHUNK messages at a time, and
   * marks each chunk's accepted messages sent in one statement. Every message is tried (and a
   * failure recorded) before the first failure fails the attempt: one bad address holds no other.
   */
  async function deliverAll(notices: NoticeRow[], fromOf: (notice: NoticeRow) => string): Promise<void> {
    // Both are tried before either fails the attempt: a mail server down holds no SMS, and back.
    const mailFailure = await deliverMail(notices, fromOf).then(
      () => undefined,
      (error: unknown) => error ?? new Error('邮件发送失败'),
    );
    const channelFailure = await deliverChannels(notices);
    if (mailFailure !== undefined) throw mailFailure;
    if (channelFailure) throw channelFailure;
  }

  async function deliverMail(notices: NoticeRow[], fromOf: (notice: NoticeRow) => string): Promise<void> {
    const pending = await claimUnsentMessages(db, notices.map((n) => n.id));
    if (pending.length === 0) return;
    const byId = new Map(notices.map((n) => [n.id, n]));
    const attachments = new Map<number, NoticeAttachment[]>();
    for (const a of await listAttachmentsOfNotices(db, [...new Set(pending.map((m) => m.notice_id))])) {
      attachments.set(a.notice_id, [...(attachments.get(a.notice_id) ?? []), a]);
    }
    let failure: unknown;
    for (let i = 0; i < pending.length; i += SEND_CHUNK) {
      const chunk = pending.slice(i, i + SEND_CHUNK);
      const results = await Promise.allSettled(
        chunk.map((m) =>
          mailer.sendMail({
            from: fromOf(byId.get(m.notice_id)!),
            to: m.to_addresses.map((a) => JSON.parse(a)),
            cc: m.cc_addresses.map((a) => JSON.parse(a)),
            subject: m.subject,
            text: m.text_body,
            html: m.html_body,
            messageId: m.message_id,
            attachments: (attachments.get(m.notice_id) ?? []).map((a) => ({
              filename: a.name,
              content: a.content,
              contentType: a.content_type,
              // A picture the HTML shows (cid:) is an inline part, not a file to open.
              ...(a.content_id ? { cid: a.content_id, contentDisposition: 'inline' as const } : {}),
            })),
          }),
        ),
      );
      const sent = chunk.filter((_, j) => results[j].status === 'fulfilled');
      if (sent.length) await markMessagesSent(db, sent.map((m) => m.id));
      for (const m of sent) metrics?.noticeSent(byId.get(m.notice_id)!.kind);
      for (const [j, result] of results.entries()) {
        if (result.status === 'fulfilled') continue;
        metrics?.smtpFailure();
        await markMessageFailed(db, chunk[j].id, String((result.reason as Error)?.message ?? result.reason));
        failure ??= result.reason;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * Queues, in the notice's transaction, the SMS and robot messages its campaign's `delivery` asks
   * for: to the units its mail reaches (their contact's and principal's mobiles when addressed,
   * their robots, their own link) and to the leaders it reaches (SMS). Keyed from the notice's key.
   */
  async function queueChannelMessages(
    tx: Queryable,
    ctx: CampaignContext,
    n: {
      noticeId: number;
      key: string;
      kind: NoticeKind;
      number: string;
      title: string;
      leadUnit?: string;
      tasks: { task: TaskRow; details: { rectificationDeadline?: unknown } }[];
      to: Address[];
      cc: Address[];
      unitLinks: Map<string, string>;
    },
  ): Promise<void> {
    if (!channels || !ctx.delivery) return;
    const reached = new Set([...n.to, ...n.cc].map((a) => a.address.toLowerCase()));
    const has = (email: string) => reached.has(email.toLowerCase());
    const names = new Map<string, string>();
    const units: ChannelUnit[] = [];
    const ordered = [...ctx.units.values()].sort((a, b) => Number(b.id === n.leadUnit) - Number(a.id === n.leadUnit));
    const bySms = channelsFor(ctx.delivery, n.kind, 'unit').includes('sms');
    for (const unit of ordered) {
      const people = [unit.contact, unit.principal].filter((p) => has(p.email));
      if (people.length === 0) continue;
      for (const p of people) if (p.mobile && !names.has(p.mobile)) names.set(p.mobile, `${unit.name} ${p.name}`);
      const mobiles = people.flatMap((p) => (p.mobile ? [p.mobile] : []));
      const link = n.unitLinks.get(unit.id);
      units.push({
        id: unit.id,
        name: unit.name,
        mobiles,
        mention: has(unit.contact.email) ? unit.contact.mobile : undefined,
        robots: unit.robots,
        link,
        // The signed link does not fit in an SMS: a code per notice and unit, the same on a retry.
        shortLink: link && bySms && mobiles.length > 0 ? await shortLinkFor(tx, links!, `${n.key}/l/${unit.id}`, link) : undefined,
      });
    }
    const leaders = ctx.leaders.filter((l) => has(l.email));
    for (const l of leaders) if (l.mobile && !names.has(l.mobile)) names.set(l.mobile, l.name);
    const notice: ChannelNotice = {
      kind: n.kind,
      number: n.number,
      title: n.title,
      officeName: ctx.office.name,
      tasks: n.tasks.map(({ task, details }) => ({
        title: task.title,
        deadline: typeof details.rectificationDeadline === 'string' ? details.rectificationDeadline : task.deadline,
      })),
    };
    const planned = planChannelMessages({
      noticeKey: n.key,
      notice,
      delivery: ctx.delivery,
      units,
      leaders: leaders.map((l) => ({ id: l.id, mobile: l.mobile })),
      signName: channels.signName ?? ctx.office.name,
    });
    const unitName = (id: string) => ctx.units.get(id)?.name ?? id;
    for (const m of planned) {
      await insertChannelOutboxMessage(tx, {
        noticeId: n.noticeId,
        key: m.key,
        channel: m.channel,
        recipient: m.channel === 'sms' ? `${names.get(m.mobile) ?? ''} ${m.mobile}`.trim() : unitName(m.unitId),
        taskIds: n.tasks.map((t) => t.task.id),
        message: m,
      });
    }
  }

  /**
   * Sends what the notices still owe by SMS and group robot. Accepted: marked sent, never again.
   * Refused for good: recorded, not retried, and shown on each task's timeline (and in the weekly
   * check). A transient answer stays pending: the answer is a failure so the activity backs off and
   * its retry sends only what is still pending.
   */
  async function deliverChannels(notices: NoticeRow[]): Promise<Error | undefined> {
    if (!channels) return undefined;
    const pending = await claimPendingChannelMessages(db, notices.map((n) => n.id));
    if (pending.length === 0) return undefined;
    const byId = new Map(notices.map((n) => [n.id, n]));
    const started = Date.now();
    const owed: string[] = [];
    const sendOne = async (row: ChannelOutboxRow) => {
      const outcome = await channels.delivery.deliver(row.message as unknown as PlannedChannelMessage);
      if (outcome.status === 'sent') return markChannelMessageSent(db, row.id, outcome.providerId);
      if (outcome.transient) {
        await recordChannelFailure(db, row.id, { code: outcome.code, message: outcome.message, permanent: false });
        owed.push(`${CHANNEL_NAMES[row.channel]} ${row.recipient}：${outcome.code}`);
        return;
      }
      const notice = byId.get(row.notice_id)!;
      log.warn('短信或群机器人消息被拒收，不再重试', { key: row.key, code: outcome.code });
      // The refusal and the tasks' events together: a row closed as failed always shows on its tasks.
      await inTransaction(db, async (tx) => {
        await recordChannelFailure(tx, row.id, { code: outcome.code, message: outcome.message, permanent: true });
        for (const taskId of row.task_ids) await appendTaskEvent(tx, {
          key: `${row.key}/failed/${taskId}`,
          campaignId: notice.campaign_id,
          taskId,
          occurredAt: notice.issued_at.toISOString(),
          kind: 'channelFailed',
          detail: {
            documentNumber: notice.document_number,
            channel: row.channel,
            code: outcome.code,
            text: `${CHANNEL_NAMES[row.channel]}未送达（${maskedRecipient(row)}）：${outcome.message}（${outcome.code}）`,
          },
        });
      });
    };
    for (let i = 0; i < pending.length; i += CHANNEL_CONCURRENCY) {
      // Past the budget the rest waits for the retry, well inside the activity's timeout.
      if (Date.now() - started > CHANNEL_BUDGET_MS) {
        owed.push(`另有 ${pending.length - i} 条待发`);
        break;
      }
      await Promise.all(pending.slice(i, i + CHANNEL_CONCURRENCY).map(sendOne));
    }
    if (owed.length === 0) return undefined;
    return ApplicationFailure.retryable(`短信或群机器人消息暂未送达，稍后重试：${owed.join('；')}`, 'ChannelDeliveryPending');
  }

  function senderOf(ctx: CampaignContext): string {
    return mailFrom ?? `"${ctx.office.name.replace(/"/g, '')}" <${ctx.office.email}>`;
  }

  // Rung notices gathered per unit and day (docs/notices.md). The first task's activity opens the
  // batch (its number taken with the row) and sends it once no task has joined for a quiet window;
  // the others join and return the shared number at once. Each task's rung event and deduction are
  // written when it joins; the document listing every task, the outbox and each task's notice event
  // when the batch is sealed.

  /** What makes lapses share a letter: campaign, lead unit, kind, rung, civil day and recipients. */
  function gatherKeyOf(input: IssueNoticeInput, leadUnit: string, timeZone: string): string {
    return JSON.stringify([input.campaignId, leadUnit, input.kind, input.rung ?? 0, civilDateAt(input.issuedAt, timeZone), input.recipients]);
  }

  async function joinBatch(input: IssueNoticeInput, ctx: CampaignContext, task: TaskRow): Promise<BatchMembership> {
    const gatherKey = gatherKeyOf(input, task.lead_unit, ctx.timeZone);
    const year = DateTime.fromISO(input.issuedAt).setZone(ctx.timeZone).year;
    // Until the seal the row shows the first task's own document (the seal lists every task); a task
    // joining a letter already open needs none, so it is rendered outside the lock only when likely needed.
    let prepared = (await findOpenBatch(db, gatherKey)) ? undefined : await prepareNotice(input, ctx);
    const { event, ...request } = input;
    const membership = await inTransaction(db, async (tx) => {
      await lockGather(tx, gatherKey);
      let batch = await findOpenBatch(tx, gatherKey);
      const opens = !batch;
      if (!batch) {
        prepared ??= await prepareNotice(input, ctx);
        const { word } = prepared;
        const number = documentNumber(ctx.office.documentPrefix, word, year, await allocateDocumentNumber(tx, ctx.office.documentPrefix, word, year));
        const id = await insertNotice(tx, noticeRowOf(prepared, number));
        await insertNoticeBatch(tx, { noticeId: id, gatherKey, senderKey: input.key });
        batch = { notice_id: id, document_number: number };
      }
      await insertBatchMember(tx, { key: input.key, noticeId: batch.notice_id, taskId: task.id, request: { ...request } });
      if (input.deduction && input.deduction.points > 0) {
        await insertLedgerEntry(tx, {
          key: `${input.key}/deduction`,
          campaignId: input.campaignId,
          unitId: task.lead_unit,
          year,
          points: -input.deduction.points,
          reason: `${input.deduction.reason}（${batch.document_number}）`,
          noticeId: batch.notice_id,
          occurredAt: input.issuedAt,
        });
      }
      if (event) await writeTaskEvent(tx, { ...event, detail: { ...event.detail, documentNumber: batch.document_number } });
      return { ...batch, gather_key: gatherKey, sender: opens };
    });
    if (input.rung) metrics?.escalation(input.rung);
    return membership;
  }

  /**
   * The sender waits until no task has joined for the quiet window (or the window's cap). Not
   * cancellable: the letter is the other tasks' too, so it goes out even if the sender's task is gone.
   */
  async function awaitQuiet(noticeId: number): Promise<void> {
    for (;;) {
      const clock = await batchClock(db, noticeId);
      if (clock.sealed || clock.quiet_ms >= gatherWindow.quietMs || clock.open_ms >= gatherWindow.maxMs) return;
      heartbeat();
      await sleep(Math.max(50, Math.min(gatherWindow.quietMs - clock.quiet_ms, gatherWindow.maxMs - clock.open_ms)));
    }
  }

  /** Closes the batch and, in the same transaction, writes its document, its messages and each task's notice event. */
  async function sealAndQueue(batch: BatchMembership, ctx: CampaignContext): Promise<void> {
    await inTransaction(db, async (tx) => {
      await lockGather(tx, batch.gather_key);
      if (!(await sealBatch(tx, batch.notice_id))) return; // sealed by an earlier attempt: only sending is left
      const notice = (await findNoticeById(tx, batch.notice_id))!;
      const members = [];
      for (const m of await listBatchMembers(tx, batch.notice_id)) {
        members.push({ key: m.key, request: m.request as unknown as IssueNoticeInput, task: await loadTask(tx, notice.campaign_id, m.task_id) });
      }
      members.sort((a, b) => a.task.deadline.localeCompare(b.task.deadline) || a.task.id.localeCompare(b.task.id));
      const first = members[0];
      const one = members.length === 1 ? first.task : undefined;
      const subject: NoticeSubject = one ?? {
        lead_unit: first.task.lead_unit,
        cooperating_units: [...new Set(members.flatMap((m) => m.task.cooperating_units))],
      };
      const details: Record<string, unknown> = one
        ? { ...first.request.details }
        : { tasks: members.map((m) => ({ taskId: m.task.id, ...m.request.details })) };
      const { to, cc } = addressNotice(ctx, subject, first.request, details);
      const doc: OfficialDocument = one
        ? renderTaskDocument(ctx, one, first.request, details, [])
        : renderListedDocument(
            notice.kind as NoticeKind,
            { campaignTitle: ctx.title, officeName: ctx.office.name, timeZone: ctx.timeZone, issuedAt: first.request.issuedAt, leadUnitName: ctx.units.get(subject.lead_unit)?.name },
            members.map((m) => ({ taskTitle: m.task.title, deadline: m.task.deadline, details: m.request.details })),
          );
      const recipients = { to: to.map((a) => a.address), cc: cc.map((a) => a.address) };
      await updateNoticeDocument(tx, notice.id, { task_id: one?.id ?? null, title: doc.title, addressees: doc.addressees, body: doc.paragraphs.join('\n'), recipients, details });
      const warning = [...new Set(members.map((m) => m.request.calendarWarning).filter(Boolean))].join(' ') || undefined;
      const composing: IssueNoticeInput = one
        ? { ...first.request, key: notice.key }
        : { ...first.request, key: notice.key, taskId: undefined, unitId: subject.lead_unit, taskIds: members.map((m) => m.task.id) };
      const unitLinks = new Map<string, string>();
      const render = (url?: string, label?: string, taskLinks?: { label: string; url: string }[]) =>
        renderEmail(notice.document_number, doc, { warning, actionUrl: url, actionLabel: label, links: taskLinks });
      const messages = await composeMessages(tx, ctx, composing, one, subject, to, cc, render, unitLinks);
      for (const m of messages) await insertOutboxMessage(tx, { notice_id: notice.id, ...m });
      await queueChannelMessages(tx, ctx, {
        noticeId: notice.id,
        key: notice.key,
        kind: notice.kind as NoticeKind,
        number: notice.document_number,
        title: doc.title,
        leadUnit: subject.lead_unit,
        tasks: members.map((m) => ({ task: m.task, details: m.request.details ?? {} })),
        to,
        cc,
        unitLinks,
      });
      for (const m of members) {
        await appendTaskEvent(tx, {
          key: `${m.key}/issued`,
          campaignId: notice.campaign_id,
          taskId: m.task.id,
          occurredAt: m.request.issuedAt,
          kind: `notice.${notice.kind}`,
          detail: {
            documentNumber: notice.document_number,
            title: doc.title,
            to: recipients.to,
            cc: recipients.cc,
            ...(m.request.rung ? { rung: m.request.rung } : {}),
            ...(m.request.deduction?.points ? { deduction: m.request.deduction.points } : {}),
            ...(m.request.calendarWarning ? { warning: m.request.calendarWarning } : {}),
            ...(one ? {} : { listedTasks: members.length }),
          },
        });
      }
    });
  }

  async function gatherNotice(input: IssueNoticeInput): Promise<IssuedNotice> {
    const ctx = await loadCampaignContext(db, input.campaignId);
    const task = await loadTask(db, input.campaignId, input.taskId!);
    const joined = await findBatchMembership(db, input.key);
    // Issued alone under this key before (by a worker that did not yet gather): carry on with that notice.
    const alone = joined ? undefined : await findNoticeByKey(db, input.key);
    if (alone) {
      await deliver(alone, senderOf(ctx));
      return { documentNumber: alone.document_number, to: alone.recipients.to, cc: alone.recipients.cc };
    }
    const batch = joined ?? (await joinBatch(input, ctx, task));
    if (batch.sender) {
      await awaitQuiet(batch.notice_id);
      await sealAndQueue(batch, ctx);
      await deliver((await findNoticeById(db, batch.notice_id))!, senderOf(ctx));
    }
    const { to, cc } = resolveRecipients(ctx, task, input.recipients);
    return { documentNumber: batch.document_number, to: to.map((a) => a.address), cc: cc.map((a) => a.address) };
  }

  return {
    /**
     * Many notices at once (e.g. one per unit): numbered, stored and queued in one transaction, each
     * sequence's counter moving by the number of its notices (still gapless: it commits or rolls back
     * with them), then sent together. Keyed like issueNotice: a retry numbers nothing twice and sends
     * only what is still owed; the answer follows the order of `inputs`.
     */
    async issueNotices(inputs: IssueNoticeInput[]): Promise<IssuedNotice[]> {
      const issued = new Map((await findNoticesByKeys(db, inputs.map((i) => i.key))).map((n) => [n.key, n]));
      const contexts = new Map<string, CampaignContext>();
      const sequences = new Map<string, PreparedNotice[]>();
      const taken = new Set(issued.keys());
      for (const input of inputs) {
        if (taken.has(input.key)) continue;
        taken.add(input.key);
        const ctx = contexts.get(input.campaignId) ?? (await loadCampaignContext(db, input.campaignId));
        contexts.set(input.campaignId, ctx);
        const prepared = await prepareNotice(input, ctx);
        const sequence = JSON.stringify([ctx.office.documentPrefix, prepared.word, prepared.year]);
        sequences.set(sequence, [...(sequences.get(sequence) ?? []), prepared]);
      }
      if (sequences.size) {
        const rows = await inTransaction(db, async (tx) => {
          const stored: NoticeRow[] = [];
          for (const group of sequences.values()) {
            const { ctx, word, year } = group[0];
            const last = await allocateDocumentNumbers(tx, ctx.office.documentPrefix, word, year, group.length);
            for (const [i, prepared] of group.entries()) stored.push(await storeNotice(tx, prepared, last - group.length + 1 + i));
          }
          return stored;
        });
        for (const row of rows) {
          issued.set(row.key, row);
          if (row.rung) metrics?.escalation(row.rung);
        }
      }
      for (const n of issued.values()) {
        if (!contexts.has(n.campaign_id)) contexts.set(n.campaign_id, await loadCampaignContext(db, n.campaign_id));
      }
      const notices = [...issued.values()];
      await deliverAll(notices, (n) => senderOf(contexts.get(n.campaign_id)!));
      return inputs.map((i) => {
        const n = issued.get(i.key)!;
        return { documentNumber: n.document_number, to: n.recipients.to, cc: n.recipients.cc };
      });
    },

    async issueNotice(input: IssueNoticeInput): Promise<IssuedNotice> {
      if (input.gather && input.taskId) return gatherNotice(input);
      const notice = (await findNoticeByKey(db, input.key)) ?? (await createNotice(input));
      const ctx = await loadCampaignContext(db, input.campaignId);
      await deliver(notice, senderOf(ctx));
      return { documentNumber: notice.document_number, to: notice.recipients.to, cc: notice.recipients.cc };
    },
  };
}

type NewNoticeRow = Omit<NoticeRow, 'id' | 'issued_at'> & { issued_at: string };
