import type { Command } from 'commander';
import { performanceForYear } from '../../db/reports.js';
import { withDatabase } from '../connect.js';
import { BadInputError } from '../exit-codes.js';
import { printTable } from '../table.js';
import type { PerformanceRow } from '../../db/reports.js';

export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('报表');

  report
    .command('performance')
    .requiredOption('--year <year>', '年度，如 2027')
    .option('--campaign <id>', '只看一个创建活动')
    .description('年终绩效：各单位测评平均分、台账扣分与合计（低分在前）')
    .action(async (o: { year: string; campaign?: string }) => {
      const year = Number(o.year);
      if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new BadInputError(`--year 应为年份，如 2027：${o.year}`);
      await withDatabase(async (db) => {
        const rows = await performanceForYear(db, year, o.campaign);
        if (rows.length === 0) throw new BadInputError(o.campaign ? `未找到创建活动：${o.campaign}` : '还没有任何创建活动');
        printPerformance(year, rows);
      });
    });
}

/** The year-end performance table (年终绩效), worst first: the CLI's report and the demo's last page. */
export function printPerformance(year: number, rows: PerformanceRow[]): void {
  console.log(`${year} 年年终绩效（测评平均分，无测评按 100 分计，加台账扣分）`);
  printTable(
    ['单位', '测评平均分', '测评次数', '台账扣分', '记录', '年终绩效'],
    rows.map((r) => [
      r.unitName,
      r.assessmentAverage === null ? '—' : String(r.assessmentAverage),
      String(r.rounds),
      String(r.ledgerPoints),
      String(r.ledgerEntries),
      String(r.total),
    ]),
  );
}
