// Issuing a notice: number it, store it with the messages it owes (and any deduction from the
// year-end performance score, any attachment), then deliver them over SMTP.
// Keyed by the caller, so a retried or replayed activity never numbers or sends a notice twice:
// the number, the row, the outbox messages, the ledger row and the attachment are written in one
// transaction, and each message's Message-ID is derived from the key (see composeMessages: a mail
// with the lead unit's link goes to the lead unit alone).
import { createHash } from 'node:crypto';
import { log } from '@temporalio/activity';
import { DateTime } from 'luxon';
import type { Transporter } from 'nodemailer';
import { loadCampaignContext, loadTask, type CampaignContext, type TaskRow } from '../db/campaigns.js';
import { appendTaskEvent, writeTaskEvent, type TaskEvent } from '../db/events.js';
import {
  allocateDocumentNumber,
  claimUnsentMessages,
  findNoticeByKey,
  insertLedgerEntry,
  insertNotice,
  insertNoticeAttachment,
  insertOutboxMessage,
  listNoticeAttachments,
  markMessageFailed,
  markMessageSent,
  type NoticeAttachment,
  type OutboxMessage,
  type NoticeRow,
} from '../db/notices.js';
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
import { civilDateAt, endOfCivilDay } from '../services/calendar.js';
import { chineseDate, renderDocument, renderEmail, type OfficialDocument } from '../services/documents.js';
import { unitLinkFor, type UnitLinkOptions } from '../services/unit-links.js';
import { renderTaskRecordDocx } from '../services/docx.js';
import { DISCIPLINE_OFFICE, formatAddress, resolveRecipients, type Address, type NoticeSubject } from './recipients.js';
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
}

export interface IssuedNotice {
  documentNumber: string;
  to: string[];
  cc: string[];
}

/** What the link of a 催报 is for (a task mail's link says what a task's link does). */
const MATERIALS_LINK_LABEL = '报送链接（查看本月尚未报送的材料并在线上传，无需登录）';
/** A cooperating unit's own link to the task it helps with: it reads, the lead unit acts. */
const COOPERATING_LINK_LABEL = '任务查看链接（配合单位查看任务要求和办理进度，无需登录；签收、报送由责任单位办理）';

type OutboxDraft = Pick<OutboxMessage, 'message_id' | 'to_addresses' | 'cc_addresses' | 'subject' | 'text_body' | 'html_body'>;

export const RECORD_ATTACHMENT_NAME = '任务全过程记录.docx';
const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

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

