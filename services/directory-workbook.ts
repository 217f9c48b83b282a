// 通讯录 as an Excel workbook: the template to fill in, the export (the same sheets, filled, so that
// an export edited and imported again changes only what was edited), and the import. The import
// reads every row of every sheet first; any problem (a missing column, a repeated unit, an unknown
// parent, a bad address …) is reported with its sheet, row and column, and nothing is written.
import ExcelJS from 'exceljs';
import {
  DIRECTORY_ENTRY_NAMES,
  DIRECTORY_POST_NAMES,
  DIRECTORY_POSTS,
  DIRECTORY_SHEETS,
  DIRECTORY_UNIT_KIND_NAMES,
  DIRECTORY_UNIT_KINDS,
  IGNORED_HEADERS,
  nameProblem,
  normaliseEmail,
  normaliseMobile,
  postOf,
  postProblem,
  retirementOf,
  splitNames,
  STATUS_ACTIVE,
  STATUS_RETIRED,
  unitKindOf,
  unitKindProblem,
  type SheetColumn,
  type DirectoryEntryKind,
  type DirectoryRobots,
} from '../domain/directory.js';
import type { Db } from '../db/pool.js';
import { directoryRobotProblem, maskedDirectoryRobots } from '../domain/channels.js';
import {
  applyDirectoryChanges,
  DirectoryRefused,
  type Directory,
  type DirectoryChanges,
  type DirectoryChangeSummary,
  type DirectoryProblem,
  type PersonChange,
  type PostChange,
  type UnitChange,
} from './directory.js';
import { addColumnSheet, keepAsText, readSheetRows, refusalMessage, type SheetProblem } from './spreadsheet.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Larger than any directory of a district; a bigger file is not one. */
export const MAX_DIRECTORY_FILE_BYTES = 10 * 1024 * 1024;
const MAX_ROWS = 20_000;
const INSTRUCTIONS = '填写说明';
const ENTRIES: DirectoryEntryKind[] = ['unit', 'person', 'post'];
/** Rows of the template that carry the drop-down lists. */
const LIST_ROWS = 2000;

/** An import refused: every problem of the file, nothing written. */
export class DirectoryImportError extends Error {
  override name = 'DirectoryImportError';
  constructor(readonly problems: SheetProblem[]) {
    super(refusalMessage('通讯录文件', problems));
  }
}

// ---------------------------------------------------------------------------------- import

/**
 * Imports a workbook: every sheet read and checked against the directory, then written in one
 * transaction, or refused whole (DirectoryImportError). `today` (YYYY-MM-DD) is the date of a
 * 停用 without a date.
 */
export async function importDirectoryWorkbook(db: Db, data: Buffer, today: string): Promise<DirectoryChangeSummary> {
  const { changes, problems } = await readDirectoryWorkbook(data, today);
  try {
    return await applyDirectoryChanges(db, changes, problems);
  } catch (error) {
    if (error instanceof DirectoryRefused) throw new DirectoryImportError(sheetProblems(error.problems));
    throw error;
  }
}

/** What a workbook asks to change, and the problems of its cells (before the directory is consulted). */
export async function readDirectoryWorkbook(data: Buffer, today: string): Promise<{ changes: DirectoryChanges; problems: DirectoryProblem[] }> {
  if (data.length > MAX_DIRECTORY_FILE_BYTES) {
    throw new DirectoryImportError([{ sheet: '', row: 0, column: '', message: `文件过大（超过 ${MAX_DIRECTORY_FILE_BYTES / 1024 / 1024} MB），不是通讯录` }]);
  }
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    throw new DirectoryImportError([
      { sheet: '', row: 0, column: '', message: '无法读取文件：不是有效的 Excel 工作簿（.xlsx）。旧版 .xls 或 WPS 格式请先另存为 .xlsx' },
    ]);
  }
  const sheets = new Map(book.worksheets.map((s) => [s.name.trim(), s]));
  if (!ENTRIES.some((e) => sheets.has(DIRECTORY_SHEETS[e].name))) {
    const names = ENTRIES.map((e) => `「${DIRECTORY_SHEETS[e].name}」`).join('');
    throw new DirectoryImportError([
      { sheet: '', row: 0, column: '', message: `文件中没有${names}工作表：请使用通讯录模板（chuangwen directory template，或控制台「通讯录」页下载）填写` },
    ]);
  }
  const problems: DirectoryProblem[] = [];
  const changes: Required<DirectoryChanges> = { units: [], people: [], posts: [] };
  for (const entry of ENTRIES) {
    const sheet = sheets.get(DIRECTORY_SHEETS[entry].name);
    if (!sheet) continue;
    for (const { row, cells } of readSheet(sheet, entry, problems)) {
      const problem = (field: string, message: string) => problems.push({ entry, row, field, message });
      if (entry === 'unit') {
        const change = unitChange(row, cells, problem, today);
        if (change) changes.units.push(change);
      } else if (entry === 'person') {
        const change = personChange(row, cells, problem, today);
        if (change) changes.people.push(change);
      } else {
        const change = postChange(row, cells, problem, today);
        if (change) changes.posts.push(change);
      }
    }
  }
  return { changes, problems };
}

