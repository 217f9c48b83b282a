// Official documents (公文) as .docx, laid out after GB/T 9704-2012: A4, red 版头 with the issuing
// office and a red rule, 发文字号, 标题 in 小标宋, 主送, 正文 in 仿宋 3号 with a two-character indent,
// 附件, 落款 and 成文日期 on the right, page numbers “— 1 —”. Also the task's whole record (任务全过程记录)
// that an accountability referral carries.
import {
  AlignmentType,
  BorderStyle,
  convertMillimetersToTwip,
  Document,
  Footer,
  LineRuleType,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  type IRunOptions,
} from 'docx';
import type { NoticeRow } from '../db/notices.js';

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const FANGSONG = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '仿宋_GB2312' };
const XIAOBIAOSONG = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '方正小标宋简体' };
export const HEITI = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '黑体' };
const RED = 'C00000';
/** Half-points: 3号 = 16pt, 2号 = 22pt, 4号 = 14pt, 小初 = 36pt. */
export const SIZE_3 = 32;
const SIZE_2 = 44;
const SIZE_4 = 28;
const SIZE_XIAOCHU = 72;
/** 22 lines a page: exact 28.9pt. */
const LINE = 578;
const INDENT_2_CHARS = 640;

const run = (text: string, options: Omit<IRunOptions, 'text'> = {}) =>
  new TextRun({ text, font: FANGSONG, size: SIZE_3, ...options });

export const bodyParagraph = (text: string, options: { indent?: boolean; align?: (typeof AlignmentType)[keyof typeof AlignmentType] } = {}) =>
  new Paragraph({
    children: [run(text)],
    alignment: options.align ?? AlignmentType.JUSTIFIED,
    indent: options.indent === false ? undefined : { firstLine: INDENT_2_CHARS },
    spacing: { line: LINE, lineRule: LineRuleType.EXACT },
  });

const blank = () => new Paragraph({ children: [run('')], spacing: { line: LINE, lineRule: LineRuleType.EXACT } });

export function pageSetup() {
  return {
    page: {
      size: { width: convertMillimetersToTwip(210), height: convertMillimetersToTwip(297) },
      margin: {
        top: convertMillimetersToTwip(37),
        bottom: convertMillimetersToTwip(35),
        left: convertMillimetersToTwip(28),
        right: convertMillimetersToTwip(26),
      },
    },
  };
}

export function pageNumberFooter() {
  return {
    default: new Footer({
      children: [
        new Paragraph({
          alignment: AlignmentType.CENTER,
          children: [
            new TextRun({ children: ['— ', PageNumber.CURRENT, ' —'], font: { ascii: '宋体', eastAsia: '宋体', hAnsi: '宋体' }, size: SIZE_4 }),
          ],
        }),
      ],
    }),
  };
}

/** The 版头: issuing office in red, the document number, a red rule. */
function letterhead(issuer: string, documentNumber: string): Paragraph[] {
  return [
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 0, after: 240 },
      children: [new TextRun({ text: issuer, font: XIAOBIAOSONG, size: issuer.length > 12 ? SIZE_2 : SIZE_XIAOCHU, color: RED })],
    }),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 240, after: 120 },
      border: { bottom: { style: BorderStyle.SINGLE, size: 18, color: RED, space: 12 } },
      children: [run(documentNumber)],
    }),
    blank(),
  ];
}

