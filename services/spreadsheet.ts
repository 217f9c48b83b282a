// What every workbook the console hands out or reads shares (the ledger, the directory, problem lists).
import type ExcelJS from 'exceljs';
import type { SheetColumn } from '../domain/directory.js';

/**
 * Text a spreadsheet would take for a formula when it is edited or copied out (it starts with = + -
 * @, a tab or a carriage return: a unit's progress report "=HYPERLINK(…)") gets a leading
 * apostrophe, so that it stays text.
 */
export function spreadsheetText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The text as it was before spreadsheetText: a workbook handed out and read back gives the same text. */
export function unspreadsheetText(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

/** Every text cell of a workbook through spreadsheetText. */
export function keepAsText(book: ExcelJS.Workbook): void {
  book.eachSheet((sheet) =>
    sheet.eachRow((row) =>
      row.eachCell((cell) => {
        if (typeof cell.value === 'string') cell.value = spreadsheetText(cell.value);
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------- reading an office's workbook

/** One problem of an import, where an office finds it in the file. */
export interface SheetProblem {
  /** The sheet's name; '' for the file as a whole. */
  sheet: string;
  /** The row number as the spreadsheet shows it; 0 for the file as a whole. */
  row: number;
  /** The column's header; '' for a whole row or the file. */
  column: string;
  message: string;
}

export function formatSheetProblem(p: SheetProblem): string {
  if (!p.sheet) return p.message;
  return `「${p.sheet}」表第 ${p.row} 行${p.column ? `「${p.column}」列` : ''}：${p.message}`;
}

/** What an import refused whole says: its one problem with the file, or how many problems and each one. */
export function refusalMessage(what: string, problems: SheetProblem[]): string {
  return problems.length === 1 && !problems[0].sheet
    ? problems[0].message
    : `${what}有 ${problems.length} 处错误，未导入任何内容：\n${problems.map(formatSheetProblem).join('\n')}`;
}

/** What a cell shows, as text: links, rich text and formulas by their text, dates as YYYY-MM-DD. */
export function cellText(cell: ExcelJS.Cell): string {
  const text = (value: ExcelJS.CellValue): string => {
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value);
    if (typeof value === 'boolean') return value ? '是' : '否';
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    if ('richText' in value) return value.richText.map((t) => t.text).join('');
    // Excel turns a typed address into a link; its text is the address.
    if ('hyperlink' in value) return text(value.text as ExcelJS.CellValue);
    if ('result' in value || 'formula' in value || 'sharedFormula' in value) return text((value as { result?: ExcelJS.CellValue }).result ?? null);
    return '';
  };
  return unspreadsheetText(text(cell.value).trim());
}

/** A header as typed: spaces and required marks (*, （必填）) dropped. */
function normaliseHeader(text: string): string {
  return text.replace(/\s+/g, '').replace(/[*＊]/g, '').replace(/[（(]必填[)）]/g, '');
}

/**
 * The data rows of a sheet as field → text (only the columns present), blank rows skipped. Problems
 * of the header row (an unknown or repeated column, a missing required one) and a sheet too long
 * are reported at row 1; without a required column no row is read.
 */
export function readSheetRows(
  sheet: ExcelJS.Worksheet,
  columns: readonly SheetColumn[],
  options: { ignored: readonly string[]; maxRows: number; report: (row: number, field: string, message: string) => void },
): { row: number; cells: Map<string, string> }[] {
  const report = (field: string, message: string) => options.report(1, field, message);
  const fieldOf = new Map<number, string>();
  const header = sheet.getRow(1);
  for (let c = 1; c <= header.cellCount; c++) {
    const text = normaliseHeader(cellText(header.getCell(c)));
    if (!text || options.ignored.includes(text)) continue;
    const column = columns.find((col) => col.header === text || col.aliases?.includes(text));
    if (!column) report(text, `未知的列「${text}」：请使用模板中的列名（自用的说明可放在「备注」列，导入时不读取）`);
    else if ([...fieldOf.values()].includes(column.field)) report(column.field, `「${column.header}」列出现了不止一次`);
    else fieldOf.set(c, column.field);
  }
  const present = new Set(fieldOf.values());
  const missing = columns.filter((c) => c.required && !present.has(c.field));
  for (const column of missing) report(column.field, `缺少「${column.header}」列（第 1 行为列名）`);
  if (missing.length > 0) return [];
  if (sheet.rowCount > options.maxRows) {
    report('', `行数过多（${sheet.rowCount} 行，最多 ${options.maxRows} 行）`);
    return [];
  }
  const rows: { row: number; cells: Map<string, string> }[] = [];
  for (let r = 2; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const cells = new Map<string, string>();
    for (const [c, field] of fieldOf) cells.set(field, cellText(row.getCell(c)));
    if ([...cells.values()].every((v) => v === '')) continue;
    rows.push({ row: r, cells });
  }
  return rows;
}

// ---------------------------------------------------------------------------------- writing a template

/**
 * A sheet with the columns' headers (required ones marked in red, each with its note), every cell
 * text (Excel would turn a mobile number into 1.38E+10 and a date into a serial), the rows given,
 * and a drop-down list on the columns `lists` names, down to `listRows`.
 */
export function addColumnSheet(
  book: ExcelJS.Workbook,
  name: string,
  columns: readonly SheetColumn[],
  rows: (string | number)[][],
  lists: Record<string, string[]> = {},
  listRows = 2000,
): ExcelJS.Worksheet {
  const sheet = book.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ key: c.field, width: c.width, style: { numFmt: '@' } }));
  const header = sheet.getRow(1);
  header.values = columns.map((c) => c.header);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center' };
  columns.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: c.required ? 'FFF4C7C3' : 'FFE8EEF7' } };
    cell.note = c.note;
  });
  for (const values of rows) sheet.addRow(values.map((v) => (typeof v === 'number' ? String(v) : v)));
  columns.forEach((c, i) => {
    const list = lists[c.field];
    if (!list) return;
    const letter = sheet.getColumn(i + 1).letter;
    // exceljs keeps a sheet's validations by range; its types name only the cell's.
    (sheet as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }).dataValidations.add(
      `${letter}2:${letter}${Math.max(listRows, rows.length + 1)}`,
      { type: 'list', allowBlank: true, formulae: [`"${list.join(',')}"`], showErrorMessage: true, errorTitle: '请从列表中选择', error: `应为 ${list.join('、')} 之一` },
    );
  });
  return sheet;
}
