// chuangwen inspection: problem points found by inspections (测评, 抽查, 巡查, 暗访, 群众反映), imported
// from the team's problem list (.xlsx) and its photos (.zip).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { listInspections, listPoints } from '../../db/inspections.js';
import { migrate } from '../../db/migrate.js';
import { isCivilDate } from '../../domain/calendar.js';
import { INSPECTION_KIND_NAMES, INSPECTION_KINDS, inspectionKindOf, inspectionKindProblem, SEVERITY_NAMES } from '../../domain/inspections.js';
import { MAX_POINT_LIST_BYTES, pointListTemplate } from '../../services/inspection-workbook.js';
import { importInspection, InspectionImportError } from '../../services/inspections.js';
import { withDatabase, withTemporal } from '../connect.js';
import { dispatchInspection } from '../inspections.js';
import { BadInputError } from '../exit-codes.js';
import { writeWorkbook } from '../files.js';
import { printTable } from '../table.js';

const KINDS = INSPECTION_KINDS.map((k) => INSPECTION_KIND_NAMES[k]).join('、');

async function readInput(file: string, max: number, what: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new BadInputError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (size > max) throw new BadInputError(`${file} 过大（超过 ${max / 1024 / 1024} MB），不是${what}`);
  return readFile(file);
}

export function registerInspectionCommands(program: Command): void {
  const inspection = program
    .command('inspection')
    .description(`检查发现的问题点位（${KINDS}）：问题清单与照片包导入（见 docs/inspections.md）`);

  inspection
    .command('template')
    .argument('<file>', '写入的 .xlsx 文件')
    .option('-f, --force', '文件已存在时覆盖')
    .description('生成问题清单模板（问题清单工作表和填写说明）')
    .action(async (file: string, o: { force?: boolean }) => {
      await writeWorkbook(file, await pointListTemplate(), o.force);
      console.log(`已生成问题清单模板：${file}`);
    });

  inspection
    .command('import')
    .argument('<campaign>', '创建活动编号')
    .argument('<list>', '问题清单 .xlsx')
    .requiredOption('--kind <kind>', `检查类别：${KINDS}`)
    .requiredOption('--date <date>', '检查日期 YYYY-MM-DD')
    .option('--photos <zip>', '照片包 .zip（清单「照片文件名」列所写的文件）')
    .option('--title <title>', '检查名称，如 “11月实地测评”；默认为日期和类别')
    .option('--inspectors <names>', '检查人员')
    .description('导入一次检查的问题点位：先检查全部行和全部照片，有任何错误则不导入并列出每处错误（行号、列名）')
    .action(async (campaignId: string, list: string, o: { kind: string; date: string; photos?: string; title?: string; inspectors?: string }) => {
      const kind = inspectionKindOf(o.kind);
      if (!kind) throw new BadInputError(inspectionKindProblem(o.kind));
      if (!isCivilDate(o.date)) throw new BadInputError(`--date 应为 YYYY-MM-DD：${o.date}`);
      const data = await readInput(list, MAX_POINT_LIST_BYTES, '问题清单');
      if (o.photos) await stat(o.photos).catch(() => { throw new BadInputError(`无法读取照片包 ${o.photos}`); });
      await withDatabase(async (db) => {
        await migrate(db);
        try {
          const result = await importInspection(db, {
            campaignId,
            kind,
            heldOn: o.date,
            title: o.title,
            inspectors: o.inspectors,
            createdBy: 'cli',
            now: new Date(),
            list: { data, fileName: path.basename(list) },
            ...(o.photos ? { photos: { path: o.photos, fileName: path.basename(o.photos) } } : {}),
          });
          console.log(`已导入检查（编号 ${result.inspectionId}）：问题点位 ${result.points} 个，照片 ${result.photos} 张（读到拍摄时间或位置的 ${result.withCameraFacts} 张）`);
          printTable(['责任单位', '点位数'], [...result.units].map(([unit, n]) => [unit, String(n)]));
          await withTemporal((client) => dispatchInspection(client, campaignId, result.inspectionId));
          console.log(`已交办：每个责任单位一份问题点位交办通知（共 ${result.units.size} 份）`);
        } catch (error) {
          if (error instanceof InspectionImportError) throw new BadInputError(`${list}：${error.message}`);
          throw error;
        }
      });
    });

  inspection
    .command('list')
    .argument('<campaign>', '创建活动编号')
    .option('--json', '输出 JSON')
    .description('列出创建活动的检查及其问题点位数')
    .action(async (campaignId: string, o: { json?: boolean }) => {
      await withDatabase(async (db) => {
        await migrate(db);
        const rows = await listInspections(db, campaignId);
        if (o.json) return void console.log(JSON.stringify(rows, null, 2));
        printTable(
          ['编号', '日期', '类别', '名称', '点位', '未销号'],
          rows.map((r) => [String(r.id), r.held_on, INSPECTION_KIND_NAMES[r.kind], r.title, String(r.points), String(r.open_points)]),
        );
      });
    });

  inspection
    .command('points')
    .argument('<inspection>', '检查编号（inspection list 所列）')
    .option('--json', '输出 JSON')
    .description('列出一次检查的问题点位')
    .action(async (id: string, o: { json?: boolean }) => {
      if (!/^\d+$/.test(id)) throw new BadInputError(`检查编号应为数字：${id}`);
      await withDatabase(async (db) => {
        await migrate(db);
        const rows = await listPoints(db, Number(id));
        if (o.json) return void console.log(JSON.stringify(rows, null, 2));
        printTable(
          ['序号', '点位', '问题描述', '类别', '严重程度', '责任单位', '整改时限', '照片', '状态'],
          rows.map((r) => [String(r.number), r.location, r.description, r.category, SEVERITY_NAMES[r.severity], r.unit_id, r.deadline, String(r.photos.length), r.status]),
        );
      });
    });
}