type Cells = Map<string, string>;
type Report = (field: string, message: string) => void;

/** The data rows of a sheet as field → text (only the columns present); problems of its header row reported. */
function readSheet(sheet: ExcelJS.Worksheet, entry: DirectoryEntryKind, problems: DirectoryProblem[]): { row: number; cells: Cells }[] {
  return readSheetRows(sheet, DIRECTORY_SHEETS[entry].columns, {
    ignored: IGNORED_HEADERS,
    maxRows: MAX_ROWS,
    report: (row, field, message) => problems.push({ entry, row, field, message }),
  });
}

/** The 编号 cell: absent, a number, or a problem. */
function idOf(cells: Cells, report: Report): number | undefined | null {
  const text = cells.get('id') ?? '';
  if (text === '') return undefined;
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) {
    report('id', `编号应为正整数（导出时由系统填写；新增条目请留空）：${text}`);
    return null;
  }
  return Number(text);
}

/** A name cell, checked; '' stays '' (for a required column: a problem). */
function nameCell(cells: Cells, field: string, report: Report, required = false): string | undefined {
  const value = cells.get(field);
  if (value === undefined) return undefined;
  const problem = nameProblem(value, { required });
  if (problem) report(field, problem);
  return value;
}

function emailCell(cells: Cells, field: string, report: Report): string | undefined {
  const value = cells.get(field);
  if (value === undefined) return undefined;
  const email = normaliseEmail(value);
  if ('problem' in email) {
    report(field, email.problem);
    return value;
  }
  return email.value;
}

function mobileCell(cells: Cells, field: string, report: Report): string | undefined {
  const value = cells.get(field);
  if (value === undefined) return undefined;
  const mobile = normaliseMobile(value);
  if ('problem' in mobile) {
    report(field, mobile.problem);
    return value;
  }
  return mobile.value;
}

/**
 * A robot column, checked by the definition's own schema (a webhook or secret written out, or
 * env:NAME). A value the export showed masked passes here: applyDirectoryChanges keeps it when it
 * is the directory's own.
 */
function robotCell(cells: Cells, field: keyof DirectoryRobots, report: Report): string | undefined {
  const value = cells.get(`robots.${field}`);
  if (value === undefined) return undefined;
  const problem = directoryRobotProblem(field, value);
  if (problem) report(`robots.${field}`, problem);
  return value.trim();
}

/** 状态 and 停用日期, when either column is present. */
function retirementCells(cells: Cells, report: Report, today: string): { retiredOn?: string | null } {
  if (!cells.has('status') && !cells.has('retiredOn')) return {};
  const retirement = retirementOf(cells.get('status') ?? '', cells.get('retiredOn') ?? '', today);
  if ('problem' in retirement) {
    report(retirement.field, retirement.problem);
    return {};
  }
  return { retiredOn: retirement.retiredOn };
}

const defined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

function unitChange(row: number, cells: Cells, report: Report, today: string): UnitChange | undefined {
  const id = idOf(cells, report);
  const name = nameCell(cells, 'name', report, true);
  const kindText = cells.get('kind');
  let kind = kindText === undefined ? undefined : unitKindOf(kindText);
  if (kindText !== undefined && !kind) {
    report('kind', kindText === '' ? '不能为空' : unitKindProblem(kindText));
    kind = 'other'; // nothing is written with a problem; the row still counts for the checks of the others
  }
  const shortNames = cells.has('shortNames') ? splitNames(cells.get('shortNames')!) : undefined;
  for (const s of shortNames ?? []) {
    const problem = nameProblem(s);
    if (problem) report('shortNames', `简称「${s}」${problem}`);
  }
  const parentText = cells.get('parent');
  const robots = {
    'robots.wecom': robotCell(cells, 'wecom', report),
    'robots.dingtalk': robotCell(cells, 'dingtalk', report),
    'robots.dingtalkSecret': robotCell(cells, 'dingtalkSecret', report),
  };
  const contacts: Record<string, string | undefined> = {};
  for (const [which, who] of [['principal', '主要负责人'], ['contact', '联系人']] as const) {
    contacts[`${which}.name`] = nameCell(cells, `${which}.name`, report);
    contacts[`${which}.post`] = nameCell(cells, `${which}.post`, report);
    contacts[`${which}.email`] = emailCell(cells, `${which}.email`, report);
    contacts[`${which}.mobile`] = mobileCell(cells, `${which}.mobile`, report);
    const reachable = [`${which}.post`, `${which}.email`, `${which}.mobile`].some((f) => cells.get(f));
    if (cells.has(`${which}.name`) && !cells.get(`${which}.name`) && reachable) {
      report(`${which}.name`, `填写了${who}的职务或联系方式，却没有${who}姓名`);
    }
  }
  // A row without a full name cannot be found or referred to: its problem is reported above.
  if (!name || id === null) return undefined;
  return {
    row,
    ...(id !== undefined ? { id } : {}),
    set: defined({
      name,
      shortNames,
      kind,
      parent: parentText === undefined ? undefined : parentText === '' ? null : { name: parentText },
      ...contacts,
      ...robots,
      ...retirementCells(cells, report, today),
    }),
  };
}