export function createNoticeActivities({
  db,
  mailer,
  mailFrom,
  metrics,
  links,
}: {
  db: Db;
  mailer: Transporter;
  mailFrom?: string;
  /** Counts messages sent, SMTP failures and rungs issued (worker/metrics.ts); absent: nothing is counted. */
  metrics?: NoticeMetrics;
  /** Signs the unit portal link that mails to the lead unit carry. */
  links?: UnitLinkOptions;
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
    if (task) return taskLink(q, input, task, task.lead_unit, timeZone);
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
      // A unit's notice about several of its tasks: the unit's people alone, with each task's link.
      const taskLinks = [];
      for (const id of input.taskIds) {
        const row = await loadTask(q, input.campaignId, id);
        taskLinks.push({ label: `“${row.title}”办理链接`, url: await taskLink(q, input, row, row.lead_unit, ctx.timeZone) });
      }
      return [draft(input.key, { to, cc }, render(undefined, undefined, taskLinks))];
    }
    const leadUrl = await actionUrl(q, input, task, ctx.timeZone);
    if (!leadUrl || !subject) return [draft(input.key, { to, cc }, render(leadUrl, task ? undefined : MATERIALS_LINK_LABEL))];

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
    if (leadGroup) messages.push(draft(input.key, leadGroup, render(leadUrl, task ? undefined : MATERIALS_LINK_LABEL)));
    for (const id of cooperating) {
      const group = groups.get(id);
      if (!group) continue;
      messages.push(draft(`${input.key}/unit/${id}`, group, render(await taskLink(q, input, task!, id, ctx.timeZone), COOPERATING_LINK_LABEL)));
    }
    const others = groups.get('others');
    if (others) messages.push(draft(leadGroup ? `${input.key}/cc` : input.key, others, render()));
    return messages;
  }

  async function createNotice(input: IssueNoticeInput): Promise<NoticeRow> {
    const ctx = await loadCampaignContext(db, input.campaignId);
    const task = input.taskId ? await loadTask(db, input.campaignId, input.taskId) : undefined;
    const subject = task ?? (input.unitId ? { lead_unit: input.unitId, cooperating_units: [] } : undefined);
    let { to, cc } = resolveRecipients(ctx, subject, input.recipients);
    const details: Record<string, unknown> = { ...input.details };
    if (input.silentSince && !input.details?.silentSince) details.silentSince = input.silentSince;
    if (to.length === 0) {
      // Nobody to address (e.g. no 纪检监察室 in the definition): the office receives it, so nothing is lost.
      details.unresolvedRecipients = input.recipients.to;
      to = [{ name: ctx.office.name, address: ctx.office.email }];
      cc = cc.filter((a) => a.address.toLowerCase() !== ctx.office.email.toLowerCase());
      log.warn('通知的主送对象未配置，已改送创建办', { key: input.key, recipients: input.recipients.to });
    }
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

    return inTransaction(db, async (tx) => {
      const sequence = await allocateDocumentNumber(tx, ctx.office.documentPrefix, word, year);
      const number = documentNumber(ctx.office.documentPrefix, word, year, sequence);
      const notice: NewNoticeRow = {
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
      const id = await insertNotice(tx, notice);
      for (const a of attachments) await insertNoticeAttachment(tx, id, a);
      const messages = await composeMessages(tx, ctx, input, task, subject, to, cc, (url, label, links) =>
        renderEmail(number, doc, { warning: input.calendarWarning, actionUrl: url, actionLabel: label, links }),
      );
      for (const m of messages) await insertOutboxMessage(tx, { notice_id: id, ...m });
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
    }).then((row) => {
      if (input.rung) metrics?.escalation(input.rung);
      return row;
    });
  }

  async function deliver(notice: NoticeRow, from: string): Promise<void> {
    const pending = await claimUnsentMessages(db, notice.id);
    if (pending.length === 0) return;
    const attachments = await listNoticeAttachments(db, notice.id);
    // Each message is tried (and its failure recorded) before the first failure fails the attempt.
    let failure: unknown;
    for (const m of pending) {
      try {
        await mailer.sendMail({
          from,
          to: m.to_addresses.map((a) => JSON.parse(a)),
          cc: m.cc_addresses.map((a) => JSON.parse(a)),
          subject: m.subject,
          text: m.text_body,
          html: m.html_body,
          messageId: m.message_id,
          attachments: attachments.map((a) => ({ filename: a.name, content: a.content, contentType: a.content_type })),
        });
        await markMessageSent(db, m.id);
        metrics?.noticeSent(notice.kind);
      } catch (error) {
        metrics?.smtpFailure();
        await markMessageFailed(db, m.id, String((error as Error).message ?? error));
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  return {
    async issueNotice(input: IssueNoticeInput): Promise<IssuedNotice> {
      const notice = (await findNoticeByKey(db, input.key)) ?? (await createNotice(input));
      const ctx = await loadCampaignContext(db, input.campaignId);
      await deliver(notice, mailFrom ?? `"${ctx.office.name.replace(/"/g, '')}" <${ctx.office.email}>`);
      return { documentNumber: notice.document_number, to: notice.recipients.to, cc: notice.recipients.cc };
    },
  };
}

type NewNoticeRow = Omit<NoticeRow, 'id' | 'issued_at'> & { issued_at: string };
