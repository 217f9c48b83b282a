// `chuangwen directory template|import|export|list`, run as the real command (a process, its exit
// code and what it prints) against a test database: no Temporal needed, the directory is the record's.
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const run = promisify(execFile);
const CLI = path.resolve('client/cli.ts');

let database: TestDatabase;
let dir: string;
beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-directory-'));
});
afterAll(async () => {
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function chuangwen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
      // No Temporal: a command that tried to reach it would fail here, not find a running one.
      env: { ...process.env, DATABASE_URL: database.url, TEMPORAL_ADDRESS: '127.0.0.1:1', CHUANGWEN_DATA_DIR: dir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function xlsx(name: string, sheets: Record<string, (string | number)[][]>): Promise<string> {
  const book = new ExcelJS.Workbook();
  for (const [sheetName, rows] of Object.entries(sheets)) {
    const sheet = book.addWorksheet(sheetName);
    for (const row of rows) sheet.addRow(row);
  }
  const file = path.join(dir, name);
  await writeFile(file, Buffer.from(await book.xlsx.writeBuffer()));
  return file;
}

const count = async (table: string) => (await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

describe('chuangwen directory', () => {
  it('writes the template, and will not overwrite a file without --force', async () => {
    const file = path.join(dir, '模板.xlsx');
    const made = await chuangwen('directory', 'template', file);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain(`已生成通讯录模板：${file}`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    expect(book.worksheets.map((s) => s.name)).toEqual(['填写说明', '单位', '人员', '领导职务']);

    const again = await chuangwen('directory', 'template', file);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('已存在；用 --force 覆盖');
    expect((await chuangwen('directory', 'template', file, '--force')).code).toBe(0);
  });

  it('imports a workbook, lists it (also as JSON), exports it, and the export imports again unchanged', async () => {
    const file = await xlsx('通讯录.xlsx', {
      单位: [
        ['全称', '简称', '类别', '上级单位', '联系人', '联系人邮箱', '联系人手机'],
        ['区公用事业局', '公用事业局', '部门', '', '郭勇', 'gy@example.gov.cn', '13800000001'],
        ['城区供水所', '', '其他', '公用事业局', '', '', ''],
      ],
      人员: [
        ['姓名', '职务', '所在单位', '电子邮箱'],
        ['王建国', '区长', '', 'wangjianguo@example.gov.cn'],
      ],
      领导职务: [
        ['领导职务', '姓名', '分管单位'],
        ['组长', '王建国', ''],
      ],
    });
    const imported = await chuangwen('directory', 'import', file);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('已导入通讯录');
    expect(imported.stdout).toContain('单位：新增 2，更新 0，未变 0；人员：新增 1，更新 0，未变 0；领导职务：新增 1，更新 0，未变 0');

    const list = await chuangwen('directory', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('单位（2 个）');
    expect(list.stdout).toMatch(/区公用事业局\s+公用事业局\s+部门/);
    expect(list.stdout).toMatch(/ {2}城区供水所\s+其他\s+区公用事业局/);
    expect(list.stdout).toMatch(/组长\s+王建国/);

    const json = await chuangwen('directory', 'list', '--json');
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { units: { name: string; contact: { mobile: string } }[]; people: unknown[]; posts: { roleName: string }[] };
    expect(parsed.units.map((u) => u.name)).toEqual(['区公用事业局', '城区供水所']);
    expect(parsed.units[0].contact.mobile).toBe('13800000001');
    expect(parsed.posts.map((p) => p.roleName)).toEqual(['组长']);

    const out = path.join(dir, '导出.xlsx');
    const exported = await chuangwen('directory', 'export', out);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`已导出通讯录到 ${out}：单位 2 个，人员 1 人，领导职务 1 项`);
    const again = await chuangwen('directory', 'import', out);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('单位：新增 0，更新 0，未变 2；人员：新增 0，更新 0，未变 1；领导职务：新增 0，更新 0，未变 1');
  });

  it('refuses a bad workbook with exit 2, naming every bad cell, and writes nothing', async () => {
    const before = [await count('directory_units'), await count('directory_people'), await count('directory_posts')];
    const file = await xlsx('有错.xlsx', {
      单位: [
        ['全称', '类别', '上级单位', '主要负责人', '主要负责人邮箱'],
        ['区卫健局', '部门', '', '张卫', 'zhangwei@example.gov.cn'],
        ['区卫健局', '部门', '', '', ''],
        ['社区卫生服务中心', '其他', '区卫生局', '', ''],
        ['区教育局', '部门', '', '李教', 'li jiao@example.gov.cn'],
      ],
    });
    const refused = await chuangwen('directory', 'import', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`输入有误：${file}：通讯录文件有 3 处错误，未导入任何内容：`);
    expect(refused.stderr).toContain('「单位」表第 3 行「全称」列：重复的单位：与第 2 行是同一单位「区卫健局」');
    expect(refused.stderr).toContain('「单位」表第 4 行「上级单位」列：找不到上级单位「区卫生局」');
    expect(refused.stderr).toContain('「单位」表第 5 行「主要负责人邮箱」列：邮箱地址无效：li jiao@example.gov.cn');
    expect([await count('directory_units'), await count('directory_people'), await count('directory_posts')]).toEqual(before);
  });

  it('answers a missing file, a wrong file name and a stray argument with exit 2', async () => {
    const missing = await chuangwen('directory', 'import', path.join(dir, 'nowhere.xlsx'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('无法读取文件');
    const notXlsx = await chuangwen('directory', 'export', path.join(dir, 'out.csv'));
    expect(notXlsx.code).toBe(2);
    expect(notXlsx.stderr).toContain('文件名应以 .xlsx 结尾');
    await expect(access(path.join(dir, 'out.csv'))).rejects.toThrow();
    const stray = await chuangwen('directory', 'list', 'extra');
    expect(stray.code).toBe(2);
  });
});