function personChange(row: number, cells: Cells, report: Report, today: string): PersonChange | undefined {
  const id = idOf(cells, report);
  const name = nameCell(cells, 'name', report, true);
  const post = nameCell(cells, 'post', report);
  const unitText = cells.get('unit');
  const email = emailCell(cells, 'email', report);
  const mobile = mobileCell(cells, 'mobile', report);
  const retirement = retirementCells(cells, report, today);
  if (!name || id === null) return undefined;
  return {
    row,
    ...(id !== undefined ? { id } : {}),
    set: defined({ name, post, unit: unitText === undefined ? undefined : unitText === '' ? null : { name: unitText }, email, mobile, ...retirement }),
  };
}

function postChange(row: number, cells: Cells, report: Report, today: string): PostChange | undefined {
  const id = idOf(cells, report);
  const roleText = cells.get('role') ?? '';
  const role = postOf(roleText);
  if (!role) report('role', roleText === '' ? '不能为空' : postProblem(roleText));
  const person = nameCell(cells, 'person', report, true);
  const personUnit = cells.get('personUnit');
  const units = cells.has('units') ? splitNames(cells.get('units')!).map((name) => ({ name })) : undefined;
  const retirement = retirementCells(cells, report, today);
  if (!person || !role || id === null) return undefined;
  return {
    row,
    ...(id !== undefined ? { id } : {}),
    set: defined({ role, person: { name: person, unit: personUnit ? { name: personUnit } : undefined }, units, ...retirement }),
  };
}

/** Problems as an office finds them: sheet, row and column header, in the order of the file. */
export function sheetProblems(problems: DirectoryProblem[]): SheetProblem[] {
  const columnIndex = (entry: DirectoryEntryKind, field: string) => {
    const i = DIRECTORY_SHEETS[entry].columns.findIndex((c) => c.field === field);
    return i < 0 ? -1 : i;
  };
  return [...problems]
    .sort((a, b) => ENTRIES.indexOf(a.entry) - ENTRIES.indexOf(b.entry) || a.row - b.row || columnIndex(a.entry, a.field) - columnIndex(b.entry, b.field))
    .map((p) => ({
      sheet: DIRECTORY_SHEETS[p.entry].name,
      row: p.row,
      column: DIRECTORY_SHEETS[p.entry].columns.find((c) => c.field === p.field)?.header ?? p.field,
      message: p.message,
    }));
}

/** 单位：新增 2，更新 1，未变 5；人员：… — what an import did. */
export function describeDirectoryChanges(summary: DirectoryChangeSummary): string {
  const part = (entry: DirectoryEntryKind, c: { created: number; updated: number; unchanged: number }) =>
    `${DIRECTORY_ENTRY_NAMES[entry]}：新增 ${c.created}，更新 ${c.updated}，未变 ${c.unchanged}`;
  return [part('unit', summary.units), part('person', summary.people), part('post', summary.posts)].join('；');
}

// ---------------------------------------------------------------------------------- template and export

