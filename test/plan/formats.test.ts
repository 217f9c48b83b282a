// The formats offices have (.txt in any encoding, .docx with its task table, .xlsx task tables, PDF with a
// text layer) and the files that are refused before anything is parsed: scans, oversize files, archives that
// would expand too far.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Document, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import ExcelJS from 'exceljs';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { pdfOf } from '../../eval/variants.js';
import { importPlan, PlanInputError } from '../../plan/index.js';
import { LIMITS } from '../../plan/decode.js';
import { definitionOf, makeDocx, taskUnits } from './support.js';

const corpus = (name: string) => readFile(path.join(path.dirname(new URL(import.meta.url).pathname), 'corpus', name), 'utf8');

const refuse = async (input: Buffer, name: string) => {
  const error = await importPlan(input, name).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlanInputError);
  return (error as Error).message;
};

describe('Excel task tables', () => {
  it('reads the header row wherever it stands, a merged title above it and merged unit cells', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('任务分解表');
    sheet.addRow(['某区2023年创建全国文明城市任务分解表']);
    sheet.mergeCells(1, 1, 1, 5);
    sheet.addRow(['序号', '工作任务', '牵头单位', '配合单位', '完成时限']);
    sheet.addRow([1, '清理背街小巷卫生死角', '区城管局', '各街道', '2023年6月底前']);
    sheet.addRow([2, '规范农贸市场经营秩序', '区市场监管局', '各街道、区商务局', '第三季度']);
    sheet.addRow([3, '整治占道经营', '', '各街道', '长期坚持']);
    sheet.mergeCells(4, 3, 5, 3); // 区市场监管局 leads rows 2 and 3
    const result = await importPlan(Buffer.from(await book.xlsx.writeBuffer()), '任务分解表.xlsx');
    const def = definitionOf(result);
    expect(result.model.encoding).toBe('xlsx');
    expect(taskUnits(def)).toEqual([
      ['清理背街小巷卫生死角', '区城管局', ['各街道']],
      ['规范农贸市场经营秩序', '区市场监管局', ['各街道', '区商务局']],
      ['整治占道经营', '区市场监管局', ['各街道']],
    ]);
    expect(def.tasks.map((t) => t.deadline)).toEqual(['2023-06-30', '2023-09-30', '2023-12-31']);
  });
});

describe('Word task tables', () => {
  const cell = (text: string, span: { rowSpan?: number; columnSpan?: number } = {}) => new TableCell({ children: [new Paragraph(text)], ...span });
  const word = (rows: TableRow[]) =>
    Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('某区2023年创文任务分解表'), new Table({ rows })] }] }));

  it('gives a cell merged over several rows (a category, a lead unit) to every row it covers', async () => {
    const docx = await word([
      new TableRow({ children: ['类别', '序号', '工作任务', '牵头单位', '配合单位', '完成时限'].map((t) => cell(t)) }),
      new TableRow({ children: [cell('市容环境', { rowSpan: 2 }), cell('1'), cell('清理卫生死角'), cell('区城管局', { rowSpan: 2 }), cell('各街道'), cell('2023年6月底前')] }),
      new TableRow({ children: [cell('2'), cell('整治占道经营'), cell('区市场监管局'), cell('2023年9月底前')] }),
      new TableRow({ children: [cell('交通秩序'), cell('3'), cell('规范停车'), cell('区公安分局'), cell(''), cell('长期坚持')] }),
    ]);
    const def = definitionOf(await importPlan(docx, 'table.docx'));
    expect(taskUnits(def)).toEqual([
      ['清理卫生死角', '区城管局', ['各街道']],
      ['整治占道经营', '区城管局', ['区市场监管局']],
      ['规范停车', '区公安分局', []],
    ]);
    expect(def.tasks.map((t) => t.deadline)).toEqual(['2023-06-30', '2023-09-30', '2023-12-31']);
  });

  it('reads category rows as headings, and 牵头/配合 written inside one 责任单位 cell', async () => {
    const docx = await word([
      new TableRow({ children: ['序号', '工作任务', '责任单位', '完成时限'].map((t) => cell(t)) }),
      new TableRow({ children: [cell('一、市容环境整治', { columnSpan: 4 })] }),
      new TableRow({ children: [cell('1'), cell('清理卫生死角'), cell('牵头：区城管局；配合：各街道'), cell('2023年6月底前')] }),
      new TableRow({ children: [cell('二'), cell('交通秩序整治'), cell(''), cell('')] }),
      new TableRow({ children: [cell('1'), cell('规范停车秩序'), cell('区公安分局（牵头）、各街道'), cell('长期坚持')] }),
    ]);
    const def = definitionOf(await importPlan(docx, 'table.docx'));
    expect(taskUnits(def)).toEqual([
      ['清理卫生死角', '区城管局', ['各街道']],
      ['规范停车秩序', '区公安分局', ['各街道']],
    ]);
    expect(def.tasks.map((t) => t.id)).toEqual(['task-1-1', 'task-2-1']);
  });

  it('reads a header in two rows: 责任单位 over 牵头单位 and 配合单位', async () => {
    const docx = await word([
      new TableRow({ children: [cell('序号', { rowSpan: 2 }), cell('重点任务', { rowSpan: 2 }), cell('责任单位', { columnSpan: 2 }), cell('完成时限', { rowSpan: 2 })] }),
      new TableRow({ children: [cell('牵头单位'), cell('配合单位')] }),
      new TableRow({ children: [cell('1'), cell('清理卫生死角'), cell('区城管局'), cell('各街道'), cell('2023年6月底前')] }),
    ]);
    expect(taskUnits(definitionOf(await importPlan(docx, 'table.docx')))).toEqual([['清理卫生死角', '区城管局', ['各街道']]]);
  });
});

