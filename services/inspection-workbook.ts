// 问题清单 as Excel: the template an inspection team fills in, and the reading of a filled one into
// points, every cell checked. The points' units are found among the campaign's units (by id, full
// name, a short name of its 通讯录 entry, Traditional or suffix variants); nothing is written here.
import ExcelJS from 'exceljs';
import { IGNORED_HEADERS, splitNames, type SheetColumn } from '../domain/directory.js';
import {
  fixTermOf,
  MAX_POINT_TEXT,
  POINT_SHEET,
  SEVERITIES,
  SEVERITY_NAMES,
  severityOf,
  unitByRules,
  type FixTerm,
  type Severity,
  type UnitRule,
} from '../domain/inspections.js';
import { toSimplified } from '../plan/normalise.js';
import { unitMatchKey } from '../plan/units.js';
import { addColumnSheet, readSheetRows, type SheetProblem } from './spreadsheet.js';

export const MAX_POINT_LIST_BYTES = 30 * 1024 * 1024;
const MAX_POINTS = 20_000;
const INSTRUCTIONS = '填写说明';
/** 序号 is this sheet's key, not a note to skip; 状态 is what a list exported from here adds. */
const IGNORED = [...IGNORED_HEADERS.filter((h) => h !== '序号'), '状态'];

/** A point as the list gives it, before its deadline is computed and its photos are read. */
export interface PointDraft {
  row: number;
  number: number;
  location: string;
  description: string;
  category: string;
  unitId: string;
  severity: Severity;
  term: FixTerm;
  photos: string[];
  latitude: number | null;
  longitude: number | null;
}

/** A campaign unit as a problem list may name it. */
export interface NamedUnit {
  id: string;
  name: string;
  shortNames: string[];
}

/** Reads the list: its points, and every problem with its row and column (nothing is dropped silently). */
export async function readPointList(data: Buffer, units: NamedUnit[], rules?: readonly UnitRule[]): Promise<{ sheet: string; points: PointDraft[]; problems: SheetProblem[] }> {
  const fileProblem = (message: string) => ({ sheet: POINT_SHEET.name, points: [], problems: [{ sheet: '', row: 0, column: '', message }] });
  if (data.length > MAX_POINT_LIST_BYTES) return fileProblem(`问题清单文件过大（超过 ${MAX_POINT_LIST_BYTES / 1024 / 1024} MB）`);
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    return fileProblem('无法读取问题清单：不是有效的 Excel 工作簿（.xlsx）。旧版 .xls 或 WPS 格式请先另存为 .xlsx');
  }
  // The sheet named 问题清单, or else the first sheet that is not the instructions (Sheet1 of an office's own list).
  const sheet = book.worksheets.find((s) => s.name.trim() === POINT_SHEET.name) ?? book.worksheets.find((s) => s.name.trim() !== INSTRUCTIONS);
  if (!sheet) return fileProblem('问题清单中没有工作表');
  const problems: SheetProblem[] = [];
  const header = (field: string) => POINT_SHEET.columns.find((c: SheetColumn) => c.field === field)?.header ?? field;
  const report = (row: number, field: string, message: string) => problems.push({ sheet: sheet.name, row, column: header(field), message });
  const rows = readSheetRows(sheet, POINT_SHEET.columns, { ignored: IGNORED, maxRows: MAX_POINTS + 1, report });
  const points = pointsOfRows(rows, units, rules, report);
  problems.sort((a, b) => a.row - b.row || columnIndex(a.column) - columnIndex(b.column));
  if (rows.length === 0 && problems.length === 0) problems.push({ sheet: sheet.name, row: 0, column: '', message: '问题清单中没有任何问题点位' });
  return { sheet: sheet.name, points, problems };
}

/** The points of rows (a sheet's, or records sent as JSON): each checked, and no 序号 twice. */
export function pointsOfRows(
  rows: { row: number; cells: Map<string, string> }[],
  units: NamedUnit[],
  rules: readonly UnitRule[] | undefined,
  report: (row: number, field: string, message: string) => void,
): PointDraft[] {
  const findUnit = unitFinder(units);
  const firstRowOf = new Map<number, number>();
  const points: PointDraft[] = [];
  for (const { row, cells } of rows) {
    const point = pointOf(cells, findUnit, (field, message) => report(row, field, message), rules);
    // A repeated 序号 is named even on a row with other problems.
    const number = pointNumberOf(cells.get('number') ?? '');
    if (number === undefined) continue;
    if (firstRowOf.has(number)) report(row, 'number', `序号 ${number} 与第 ${firstRowOf.get(number)} 行重复`);
    else {
      firstRowOf.set(number, row);
      if (point) points.push({ ...point, row });
    }
  }
  return points;
}

/**
 * One point from its cells (field → text, the columns of POINT_SHEET): a row of the list or the
 * console's form. Every problem is reported by field; undefined when there is any.
 */