/** The printable official document of a notice, from its row alone. */
export async function renderNoticeDocx(notice: NoticeRow): Promise<Buffer> {
  const paragraphs = notice.body.split('\n').filter((p) => p.trim() !== '');
  const issuer = notice.issuer || notice.signature || '';
  const doc = new Document({
    creator: issuer,
    title: `${notice.document_number} ${notice.title}`,
    description: notice.title,
    styles: { default: { document: { run: { font: FANGSONG, size: SIZE_3 } } } },
    sections: [
      {
        properties: pageSetup(),
        footers: pageNumberFooter(),
        children: [
          ...letterhead(issuer, notice.document_number),
          new Paragraph({
            alignment: AlignmentType.CENTER,
            spacing: { line: 700, lineRule: LineRuleType.EXACT, after: 300 },
            children: [new TextRun({ text: notice.title, font: XIAOBIAOSONG, size: SIZE_2 })],
          }),
          bodyParagraph(notice.addressees, { indent: false }),
          ...paragraphs.map((p) => bodyParagraph(p)),
          blank(),
          blank(),
          bodyParagraph(notice.signature, { indent: false, align: AlignmentType.RIGHT }),
          bodyParagraph(notice.date_written, { indent: false, align: AlignmentType.RIGHT }),
          ...(notice.calendar_warning ? [blank(), bodyParagraph(`（注：${notice.calendar_warning}）`, { indent: false })] : []),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

// ---------------------------------------------------------------------------------------------
// 任务全过程记录

export interface TaskRecord {
  campaignTitle: string;
  officeName: string;
  task: {
    id: string;
    title: string;
    description: string;
    leadUnit: string;
    cooperatingUnits: string[];
    start: string;
    deadline: string;
    status: string;
    rungName: string;
  };
  notices: { documentNumber: string; title: string; issuedAt: string; to: string; cc: string; delivery: string }[];
  events: { at: string; name: string; actor: string; detail: string }[];
  evidence: { at: string; form: string; text: string; files: string; by: string }[];
  /** When the record was made (成文日期 of the referral). */
  madeAt: string;
}

export function cell(text: string, options: { bold?: boolean; width?: number } = {}): TableCell {
  return new TableCell({
    width: options.width ? { size: options.width, type: WidthType.PERCENTAGE } : undefined,
    children: text.split('\n').map(
      (line) => new Paragraph({ children: [new TextRun({ text: line, font: options.bold ? HEITI : FANGSONG, size: 21 })] }),
    ),
  });
}

export function table(header: string[], widths: number[], rows: string[][]): Table {
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: header.map((h, i) => cell(h, { bold: true, width: widths[i] })) }),
      ...(rows.length ? rows : [header.map((_, i) => (i === 0 ? '（无）' : ''))]).map(
        (r) => new TableRow({ children: r.map((c, i) => cell(c, { width: widths[i] })) }),
      ),
    ],
  });
}

export const heading = (text: string) =>
  new Paragraph({
    spacing: { before: 240, after: 120 },
    indent: { firstLine: INDENT_2_CHARS },
    children: [new TextRun({ text, font: HEITI, size: SIZE_3 })],
  });

/** A document's 标题, centred in 小标宋 2号. */
export const documentTitle = (text: string) =>
  new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 300 }, children: [new TextRun({ text, font: XIAOBIAOSONG, size: SIZE_2 })] });

/** The task's whole record as a .docx: basic facts, every notice with its delivery, every event, the evidence. */
export async function renderTaskRecordDocx(record: TaskRecord): Promise<Buffer> {
  const t = record.task;
  const doc = new Document({
    creator: record.officeName,
    title: `“${t.title}”整治任务全过程记录`,
    styles: { default: { document: { run: { font: FANGSONG, size: SIZE_3 } } } },
    sections: [
      {
        properties: pageSetup(),
        footers: pageNumberFooter(),
        children: [
          documentTitle(`“${t.title}”整治任务全过程记录`),
          bodyParagraph(`（${record.campaignTitle}；${record.officeName}据系统记录生成，截至${record.madeAt}）`, {
            indent: false,
            align: AlignmentType.CENTER,
          }),
          heading('一、任务基本情况'),
          table(['项目', '内容'], [25, 75], [
            ['任务编号', t.id],
            ['任务名称', t.title],
            ['任务内容', t.description || t.title],
            ['责任单位', t.leadUnit],
            ['配合单位', t.cooperatingUnits.join('、') || '无'],
            ['交办日期', t.start],
            ['完成时限', t.deadline],
            ['当前状态', `${t.status}${t.rungName ? `（${t.rungName}）` : ''}`],
          ]),
          heading('二、文书及送达情况'),
          table(
            ['文号', '标题', '印发时间', '主送 / 抄送', '送达情况'],
            [18, 30, 14, 22, 16],
            record.notices.map((n) => [n.documentNumber, n.title, n.issuedAt, `${n.to}${n.cc ? `\n抄送：${n.cc}` : ''}`, n.delivery]),
          ),
          heading('三、办理过程（签收、报送、期限、督办）'),
          table(['时间', '事项', '办理人', '情况'], [18, 18, 16, 48], record.events.map((e) => [e.at, e.name, e.actor, e.detail])),
          heading('四、佐证材料'),
          table(
            ['报送时间', '形式', '说明', '文件', '报送人'],
            [16, 12, 32, 28, 12],
            record.evidence.map((e) => [e.at, e.form, e.text, e.files, e.by]),
          ),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