describe('PDF with a text layer', () => {
  it('reads a PDF set on A4 with wrapped lines, a running header and page numbers', async () => {
    const text = await corpus('xxzhen-chuangjian-2020.txt');
    const paragraphs = text.split('\n').map((l) => l.trim()).filter(Boolean).slice(1);
    const result = await importPlan(await pdfOf(paragraphs, 'XX镇文明城市创建工作实施方案'), 'plan.pdf');
    expect(result.model.encoding).toBe('pdf');
    expect(taskUnits(definitionOf(result)).slice(0, 4).map(([, lead]) => lead)).toEqual([
      '综合行政执法局',
      '建设和生态环境局',
      'XX区党总支',
      '社会事业局（原文体站）',
    ]);
    expect(result.warnings[0].message).toMatch(/^从 PDF 文字层读取了 \d+ 页/);
  });

  it('refuses a scan without a text layer, saying what to do', async () => {
    const pdf = await pdfOf([], '');
    expect(await refuse(pdf, '扫描件.pdf')).toMatch(/^扫描件\.pdf：这是扫描件（\d+ 页，几乎没有可提取的文字），无法读取；请先用 OCR 识别为文字/);
  });
});

describe('limits checked before parsing', () => {
  it('refuses a file over the size limit, naming the limit', async () => {
    const big = Buffer.alloc(LIMITS.fileBytes + 1, 0x20);
    expect(await refuse(big, 'huge.txt')).toBe(
      'huge.txt：文件有 20 MB，超过 20 MB 的上限，不予读取；实施方案通常不到 1 MB，请确认文件是否选对，或把方案正文另存为 .txt / .docx 后再导入',
    );
  });

  it('refuses more text than a plan has, before decoding it', async () => {
    const text = Buffer.from('一、任务\n'.repeat(Math.ceil(LIMITS.textBytes / 12) + 10));
    const started = Date.now();
    expect(await refuse(text, 'long.txt')).toMatch(/^long\.txt：文字有 2(\.\d)? MB，超过 2 MB 的上限，不予读取/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a .docx that would expand past the limit, without unzipping it', async () => {
    const filler = '<w:p><w:r><w:t>一</w:t></w:r></w:p>'.repeat(Math.ceil(LIMITS.unzippedBytes / 30));
    const bomb = Buffer.from(
      zipSync({
        'word/document.xml': strToU8(`<w:document><w:body>${filler}</w:body></w:document>`),
      }),
    );
    expect(bomb.length).toBeLessThan(LIMITS.fileBytes);
    const started = Date.now();
    expect(await refuse(bomb, 'bomb.docx')).toMatch(/^bomb\.docx：解压后的文档内容有 \d+(\.\d)? MB，超过 8 MB 的上限，不予读取/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('still reads a Word task table', async () => {
    const docx = makeDocx([
      '某县2023年创文任务分解表',
      [
        [['序号'], ['重点任务'], ['责任单位'], ['时间节点']],
        [['1'], ['整治城区卫生死角'], ['县城管局', '各乡镇'], ['2023年5月底前']],
      ],
    ]);
    const def = definitionOf(await importPlan(docx, 'table.docx'));
    expect(taskUnits(def)).toEqual([['整治城区卫生死角', '县城管局', ['各乡镇']]]);
    expect(def.tasks[0].deadline).toBe('2023-05-31');
  });
});
