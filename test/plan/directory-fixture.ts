// A 通讯录 for the seed-like plan test/plan/fixtures/beihai-directory.txt (Traditional, like the
// 北海 seed plan), as the workbook an office imports: what it spells otherwise, what it lacks, what
// is retired. Shared by the import test against PostgreSQL and the CLI test.
import path from 'node:path';
import ExcelJS from 'exceljs';
import { repoRoot } from './support.js';

export const SEED_PLAN = path.join(repoRoot, 'test/plan/fixtures/beihai-directory.txt');

const UNITS = [
  ['全称', '简称', '类别', '主要负责人', '主要负责人职务', '主要负责人邮箱', '联系人', '联系人职务', '联系人邮箱', '状态', '停用日期'],
  // 区公用事业局 in the plan: a bracketed suffix.
  ['区公用事业局（分局）', '', '部门', '郭勇', '局长', 'guoyong@beihai.gov.cn', '马丽', '办公室主任', 'mali@beihai.gov.cn', '', ''],
  // 党政综合办公室 / 党政综合办 in the plan: Traditional here.
  ['黨政綜合辦公室', '', '部门', '周正', '主任', 'zhouzheng@beihai.gov.cn', '何平', '', 'heping@beihai.gov.cn', '', ''],
  // Exact; its 联系人 has no address.
  ['区综合执法分局', '执法分局', '部门', '王刚', '局长', 'wanggang@beihai.gov.cn', '郑丽', '', '', '', ''],
  // A short name.
  ['北海经济开发区北海服务中心', '北海服务中心、区北海服务中心', '其他', '赵明', '主任', 'zhaoming@beihai.gov.cn', '钱进', '', 'qianjin@beihai.gov.cn', '', ''],
  // 区市场监管局 in the plan: only near (an abbreviation), never filled in.
  ['区市场监督管理局', '', '部门', '孙海', '局长', 'sunhai@beihai.gov.cn', '李娜', '', 'lina@beihai.gov.cn', '', ''],
  // 区城管局: retired.
  ['区城管局', '', '部门', '冯涛', '局长', 'fengtao@beihai.gov.cn', '陈晨', '', 'chenchen@beihai.gov.cn', '停用', '2020-12-31'],
  // The office, by the short name the plan uses.
  ['北海经济开发区创建办公室', '区创建办', '部门', '', '', '', '林芳', '', 'chuangjianban@beihai.gov.cn', '', ''],
];
const PEOPLE = [
  ['姓名', '职务', '电子邮箱'],
  ['劉洪', '区党工委书记', 'liuhong@beihai.gov.cn'],
  ['孙立', '管委会副主任', 'sunli@beihai.gov.cn'],
];
const POSTS = [
  ['领导职务', '姓名'],
  ['组长', '劉洪'],
  ['副组长', '孙立'],
];

/** The 通讯录 as an .xlsx workbook (the sheets of `chuangwen directory template`). */
export async function seedDirectoryWorkbook(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries({ 单位: UNITS, 人员: PEOPLE, 领导职务: POSTS })) {
    const sheet = book.addWorksheet(name);
    for (const row of rows) sheet.addRow(row);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}
