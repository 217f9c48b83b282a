// 通讯录 as Excel: a good workbook imported, exported and imported again unchanged; bad workbooks
// refused whole, every problem named by sheet, row and column, and nothing written.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { civilDateOf, findCycles, normaliseEmail, normaliseMobile } from '../../domain/directory.js';
import { readDirectory } from '../../services/directory.js';
import {
  DirectoryImportError,
  directoryTemplate,
  directoryWorkbook,
  importDirectoryWorkbook,
} from '../../services/directory-workbook.js';
import { cellText, formatSheetProblem } from '../../services/spreadsheet.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const TODAY = '2027-03-15';
const UNIT_HEADER = ['全称', '简称', '类别', '上级单位', '主要负责人', '主要负责人职务', '主要负责人邮箱', '主要负责人手机', '联系人', '联系人邮箱', '联系人手机'];

/** A workbook of sheets given as rows (the first row is the header). */
async function workbook(sheets: Record<string, (string | number | ExcelJS.CellValue)[][]>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = book.addWorksheet(name);
    for (const row of rows) sheet.addRow(row);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** Everything the directory holds, timestamps included: equal before and after means nothing was written. */
async function snapshot() {
  const q = async (table: string) => (await database.db.query(`SELECT * FROM ${table} ORDER BY id`)).rows;
  return { units: await q('directory_units'), people: await q('directory_people'), posts: await q('directory_posts') };
}

/** Imports and expects a refusal; returns its lines as an office reads them. */
async function refused(data: Buffer): Promise<string[]> {
  const error = await importDirectoryWorkbook(database.db, data, TODAY).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DirectoryImportError);
  return (error as DirectoryImportError).problems.map(formatSheetProblem);
}

const GOOD = {
  单位: [
    UNIT_HEADER,
    // A street before the district it belongs to: parents may come later in the sheet.
    ['北海街道办事处', '北海街道', '街道', '北海区', '赵街', '主任', 'zhao@beihai.gov.cn', '13900000001', '钱联', 'qian@beihai.gov.cn', '139 0000 0002'],
    ['北海区', '', '部门', '', '', '', '', '', '', '', ''],
    ['区综合执法分局', '综合执法分局、执法分局', '部门', '北海区', '王刚', '局长', 'wanggang@example.gov.cn', '+86 138-1234-5678', '郑丽', 'zhengli@example.gov.cn', '13812345679'],
    ['海滨社区', '', '社区', '北海街道', '', '', '', '', '孙社', 'sun@example.org', ''],
  ],
  人员: [
    ['姓名', '职务', '所在单位', '电子邮箱', '手机'],
    ['李明', '区委副书记', '北海区', 'liming@beihai.gov.cn', '13700000001'],
    ['周强', '副区长', '北海区', 'zhouqiang@beihai.gov.cn', ''],
  ],
  领导职务: [
    ['领导职务', '姓名', '所在单位', '分管单位'],
    ['组长', '李明', '北海区', ''],
    ['分管领导', '周强', '北海区', '执法分局、北海街道办事处'],
  ],
};

