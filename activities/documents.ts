// Renders a notice as an official document (公文): title, addressees, body, signature and date,
// and as the Chinese email (text and HTML) that carries it.
import { DateTime } from 'luxon';
import type { NoticeKind } from '../domain/notices.js';

export interface NoticeFacts {
  campaignTitle: string;
  officeName: string;
  timeZone: string;
  issuedAt: string;
  taskTitle?: string;
  taskDescription?: string;
  leadUnitName?: string;
  cooperatingUnitNames?: string[];
  deadline?: string;
  /** Reminders: since when nothing was heard. */
  silentSince?: string;
}

export interface OfficialDocument {
  title: string;
  /** 主送 */
  addressees: string;
  /** Paragraphs of the 正文 */
  paragraphs: string[];
  /** 落款 */
  signature: string;
  /** 成文日期, e.g. 2021年6月30日 */
  dateWritten: string;
}

export function chineseDate(isoDateOrInstant: string, timeZone: string): string {
  const dt = isoDateOrInstant.length === 10
    ? DateTime.fromISO(isoDateOrInstant, { zone: timeZone })
    : DateTime.fromISO(isoDateOrInstant).setZone(timeZone);
  return `${dt.year}年${dt.month}月${dt.day}日`;
}

export function renderDocument(kind: NoticeKind, facts: NoticeFacts): OfficialDocument {
  const date = (d: string) => chineseDate(d, facts.timeZone);
  const task = `“${facts.taskTitle ?? ''}”`;
  const unit = facts.leadUnitName ?? '';
  const cooperating = facts.cooperatingUnitNames?.length
    ? `，${facts.cooperatingUnitNames.join('、')}配合`
    : '';
  const today = date(facts.issuedAt);
  const deadline = facts.deadline ? date(facts.deadline) : '';
  const common = { signature: facts.officeName, dateWritten: today, addressees: `${unit}：` };

  switch (kind) {
    case 'assignment':
      return {
        ...common,
        title: `关于交办${task}整治任务的通知`,
        paragraphs: [
          `根据《${facts.campaignTitle}》的安排，现将${task}整治任务交由你单位牵头办理${cooperating}。`,
          `任务内容：${facts.taskDescription || facts.taskTitle}`,
          `完成时限：${deadline}前。`,
          '请于收到本通知后1个工作日内签收，每周报送工作进展；整改完成后报送佐证材料，经核查合格后销号。逾期未完成的，将予以通报并扣减年终绩效分。',
        ],
      };
    case 'reminder':
      return {
        ...common,
        title: `关于督促报送${task}工作进展的催办通知`,
        paragraphs: [
          `你单位牵头的${task}整治任务，自${date(facts.silentSince ?? facts.issuedAt)}以来未报送工作进展。`,
          `请于本周内报送整改进展情况。该任务完成时限为${deadline}，请抓紧推进。`,
        ],
      };
    case 'overdue':
      return {
        ...common,
        title: `关于${task}整治任务逾期未完成的通报`,
        paragraphs: [
          `${unit}牵头的${task}整治任务，完成时限为${deadline}，截至${today}仍未完成销号，现予以通报，并按规定扣减年终绩效分。`,
          '请你单位主要负责人高度重视，立即组织整改，并将整改情况书面报送创建办。',
        ],
      };
  }
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export function renderEmail(documentNumber: string, doc: OfficialDocument): EmailContent {
  const text = [
    documentNumber,
    '',
    doc.title,
    '',
    doc.addressees,
    ...doc.paragraphs.map((p) => `    ${p}`),
    '',
    doc.signature,
    doc.dateWritten,
  ].join('\n');
  const html = [
    '<div style="font-family: FangSong, STFangsong, serif; max-width: 40em; line-height: 1.8">',
    `<p style="text-align:center">${escapeHtml(documentNumber)}</p>`,
    `<h2 style="text-align:center">${escapeHtml(doc.title)}</h2>`,
    `<p>${escapeHtml(doc.addressees)}</p>`,
    ...doc.paragraphs.map((p) => `<p style="text-indent:2em">${escapeHtml(p)}</p>`),
    `<p style="text-align:right">${escapeHtml(doc.signature)}<br>${escapeHtml(doc.dateWritten)}</p>`,
    '</div>',
  ].join('\n');
  return { subject: `【${documentNumber}】${doc.title}`, text, html };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
