// Other shapes of the corpus plans, built from their text the way offices hand them over: a Word file with
// the task table (任务分解表), the same table as Excel, a PDF with a text layer (hard-wrapped lines, running
// header, page numbers), and legacy encodings (GB18030, Big5). (Every text is also read without its line
// breaks: see evaluateCorpus.)
import { AlignmentType, Document, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import PDFDocument from 'pdfkit';

/** A variant: a file of another format whose expected actions are those of the text it was built from. */
export interface Variant {
  /** File name, e.g. qingjie-jiayuan-2014.docx. */
  name: string;
  /** The corpus text it was built from (its expected.yaml applies). */
  from: string;
  shape: string;
  build: (text: string) => Promise<Buffer>;
}

export const CJK_FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
const CJK_FONT_NAME = 'NotoSansCJKsc-Regular';

/** Cells of a table scraped one cell per line, each ending in "|". */
export function pipeCells(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /\|\s*$/.test(l))
    .map((l) => l.replace(/\|\s*$/, '').trim());
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The body paragraphs of a plan text (blank lines dropped). */
const paragraphsOf = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** Circled items "①…（责任单位：A、B）" → task-table rows [工作任务, 牵头单位, 配合单位]. */
function circledRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of paragraphsOf(text)) {
    const m = /^[①-⑳](.+?)[（(]责任单位[:：](.+?)[）)]*$/.exec(line);
    if (!m) continue;
    const units = m[2].replace(/[（(][^（()）]*$/, '').split('、');
    rows.push([m[1].replace(/[。；]$/, ''), units[0], units.slice(1).join('、')]);
  }
  return rows;
}

function cell(text: string, bold = false): TableCell {
  return new TableCell({ children: [new Paragraph({ children: [new TextRun({ text, bold })] })] });
}

async function docxOf(children: (Paragraph | Table)[]): Promise<Buffer> {
  return Packer.toBuffer(new Document({ sections: [{ children }] }));
}

const para = (text: string, center = false) =>
  new Paragraph({ children: [new TextRun(text)], alignment: center ? AlignmentType.CENTER : undefined });

function tableOf(rows: string[][]): Table {
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: rows.map((r, i) => new TableRow({ children: r.map((c) => cell(c, i === 0)) })),
  });
}

/** A PDF set in A4 with a running header and "— n —" page numbers; lines wrap where the page ends. */
export async function pdfOf(paragraphs: string[], header: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margins: { top: 90, bottom: 90, left: 80, right: 80 }, bufferPages: true });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.font(CJK_FONT, CJK_FONT_NAME).fontSize(14);
  for (const p of paragraphs) doc.text(p, { indent: 28, paragraphGap: 4 });
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.fontSize(9).text(header, 80, 50, { width: 435, align: 'center', lineBreak: false });
    doc.fontSize(10).text(`— ${i + 1} —`, 80, 780, { width: 435, align: 'center', lineBreak: false });
  }
  doc.end();
  return done;
}

/** "（一）…专项整治…牵头领导：…责任部门：…" run together → rows [序号, 工作任务, 牵头领导, 责任部门]. */
function leaderDeptRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const m of text.matchAll(/\(([一二三四五六七八九十])\)([^(]*?)牵头领导:(.+?)责任部门:(.+?)(?=\(|配合做好|$)/g)) {
    rows.push([String(rows.length + 1), m[2].replace(/第 \d+ 页共 \d+ 页下载后可任意编辑/, '').trim(), m[3].trim(), m[4].trim()]);
  }
  return rows;
}

