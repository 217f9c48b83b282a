// Issuing a notice: number it, store it with the messages it owes, then deliver them over SMTP.
// Keyed by the caller, so a retried or replayed activity never numbers or sends a notice twice.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Transporter } from 'nodemailer';
import { loadCampaignContext, loadTask } from '../db/campaigns.js';
import {
  allocateDocumentNumber,
  claimUnsentMessages,
  findNoticeByKey,
  insertNotice,
  insertOutboxMessage,
  markMessageFailed,
  markMessageSent,
  type NoticeRow,
} from '../db/notices.js';
import { inTransaction, type Db } from '../db/pool.js';
import { documentNumber, NOTICE_KINDS, type NoticeKind, type RecipientList } from '../domain/notices.js';
import { renderDocument, renderEmail } from './documents.js';
import { formatAddress, resolveRecipients } from './recipients.js';

export interface IssueNoticeInput {
  /** Stable across retries and replays: derived from workflow, kind and attempt. */
  key: string;
  campaignId: string;
  taskId: string;
  kind: NoticeKind;
  /** Workflow time of issue (ISO). */
  issuedAt: string;
  recipients: RecipientList;
  silentSince?: string;
}

export interface IssuedNotice {
  documentNumber: string;
  to: string[];
  cc: string[];
}

export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@chuangwen.notice>`;
}

export function createNoticeActivities({ db, mailer, mailFrom }: { db: Db; mailer: Transporter; mailFrom?: string }) {
  async function createNotice(input: IssueNoticeInput): Promise<NoticeRow> {
    const ctx = await loadCampaignContext(db, input.campaignId);
    const task = await loadTask(db, input.campaignId, input.taskId);
    const { to, cc } = resolveRecipients(ctx, task, input.recipients);
    if (to.length === 0) throw new Error(`通知没有收件人：${input.key}`);
    const lead = ctx.units.get(task.lead_unit);
    const doc = renderDocument(input.kind, {
      campaignTitle: ctx.title,
      officeName: ctx.office.name,
      timeZone: ctx.timeZone,
      issuedAt: input.issuedAt,
      taskTitle: task.title,
      taskDescription: task.description,
      leadUnitName: lead?.name,
      cooperatingUnitNames: task.cooperating_units.map((id) => ctx.units.get(id)?.name ?? id),
      deadline: task.deadline,
      silentSince: input.silentSince,
    });
    const year = DateTime.fromISO(input.issuedAt).setZone(ctx.timeZone).year;
    const word = NOTICE_KINDS[input.kind].word;

    return inTransaction(db, async (tx) => {
      const number = documentNumber(ctx.office.documentPrefix, word, year, await allocateDocumentNumber(tx, ctx.office.documentPrefix, word, year));
      const notice: Omit<NoticeRow, 'id' | 'issued_at'> & { issued_at: string } = {
        key: input.key,
        campaign_id: input.campaignId,
        task_id: input.taskId,
        unit_id: task.lead_unit,
        kind: input.kind,
        document_number: number,
        year,
        title: doc.title,
        addressees: doc.addressees,
        body: doc.paragraphs.join('\n'),
        recipients: { to: to.map((a) => a.address), cc: cc.map((a) => a.address) },
        issued_at: input.issuedAt,
      };
      const id = await insertNotice(tx, notice);
      const email = renderEmail(number, doc);
      await insertOutboxMessage(tx, {
        notice_id: id,
        message_id: messageIdFor(input.key),
        to_addresses: to.map((a) => JSON.stringify(formatAddress(a))),
        cc_addresses: cc.map((a) => JSON.stringify(formatAddress(a))),
        subject: email.subject,
        text_body: email.text,
        html_body: email.html,
      });
      await tx.query(
        `INSERT INTO task_events (key, campaign_id, task_id, occurred_at, kind, detail)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING`,
        [`${input.key}/issued`, input.campaignId, input.taskId, input.issuedAt, `notice.${input.kind}`,
          { documentNumber: number, title: doc.title, to: notice.recipients.to, cc: notice.recipients.cc }],
      );
      return { ...notice, id, issued_at: new Date(input.issuedAt) };
    });
  }

  async function deliver(notice: NoticeRow, from: string): Promise<void> {
    for (const m of await claimUnsentMessages(db, notice.id)) {
      try {
        await mailer.sendMail({
          from,
          to: m.to_addresses.map((a) => JSON.parse(a)),
          cc: m.cc_addresses.map((a) => JSON.parse(a)),
          subject: m.subject,
          text: m.text_body,
          html: m.html_body,
          messageId: m.message_id,
        });
        await markMessageSent(db, m.id);
      } catch (error) {
        await markMessageFailed(db, m.id, String((error as Error).message ?? error));
        throw error;
      }
    }
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