/** The template: the instructions and the three sheets with their headers and drop-down lists, no rows. */
export async function directoryTemplate(): Promise<Buffer> {
  const book = newBook();
  addSheets(book, { unit: [], person: [], post: [] });
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The whole directory (readDirectory: retired entries included) in the template's sheets: edit and import again. */
export async function directoryWorkbook(directory: Directory): Promise<Buffer> {
  const status = (retiredOn: string | null) => [retiredOn ? STATUS_RETIRED : STATUS_ACTIVE, retiredOn ?? ''];
  const book = newBook();
  addSheets(book, {
    unit: directory.units.map((u) => [
      u.id,
      u.name,
      u.shortNames.join('、'),
      u.kindName,
      u.parentName,
      ...[u.principal, u.contact].flatMap((c) => [c.name, c.post, c.email, c.mobile]),
      // A secret written out leaves the console masked; imported as it is, it stays as it was.
      ...Object.values(maskedDirectoryRobots(u.robots)),
      ...status(u.retiredOn),
    ]),
    person: directory.people.map((p) => [p.id, p.name, p.post, p.unitName, p.email, p.mobile, ...status(p.retiredOn)]),
    post: directory.posts.map((p) => [p.id, p.roleName, p.personName, p.personUnitName, p.unitNames.join('、'), ...status(p.retiredOn)]),
  });
  keepAsText(book);
  return Buffer.from(await book.xlsx.writeBuffer());
}

function newBook(): ExcelJS.Workbook {
  const book = new ExcelJS.Workbook();
  book.creator = 'chuangwen';
  book.title = '通讯录';
  return book;
}

function addSheets(book: ExcelJS.Workbook, rows: Record<DirectoryEntryKind, (string | number)[][]>): void {
  addInstructions(book);
  for (const entry of ENTRIES) {
    const { name, columns } = DIRECTORY_SHEETS[entry];
    addColumnSheet(book, name, columns, rows[entry], {
      kind: DIRECTORY_UNIT_KINDS.map((k) => DIRECTORY_UNIT_KIND_NAMES[k]),
      role: DIRECTORY_POSTS.map((p) => DIRECTORY_POST_NAMES[p]),
      status: [STATUS_ACTIVE, STATUS_RETIRED],
    }, LIST_ROWS);
  }
}

function addInstructions(book: ExcelJS.Workbook): void {
  const sheet = book.addWorksheet(INSTRUCTIONS);
  sheet.columns = [{ width: 12 }, { width: 18 }, { width: 8 }, { width: 90 }];
  const title = sheet.addRow(['通讯录 填写说明']);
  title.font = { bold: true, size: 14 };
  const lines = [
    '1. 「单位」「人员」「领导职务」三个工作表各占一类条目：第 1 行为列名（请勿改动），从第 2 行起每行一条。可以只保留需要的工作表。',
    '2. 导入时先检查全部行：任何一处有误（缺少必填列、单位重复、上级单位不存在或上下级成环、邮箱或手机号码无效、类别或职务不在列表中等），整个文件都不导入，并列出每处错误所在的工作表、行号和列名。',
    '3. 再次导入即更新：填写了编号的行按编号更新（可借此修改单位全称）；未填编号时，单位按全称、人员按姓名和所在单位、领导职务按职务和姓名找到已有条目并更新，找不到则新增。',
    '4. 文件中没有的条目保持不变。条目不删除：不再使用的，将「状态」改为“停用”并填写停用日期；改回“在用”即恢复。',
    '5. 整列不存在时，已有条目的该项保持不变；列存在而单元格空白时，该项清空。',
    '6. 上级单位、所在单位、分管单位填写单位全称，或仅属于一个在用单位的简称；多个简称、多个分管单位以顿号（、）分隔。',
    '7. 手机号码为 11 位数字（可带 +86、空格或短横线）；可增加「备注」列，导入时不读取。',
    '8. 建议先导出（chuangwen directory export，或控制台「通讯录」页的“导出”），在导出的文件上修改后再导入。',
  ];
  for (const line of lines) sheet.addRow(['', line]).getCell(2).alignment = { wrapText: false };
  sheet.addRow([]);
  const head = sheet.addRow(['工作表', '列名', '必填', '说明']);
  head.font = { bold: true };
  for (const entry of ENTRIES) {
    for (const column of DIRECTORY_SHEETS[entry].columns as SheetColumn[]) {
      sheet.addRow([DIRECTORY_SHEETS[entry].name, column.header, column.required ? '是' : '', column.note]).getCell(4).alignment = { wrapText: true };
    }
  }
  sheet.addRow([]);
  const example = sheet.addRow(['示例', '单位：区综合执法分局｜简称 综合执法分局、执法分局｜部门｜主要负责人 王刚 局长 wanggang@example.gov.cn 13812345678']);
  example.font = { color: { argb: 'FF667085' } };
  sheet.addRow(['', '单位：北海街道｜街道｜上级单位 北海区；人员：李明｜区委副书记｜北海区；领导职务：分管领导｜李明｜北海区｜分管单位 区综合执法分局、北海街道']).font = {
    color: { argb: 'FF667085' },
  };
}
