// A notice as the official document (公文) it is: for the printable page and the .docx download.
import { chineseDate, type OfficialDocument } from '../../services/documents.js';
import { renderNoticeDocx } from '../../services/docx.js';
import type { Queryable } from '../../db/pool.js';
import { findNoticeRow, type NoticeView } from './read-model.js';

/** 版头, 落款 and 成文日期 as issued; older rows fall back to the office and the day of issue. */
export function noticeDocument(notice: NoticeView): OfficialDocument & { issuer: string } {
  return {
    issuer: notice.issuer || notice.officeName,
    title: notice.title,
    addressees: notice.addressees,
    paragraphs: notice.paragraphs,
    signature: notice.signature || notice.officeName,
    dateWritten: notice.dateWritten || chineseDate(notice.issuedAt, notice.timeZone),
  };
}

/** Whether the .docx form of notices can be made. */
export function docxAvailable(): boolean {
  return true;
}

export async function renderDocx(db: Queryable, noticeId: number): Promise<Buffer | undefined> {
  const row = await findNoticeRow(db, noticeId);
  return row ? renderNoticeDocx(row) : undefined;
}