describe('directory import', () => {
  it('imports units (parents in any order), people and posts; an export imports again unchanged', async () => {
    const summary = await importDirectoryWorkbook(database.db, await workbook(GOOD), TODAY);
    expect(summary.units).toEqual({ created: 4, updated: 0, unchanged: 0 });
    expect(summary.people).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(summary.posts).toEqual({ created: 2, updated: 0, unchanged: 0 });

    const dir = await readDirectory(database.db);
    expect(dir.units.map((u) => [u.depth, u.name, u.parentName])).toEqual([
      [0, '北海区', ''],
      [1, '北海街道办事处', '北海区'],
      [2, '海滨社区', '北海街道办事处'],
      [1, '区综合执法分局', '北海区'],
    ]);
    const enforcement = dir.units.find((u) => u.name === '区综合执法分局')!;
    expect(enforcement).toMatchObject({
      shortNames: ['综合执法分局', '执法分局'],
      kind: 'department',
      principal: { name: '王刚', post: '局长', email: 'wanggang@example.gov.cn', mobile: '13812345678' },
      contact: { name: '郑丽', post: '', email: 'zhengli@example.gov.cn', mobile: '13812345679' },
      retiredOn: null,
    });
    expect(dir.units.find((u) => u.name === '北海街道办事处')!.contact.mobile).toBe('13900000002');
    const post = dir.posts.find((p) => p.roleName === '分管领导')!;
    expect(post).toMatchObject({ personName: '周强', personUnitName: '北海区', unitNames: ['区综合执法分局', '北海街道办事处'] });

    // The export has the template's sheets, every entry with its 编号, and imports again as it is.
    const exported = await directoryWorkbook(dir);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(exported as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(['填写说明', '单位', '人员', '领导职务']);
    const units = book.getWorksheet('单位')!;
    expect(units.getRow(1).values).toEqual([
      undefined,
      '编号',
      ...UNIT_HEADER.slice(0, 9),
      '联系人职务',
      '联系人邮箱',
      '联系人手机',
      '企业微信机器人',
      '钉钉机器人',
      '钉钉加签密钥',
      '状态',
      '停用日期',
    ]);
    expect(cellText(units.getRow(5).getCell(2))).toBe('区综合执法分局');
    expect(cellText(units.getRow(5).getCell(9))).toBe('13812345678');
    const again = await importDirectoryWorkbook(database.db, exported, TODAY);
    expect(again.units).toEqual({ created: 0, updated: 0, unchanged: 4 });
    expect(again.people).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(again.posts).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(await readDirectory(database.db)).toEqual(dir);
  });

  it('updates by full name without 编号, by 编号 even across a rename, and retires without deleting', async () => {
    const before = await readDirectory(database.db);
    const enforcement = before.units.find((u) => u.name === '区综合执法分局')!;
    const summary = await importDirectoryWorkbook(
      database.db,
      await workbook({
        单位: [
          ['编号', '全称', '类别', '联系人', '联系人手机', '状态', '停用日期'],
          [enforcement.id, '区综合行政执法局', '部门', '吴涛', '13600000000', '', ''],
          ['', '海滨社区', '社区', '孙社', '', '停用', '2027-03-01'],
        ],
      }),
      TODAY,
    );
    expect(summary.units).toEqual({ created: 0, updated: 2, unchanged: 0 });
    const after = await readDirectory(database.db);
    const renamed = after.units.find((u) => u.id === enforcement.id)!;
    // Columns left out of the sheet (简称, 上级单位, 主要负责人 …) keep what they held.
    expect(renamed).toMatchObject({ name: '区综合行政执法局', shortNames: ['综合执法分局', '执法分局'], parentName: '北海区', principal: enforcement.principal });
    expect(renamed.contact).toEqual({ name: '吴涛', post: '', email: 'zhengli@example.gov.cn', mobile: '13600000000' });
    expect(after.units.find((u) => u.name === '海滨社区')!.retiredOn).toBe('2027-03-01');
    expect(after.units).toHaveLength(4);
    expect(after.posts.find((p) => p.roleName === '分管领导')!.unitNames).toEqual(['区综合行政执法局', '北海街道办事处']);
  });

  it('refuses a sheet without a required column, naming sheet, row and column; nothing written', async () => {
    const before = await snapshot();
    const problems = await refused(
      await workbook({
        单位: [
          ['全称', '简称', '上级单位'],
          ['区文明办', '文明办', '北海区'],
        ],
        人员: [
          ['职务', '所在单位'],
          ['主任', '区文明办'],
        ],
      }),
    );
    expect(problems).toEqual(['「单位」表第 1 行「类别」列：缺少「类别」列（第 1 行为列名）', '「人员」表第 1 行「姓名」列：缺少「姓名」列（第 1 行为列名）']);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a unit twice in the file and a full name another unit has, and every bad row of a file at once; nothing written', async () => {
    const before = await snapshot();
    const problems = await refused(
      await workbook({
        单位: [
          ['全称', '类别', '上级单位', '联系人', '联系人邮箱', '联系人手机'],
          ['区文明办', '部门', '北海区', '陈文', 'chenwen@example.gov.cn', '13500000000'],
          ['区文明办', '部门', '', '', '', ''],
          ['区卫健局', '局', '北海区', '', '', ''],
          ['区住建局', '部门', '北海区', '刘建', 'liujian@example', '1350000'],
          ['', '部门', '北海区', '', '', ''],
        ],
      }),
    );
    expect(problems).toEqual([
      '「单位」表第 3 行「全称」列：重复的单位：与第 2 行是同一单位「区文明办」',
      '「单位」表第 4 行「类别」列：未知类别：局（应为 部门、街道、社区、企业、其他 之一）',
      '「单位」表第 5 行「联系人邮箱」列：邮箱地址无效：liujian@example',
      '「单位」表第 5 行「联系人手机」列：手机号码无效：1350000（应为 11 位数字，以 1 开头，如 13812345678）',
      '「单位」表第 6 行「全称」列：不能为空',
    ]);
    expect(await snapshot()).toEqual(before);

    // A new row (no 编号) with the name an existing unit took by rename is that unit: an update, not a duplicate;
    // a row with another unit's 编号 renamed to a name in use is a duplicate.
    const dir = await readDirectory(database.db);
    const street = dir.units.find((u) => u.name === '北海街道办事处')!;
    const clash = await refused(
      await workbook({
        单位: [
          ['编号', '全称', '类别'],
          [street.id, '北海区', '街道'],
        ],
      }),
    );
    expect(clash).toEqual([`「单位」表第 2 行「全称」列：重复的单位：全称「北海区」与通讯录中已有单位（编号 ${dir.units.find((u) => u.name === '北海区')!.id}）相同`]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an unknown parent unit, an unknown person and unknown units in charge; nothing written', async () => {
    const before = await snapshot();
    const problems = await refused(
      await workbook({
        单位: [
          ['全称', '类别', '上级单位'],
          ['区城管局', '部门', '北海县'],
          ['区环保局', '部门', '北海区'],
        ],
        人员: [
          ['姓名', '职务', '所在单位', '电子邮箱'],
          ['高峰', '局长', '区城管局', 'gaofeng＠example.gov.cn'],
          ['韩梅', '科员', '区财政局', ''],
        ],
        领导职务: [
          ['领导职务', '姓名', '所在单位', '分管单位'],
          ['常务副组长', '王建国', '北海区', ''],
          ['分管领导', '高峰', '区城管局', '区城管局、区发改局'],
          ['顾问', '李明', '北海区', ''],
        ],
      }),
    );
    expect(problems).toEqual([
      '「单位」表第 2 行「上级单位」列：找不到上级单位「北海县」：通讯录中没有，本次填写的单位中也没有',
      '「人员」表第 3 行「所在单位」列：找不到所在单位「区财政局」：通讯录中没有，本次填写的单位中也没有',
      '「领导职务」表第 2 行「姓名」列：找不到任职人员「王建国」（所在单位「北海区」）：通讯录中没有，本次填写的人员中也没有',
      '「领导职务」表第 3 行「分管单位」列：找不到分管单位「区发改局」：通讯录中没有，本次填写的单位中也没有',
      '「领导职务」表第 4 行「领导职务」列：未知领导职务：顾问（应为 组长、常务副组长、副组长、分管领导 之一）',
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses parents that make a cycle, within the file and through units already kept; nothing written', async () => {
    const before = await snapshot();
    const inFile = await refused(
      await workbook({
        单位: [
          ['全称', '类别', '上级单位'],
          ['甲单位', '部门', '乙单位'],
          ['乙单位', '部门', '丙单位'],
          ['丙单位', '部门', '甲单位'],
          ['丁单位', '部门', '丁单位'],
        ],
      }),
    );
    expect(inFile).toEqual([
      '「单位」表第 2 行「上级单位」列：上级关系成环：甲单位 → 乙单位 → 丙单位 → 甲单位',
      '「单位」表第 3 行「上级单位」列：上级关系成环：乙单位 → 丙单位 → 甲单位 → 乙单位',
      '「单位」表第 4 行「上级单位」列：上级关系成环：丙单位 → 甲单位 → 乙单位 → 丙单位',
      '「单位」表第 5 行「上级单位」列：上级单位不能是本单位「丁单位」',
    ]);
    // 北海区 is kept at the top; putting it under its own street closes a cycle with rows already kept.
    const through = await refused(
      await workbook({
        单位: [
          ['全称', '类别', '上级单位'],
          ['北海区', '部门', '北海街道'],
        ],
      }),
    );
    expect(through).toEqual(['「单位」表第 2 行「上级单位」列：上级关系成环：北海区 → 北海街道办事处 → 北海区']);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an unknown 编号, a person twice, a bad mobile, an unknown column and a bad date; nothing written', async () => {
    const before = await snapshot();
    const problems = await refused(
      await workbook({
        单位: [
          ['编号', '全称', '类别', '联系电话'],
          [999999, '区统计局', '部门', '0417-1234567'],
        ],
        人员: [
          ['姓名', '所在单位', '手机', '状态', '停用日期', '备注'],
          ['孔明', '北海区', '1380000000x', '', '', '新调入'],
          ['孔明', '北海区', '', '停用', '三月一日', ''],
        ],
      }),
    );
    expect(problems).toEqual([
      '「单位」表第 1 行「联系电话」列：未知的列「联系电话」：请使用模板中的列名（自用的说明可放在「备注」列，导入时不读取）',
      '「单位」表第 2 行「编号」列：没有编号为 999999 的单位（新增单位请不填编号）',
      '「人员」表第 2 行「手机」列：手机号码无效：1380000000x（应为 11 位数字，以 1 开头，如 13812345678）',
      '「人员」表第 3 行「姓名」列：重复的人员：与第 2 行是同一人「孔明」',
      '「人员」表第 3 行「停用日期」列：日期无效：三月一日（应为 YYYY-MM-DD，如 2027-03-01）',
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses what is not a workbook, and a workbook without the directory sheets', async () => {
    const before = await snapshot();
    expect(await refused(Buffer.from('姓名,电话\n张三,138\n'))).toEqual([
      '无法读取文件：不是有效的 Excel 工作簿（.xlsx）。旧版 .xls 或 WPS 格式请先另存为 .xlsx',
    ]);
    expect((await refused(await workbook({ Sheet1: [['全称'], ['区文明办']] })))[0]).toContain('文件中没有「单位」「人员」「领导职务」工作表');
    expect(await snapshot()).toEqual(before);
  });

  it('hands out a template with the instructions, the three sheets and their lists, which imports as nothing', async () => {
    const template = await directoryTemplate();
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(template as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(['填写说明', '单位', '人员', '领导职务']);
    expect(book.getWorksheet('领导职务')!.getRow(1).values).toEqual([undefined, '编号', '领导职务', '姓名', '所在单位', '分管单位', '状态', '停用日期']);
    expect(book.getWorksheet('单位')!.getCell('D2').dataValidation).toMatchObject({ type: 'list', formulae: ['"部门,街道,社区,企业,其他"'] });
    const summary = await importDirectoryWorkbook(database.db, template, TODAY);
    expect([summary.units.created, summary.people.created, summary.posts.created]).toEqual([0, 0, 0]);
  });
});

describe('directory fields', () => {
  it('keeps mobiles as 11 digits, addresses and dates as typed on a Chinese keyboard, and finds every cycle once', () => {
    expect(normaliseMobile('+86 138-1234-5678')).toEqual({ value: '13812345678' });
    expect(normaliseMobile('１３８１２３４５６７８')).toEqual({ value: '13812345678' });
    expect(normaliseMobile('0417-1234567')).toHaveProperty('problem');
    expect(normaliseEmail(' wang＠example．gov．cn ')).toEqual({ value: 'wang@example.gov.cn' });
    expect(normaliseEmail('wang@')).toHaveProperty('problem');
    expect(['2027-3-1', '2027/03/01', '2027.3.1', '2027年3月1日'].map(civilDateOf)).toEqual(Array(4).fill('2027-03-01'));
    expect(civilDateOf('2027-02-30')).toBeUndefined();
    const parents = new Map<string, string | null>([
      ['a', 'b'],
      ['b', 'a'],
      ['c', 'a'],
      ['d', null],
      ['e', 'f'],
      ['f', 'g'],
      ['g', 'e'],
    ]);
    expect(findCycles(parents)).toEqual([
      ['a', 'b'],
      ['e', 'f', 'g'],
    ]);
  });
});