export function pointOf(
  cells: Map<string, string>,
  findUnit: UnitFinder,
  problem: (field: string, message: string) => void,
  rules?: readonly UnitRule[],
): Omit<PointDraft, 'row'> | undefined {
  const cell = (field: string) => cells.get(field) ?? '';
  let bad = false;
  const fail = (field: string, message: string) => {
    problem(field, message);
    bad = true;
  };

  const numberText = cell('number');
  const number = pointNumberOf(numberText) ?? 0;
  if (!numberText) fail('number', '未填序号');
  else if (!number) fail('number', `序号应为正整数：${numberText}`);

  const text = (field: string, what: string, required: boolean, max = MAX_POINT_TEXT) => {
    const value = cell(field);
    if (!value && required) fail(field, `未填${what}`);
    else if ([...value].length > max) fail(field, `${what}过长（${[...value].length} 字，最多 ${max} 字）`);
    return value;
  };
  const location = text('location', '点位', true, 200);
  const description = text('description', '问题描述', true);
  const category = text('category', '类别', false, 50);

  const unitText = cell('unit');
  let unitId = '';
  if (!unitText) {
    const ruled = unitByRules(rules, location, category);
    if (ruled) unitId = ruled;
    else fail('unit', rules?.length ? '未填责任单位，且点位不在创建活动的责任区域划分中' : '未填责任单位');
  } else {
    const found = findUnit(unitText);
    if ('id' in found) unitId = found.id;
    else fail('unit', found.problem);
  }

  const severityText = cell('severity');
  const termText = cell('term');
  let severity: Severity | undefined = severityText ? severityOf(severityText) : undefined;
  if (severityText && !severity) fail('severity', `未知的严重程度：${severityText}（应为 ${SEVERITIES.map((s) => SEVERITY_NAMES[s]).join('、')} 之一）`);
  let term: FixTerm | undefined = termText ? fixTermOf(termText) : undefined;
  if (termText && !term) fail('term', `无法识别的整改时限：${termText}（可写 立行立改、一般、复杂，工作日数如 3，或日期如 2027-03-01）`);
  if (term && 'severity' in term) {
    if (severity && severity !== term.severity) fail('term', `整改时限“${termText}”与严重程度“${severityText}”不一致`);
    severity ??= term.severity;
  }
  severity ??= 'general';
  term ??= { severity };

  const coordinate = (field: 'latitude' | 'longitude', limit: number) => {
    const value = cell(field);
    if (!value) return null;
    const n = Number(value);
    if (!Number.isFinite(n) || Math.abs(n) > limit) {
      fail(field, `${field === 'latitude' ? '纬度' : '经度'}无效：${value}`);
      return null;
    }
    return n;
  };
  const latitude = coordinate('latitude', 90);
  const longitude = coordinate('longitude', 180);
  if ((latitude === null) !== (longitude === null) && !bad) fail(latitude === null ? 'latitude' : 'longitude', '经度和纬度应同时填写');

  if (bad) return undefined;
  return { number, location, description, category, unitId, severity, term, photos: splitNames(cell('photos')), latitude, longitude };
}

/** A 序号 as a positive whole number, or undefined. */
function pointNumberOf(text: string): number | undefined {
  return /^\d{1,6}$/.test(text) && Number(text) > 0 ? Number(text) : undefined;
}

const columnIndex = (header: string) => POINT_SHEET.columns.findIndex((c) => c.header === header);

export type UnitFinder = (text: string) => { id: string } | { problem: string };

/** Finds a unit by id, full name or short name, however spelt (Traditional, 街道办事处, a bracketed qualifier). */
export function unitFinder(units: NamedUnit[]): UnitFinder {
  const keyOf = (name: string) => unitMatchKey(toSimplified(name.replace(/\s/g, '')));
  const byKey = new Map<string, Set<string>>();
  const add = (key: string, id: string) => {
    if (!key) return;
    if (!byKey.has(key)) byKey.set(key, new Set());
    byKey.get(key)!.add(id);
  };
  for (const u of units) {
    add(u.id, u.id);
    for (const name of [u.name, ...u.shortNames]) add(keyOf(name), u.id);
  }
  const nameOf = new Map(units.map((u) => [u.id, u.name]));
  return (text) => {
    const ids = byKey.get(text.trim()) ?? byKey.get(keyOf(text));
    if (ids?.size === 1) return { id: [...ids][0] };
    if (ids && ids.size > 1) return { problem: `责任单位“${text}”可指多个单位（${[...ids].map((id) => nameOf.get(id)).join('、')}），请写全称` };
    return { problem: `责任单位“${text}”不是本创建活动的单位（请写单位全称、简称或编号；新单位请先加入创建活动）` };
  };
}

/** The template: the instructions and an empty 问题清单 with its headers and drop-down lists. */
export async function pointListTemplate(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'chuangwen';
  book.title = '问题清单';
  const instructions = book.addWorksheet(INSTRUCTIONS);
  instructions.columns = [{ width: 14 }, { width: 10 }, { width: 90 }];
  instructions.addRow(['问题清单 填写说明']).font = { bold: true, size: 14 };
  const lines = [
    '1. 「问题清单」表每行一个问题点位，第 1 行为列名（请勿改动）。照片放在一个 .zip 照片包中，与清单一同导入，「照片文件名」列填写包中的文件名。',
    '2. 导入时先检查全部行和全部照片：任何一处有误（缺少必填列、序号重复、责任单位不在创建活动中、照片不在照片包中或不是图片等），整个清单都不导入，并列出每处错误所在的行号和列名。',
    `3. 整改时限：立行立改（当日）、一般、复杂按创建活动的设置计算工作日（默认 一般 3 个、复杂 15 个工作日），自交办之日起算；也可直接写工作日数或日期。`,
    '4. 责任单位填写创建活动中的单位全称、简称或编号。可增加「备注」列，导入时不读取。',
  ];
  for (const line of lines) instructions.addRow(['', line]);
  instructions.addRow([]);
  instructions.addRow(['列名', '必填', '说明']).font = { bold: true };
  for (const c of POINT_SHEET.columns) instructions.addRow([c.header, c.required ? '是' : '', c.note]);
  // Categories differ between 测评体系: a list to choose from would refuse a plan's own.
  addColumnSheet(book, POINT_SHEET.name, POINT_SHEET.columns, [], { severity: SEVERITIES.map((s) => SEVERITY_NAMES[s]) });
  return Buffer.from(await book.xlsx.writeBuffer());
}
