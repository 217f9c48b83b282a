import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DefinitionError, readYaml } from '../../domain/definition-yaml.js';
import { saveCalendarYears } from '../../services/calendar.js';
import { withDatabase } from '../connect.js';
import { BadInputError } from '../exit-codes.js';

/**
 * The years of a schedule file: either the years at the top level
 *   2027: { holidays: [...], workdays: [...] }
 * or under `calendar:` (as in a campaign definition).
 */
export function calendarYearsOf(data: unknown): unknown {
  if (data && typeof data === 'object' && !Array.isArray(data) && 'calendar' in data) return (data as { calendar: unknown }).calendar;
  return data;
}

export function registerCalendarCommands(program: Command): void {
  const calendar = program.command('calendar').description('法定节假日安排：补录内置数据没有的年份');

  calendar
    .command('import')
    .argument('<file>', 'YAML 文件：2027: { holidays: [...], workdays: [...] }（或写在 calendar: 之下）')
    .option('--source <text>', '依据，如 国办发明电〔2026〕N号')
    .description('导入（整年替换）某些年份的节假日和调休上班日；此后计算的时限按新安排')
    .action(async (file: string, o: { source?: string }) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new BadInputError(`无法读取文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      let data: unknown;
      try {
        ({ data } = readYaml(text, file));
      } catch (error) {
        if (!(error instanceof DefinitionError)) throw error;
        throw new BadInputError(`${file} 不是有效的 YAML：${error.problems.map((p) => p.message).join('；')}`);
      }
      await withDatabase(async (db) => {
        let years: number[];
        try {
          years = await saveCalendarYears(db, calendarYearsOf(data), o.source);
        } catch (error) {
          throw new BadInputError(`${file}：${(error as Error).message}`);
        }
        console.log(`已导入 ${years.map((y) => `${y} 年`).join('、')}的节假日安排${o.source ? `（依据：${o.source}）` : ''}。`);
        console.log('已运行的任务在下一次计算时限时按新安排计算。');
      });
    });
}
