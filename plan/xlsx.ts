// Excel task tables (.xlsx) → plan text: each sheet's rows, the header row (序号 | 工作任务 | 牵头单位 | …)
// found wherever it stands, read like a Word task table. Rows above the header (a merged title) are text.
import ExcelJS from 'exceljs';
import { tableRowsToLines } from './docx.js';

export async function xlsxToText(buffer: Buffer): Promise<string> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(buffer as unknown as ArrayBuffer);
  const lines: string[] = [];
  book.eachSheet((sheet) => {
    const rows: string[][][] = [];
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[][] = [];
      for (let c = 1; c <= sheet.columnCount; c++) {
        const cell = row.getCell(c);
        // A merged cell (a unit written once for several rows) counts for every row it covers.
        const text = cellText(cell.isMerged ? cell.master.value : cell.value);
        cells.push(text.split(/\r?\n/).map((t) => t.trim()).filter(Boolean));
      }
      rows.push(cells);
    });
    lines.push(...tableRowsToLines(rows));
  });
  return lines.join('\n');
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return `${value.getUTCFullYear()}年${value.getUTCMonth() + 1}月${value.getUTCDate()}日`;
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('error' in value) return '';
  }
  return String(value);
}
