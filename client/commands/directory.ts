// chuangwen directory: the office's 通讯录 (units, people, leadership posts) kept across campaigns,
// exchanged as an Excel workbook.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { migrate } from '../../db/migrate.js';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { readDirectory } from '../../services/directory.js';
import {
  describeDirectoryChanges,
  DirectoryImportError,
  directoryTemplate,
  directoryWorkbook,
  importDirectoryWorkbook,
  MAX_DIRECTORY_FILE_BYTES,
} from '../../services/directory-workbook.js';
import { withDatabase } from '../connect.js';
import { BadInputError } from '../exit-codes.js';
import { writeWorkbook } from '../files.js';
import { printTable } from '../table.js';

const state = (retiredOn: string | null) => (retiredOn ? `停用（${retiredOn}）` : '在用');
const person = (c: { name: string; post: string; mobile: string }) => [c.name, c.post, c.mobile].filter(Boolean).join(' ');

export function registerDirectoryCommands(program: Command): void {
  const directory = program
    .command('directory')
    .description('通讯录：单位、人员与领导职务，跨创建活动保存，以 Excel 导入导出（见 docs/directory.md）');

  directory
    .command('template')
    .argument('<file>', '写入的 .xlsx 文件')
    .option('-f, --force', '文件已存在时覆盖')
    .description('生成通讯录导入模板（单位、人员、领导职务三个工作表和填写说明）')
    .action(async (file: string, o: { force?: boolean }) => {
      await writeWorkbook(file, await directoryTemplate(), o.force);
      console.log(`已生成通讯录模板：${file}`);
    });

  directory
    .command('export')
    .argument('<file>', '写入的 .xlsx 文件')
    .option('-f, --force', '文件已存在时覆盖')
    .description('导出整个通讯录（含已停用的条目），格式同模板：修改后可再导入')
    .action(async (file: string, o: { force?: boolean }) => {
      await withDatabase(async (db) => {
        await migrate(db);
        const dir = await readDirectory(db);
        await writeWorkbook(file, await directoryWorkbook(dir), o.force);
        const { units, people, posts } = dir;
        console.log(`已导出通讯录到 ${file}：单位 ${units.length} 个，人员 ${people.length} 人，领导职务 ${posts.length} 项`);
      });
    });

  directory
    .command('import')
    .argument('<file>', '按模板填写的 .xlsx 文件')
    .description('导入通讯录：先检查全部行，有任何错误则不导入并列出每处错误（工作表、行号、列名）；已有条目按编号或名称更新')
    .action(async (file: string) => {
      let data: Buffer;
      try {
        data = await readFile(file);
      } catch (error) {
        throw new BadInputError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      if (data.length > MAX_DIRECTORY_FILE_BYTES) throw new BadInputError(`${file} 过大（超过 ${MAX_DIRECTORY_FILE_BYTES / 1024 / 1024} MB），不是通讯录`);
      const today = DateTime.now().setZone(DEFAULT_TIME_ZONE).toISODate()!;
      await withDatabase(async (db) => {
        await migrate(db);
        try {
          const summary = await importDirectoryWorkbook(db, data, today);
          console.log(`已导入通讯录 ${file}。${describeDirectoryChanges(summary)}`);
        } catch (error) {
          if (error instanceof DirectoryImportError) throw new BadInputError(`${file}：${error.message}`);
          throw error;
        }
      });
    });

  directory
    .command('list')
    .option('--json', '输出 JSON：{ units, people, posts }')
    .description('列出通讯录（含已停用的条目）')
    .action(async (o: { json?: boolean }) => {
      await withDatabase(async (db) => {
        await migrate(db);
        const dir = await readDirectory(db);
        if (o.json) {
          console.log(JSON.stringify(dir, null, 2));
          return;
        }
        console.log(`单位（${dir.units.length} 个）`);
        printTable(
          ['编号', '全称', '简称', '类别', '上级单位', '主要负责人', '联系人', '状态'],
          dir.units.map((u) => [
            String(u.id),
            `${'  '.repeat(u.depth)}${u.name}`,
            u.shortNames.join('、'),
            u.kindName,
            u.parentName,
            person(u.principal),
            person(u.contact),
            state(u.retiredOn),
          ]),
        );
        console.log(`\n人员（${dir.people.length} 人）`);
        printTable(
          ['编号', '姓名', '职务', '所在单位', '电子邮箱', '手机', '状态'],
          dir.people.map((p) => [String(p.id), p.name, p.post, p.unitName, p.email, p.mobile, state(p.retiredOn)]),
        );
        console.log(`\n领导职务（${dir.posts.length} 项）`);
        printTable(
          ['编号', '领导职务', '姓名', '所在单位', '分管单位', '状态'],
          dir.posts.map((p) => [String(p.id), p.roleName, p.personName, p.personUnitName, p.unitNames.join('、'), state(p.retiredOn)]),
        );
      });
    });
}