export const VARIANTS: Variant[] = [
  {
    name: 'qingjie-jiayuan-2014.docx',
    from: 'qingjie-jiayuan-2014.txt',
    shape: 'Word 表格（名称/责任单位/工作任务与目标）',
    build: async (text) => {
      const rows = chunk(pipeCells(text), 3);
      return docxOf([para('清洁家园行动2014年工作台账', true), tableOf(rows), para('四区划分：')]);
    },
  },
  {
    name: 'qingjie-jiayuan-2014.xlsx',
    from: 'qingjie-jiayuan-2014.txt',
    shape: 'Excel 台账（标题行合并单元格）',
    build: async (text) => {
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('台账');
      const rows = chunk(pipeCells(text), 3);
      sheet.addRow(['清洁家园行动2014年工作台账']);
      sheet.mergeCells(1, 1, 1, 3);
      for (const r of rows) sheet.addRow(r);
      return Buffer.from(await book.xlsx.writeBuffer());
    },
  },
  {
    name: 'xxzhen-chuangjian-2020-table.docx',
    from: 'xxzhen-chuangjian-2020.txt',
    shape: 'Word 正文 + 任务分解表附件（序号/工作任务/牵头单位/配合单位/完成时限）',
    build: async (text) => {
      const body = paragraphsOf(text).filter((l) => !/^[①-⑳]/.test(l) && !/^\d、/.test(l));
      const rows = circledRows(text).map((r, i) => [String(i + 1), r[0], r[1], r[2], '2020年12月底前']);
      return docxOf([
        ...body.slice(1, 7).map((l) => para(l)),
        para('附件'),
        para('XX镇文明城市创建工作任务分解表', true),
        tableOf([['序号', '工作任务', '牵头单位', '配合单位', '完成时限'], ...rows]),
      ]);
    },
  },
  {
    name: 'xianyang-2022.docx',
    from: 'xianyang-2022.txt',
    shape: 'Word 正文（繁体）',
    build: async (text) => docxOf(paragraphsOf(text).map((l) => para(l))),
  },
  {
    name: 'meili-2021.pdf',
    from: 'meili-2021.txt',
    shape: 'PDF 文字层（折行、页眉、页码）',
    build: async (text) => pdfOf(paragraphsOf(text).slice(1), '魅力文明城市创建行动方案'),
  },
  {
    name: 'xxzhen-chuangjian-2020.pdf',
    from: 'xxzhen-chuangjian-2020.txt',
    shape: 'PDF 文字层（折行、页眉、页码）',
    build: async (text) => pdfOf(paragraphsOf(text).slice(1), 'XX镇文明城市创建工作实施方案'),
  },
  {
    name: 'jianshe-zhuanxiang.xlsx',
    from: 'jianshe-zhuanxiang.txt',
    shape: 'Excel 台账（序号/工作任务/牵头领导/责任部门）',
    build: async (text) => {
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('专项整治');
      sheet.addRow(['区建设局创建全国文明城市专项整治任务分解表']);
      sheet.mergeCells(1, 1, 1, 4);
      sheet.addRow(['序号', '工作任务', '牵头领导', '责任部门']);
      for (const r of leaderDeptRows(text)) sheet.addRow(r);
      return Buffer.from(await book.xlsx.writeBuffer());
    },
  },
  {
    name: 'jianshe-zhuanxiang-table.docx',
    from: 'jianshe-zhuanxiang.txt',
    shape: 'Word 任务表（序号/工作任务/牵头领导/责任部门）',
    build: async (text) =>
      docxOf([para('区建设局创建全国文明城市专项整治任务分解表', true), tableOf([['序号', '工作任务', '牵头领导', '责任部门'], ...leaderDeptRows(text)])]),
  },
  {
    name: 'cunzhuang-zhengzhi.docx',
    from: 'cunzhuang-zhengzhi.txt',
    shape: 'Word 正文（无编号，每段由单位起句）',
    build: async (text) => docxOf(paragraphsOf(text).map((l) => para(l))),
  },
  {
    name: 'xuchang-2020.pdf',
    from: 'xuchang-2020.txt',
    shape: 'PDF 文字层（折行、页眉、页码；“责任单位:”另起一行）',
    build: async (text) => pdfOf(paragraphsOf(text), '许昌市人民政府文件'),
  },
  {
    name: 'chengxiang-zhengzhi.pdf',
    from: 'chengxiang-zhengzhi.txt',
    shape: 'PDF 文字层（折行、页眉、页码；单位写在句中）',
    build: async (text) => pdfOf(paragraphsOf(text).slice(1), '城乡环境综合整治方案'),
  },
  {
    name: 'wenming-xiancheng-luoshi.big5.txt',
    from: 'wenming-xiancheng-luoshi.txt',
    shape: 'Big5 编码繁体文本（“落實單位:”另起一行）',
    build: async (text) => iconv.encode(text, 'big5'),
  },
  {
    name: 'shuiliju-2008.gbk.txt',
    from: 'shuiliju-2008.txt',
    shape: 'GB18030 编码文本',
    build: async (text) => iconv.encode(text, 'gb18030'),
  },
  {
    name: 'beiting-2023.gbk.txt',
    from: 'beiting-2023.txt',
    shape: 'GB18030 编码文本',
    build: async (text) => iconv.encode(text, 'gb18030'),
  },
  {
    name: 'xianyang-2022.big5.txt',
    from: 'xianyang-2022.txt',
    shape: 'Big5 编码繁体文本',
    build: async (text) => iconv.encode(text.replace(/[“”]/g, '"'), 'big5'),
  },
];
