// chuangwen plan import FILE  — 实施方案 → campaign definition (YAML) for an administrator to review and start;
//                              with a database configured, units and leaders are filled in from the 通讯录.
// chuangwen plan validate FILE — checks a definition, telling the placeholders left by an import from real errors.
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadDirectorySnapshot } from '../../db/directory.js';
import { createPool } from '../../db/pool.js';
import { DefinitionError, formatProblem, parseDefinition } from '../../domain/definition-yaml.js';
import { PLACEHOLDER_EMAIL_DOMAIN, type CampaignDefinition } from '../../domain/definition.js';
import type { DirectorySnapshot } from '../../domain/directory.js';
import { cadencesOf, rulesOf, type CadenceView } from '../../domain/schedule.js';
import { checkFileSize, importPlan, isPlaceholderProblem, PlanInputError } from '../../plan/index.js';
import { endpoints } from '../config.js';
import { BadInputError } from '../exit-codes.js';
import { fileExists } from '../files.js';

const STDIN_NAME = '标准输入';

export function registerPlanCommands(program: Command): void {
  const plan = program.command('plan').description('实施方案：导入为创建活动定义；校验定义文件');

  plan
    .command('import')
    .description('读取实施方案（.txt 或 .docx；繁体或简体；UTF-8、GB18030/GBK、Big5、UTF-16），写出创建活动定义（YAML）供审核')
    .argument('<file>', '实施方案文件；- 表示从标准输入读取')
    .option('-o, --output <file>', '定义文件写到哪里；- 表示写到标准输出')
    .option('-f, --force', '定义文件已存在时覆盖')
    .option('--no-directory', '不按通讯录填写（默认：配置了数据库时按通讯录填写单位与领导）')
    .addHelpText(
      'after',
      `
输出：
  默认把定义写在方案旁边，文件名相同、扩展名为 .yaml（方案.txt → 方案.yaml），已存在时不覆盖（除非 --force）；
  从标准输入读取时默认写到标准输出。导入摘要写到标准输出；定义写到标准输出时，摘要改写到标准错误。
  生成的定义里，无法从方案得知的邮箱是 @${PLACEHOLDER_EMAIL_DOMAIN} 占位地址，姓名为「待填写」，
  补全后用 chuangwen plan validate 校验。

通讯录：
  配置了数据库（DATABASE_URL，或正在运行的 npm start）时，按通讯录填写方案中的单位和领导：全称、简称、
  繁简或后缀不同的写法都能找到，填入名称、类别、主要负责人与联系人及其邮箱，领导的姓名、职务与邮箱；
  名称相近的只在注释和摘要中提示（模糊匹配），不填写；已停用的条目不采用。--no-directory 跳过通讯录；
  没有数据库时与不用通讯录相同。

退出码：0 成功；1 失败；2 输入有误（空文件、二进制文件、无法解码、不支持的格式、找不到文件）。`,
    )
    .action(async (file: string, options: { output?: string; force?: boolean; directory: boolean }) => {
      const fromStdin = file === '-';
      const output = options.output ?? (fromStdin ? '-' : defaultOutput(file));
      if (!fromStdin && output !== '-' && path.resolve(output) === path.resolve(file)) {
        throw new BadInputError(`定义文件不能与方案是同一个文件：${file}`);
      }
      if (output !== '-' && !options.force && (await fileExists(output))) {
        throw new BadInputError(`${output} 已存在；用 --force 覆盖，或用 -o 指定其他文件`);
      }

      const input = await (fromStdin ? readStdin() : readInput(file)).catch(asBadInput);
      const directory = options.directory ? await directoryForImport() : {};
      const result = await importPlan(input, fromStdin ? STDIN_NAME : file, {
        outputName: output === '-' ? undefined : output,
        directory: directory.snapshot,
      }).catch(asBadInput);

      const report = output === '-' ? (text: string) => process.stderr.write(`${text}\n`) : (text: string) => process.stdout.write(`${text}\n`);
      if (output === '-') process.stdout.write(result.yaml);
      else await writeFile(output, result.yaml, 'utf8');
      if (directory.note) report(directory.note);
      report(result.summary);
      if (output !== '-') report(`\n定义已写入：${output}`);

      if (result.problems.length > 0) {
        process.stderr.write(`${result.problems.map(formatProblem).join('\n')}\n`);
        throw new Error(`生成的定义有 ${result.problems.length} 处不是占位邮箱的错误（导入程序的缺陷），文件已写出供检查`);
      }
    });

  plan
    .command('validate')
    .description('校验创建活动定义文件（YAML），逐条列出错误及其行号')
    .argument('<file>', '定义文件；- 表示从标准输入读取')
    .option('--allow-placeholders', `只剩导入生成的占位邮箱（@${PLACEHOLDER_EMAIL_DOMAIN}）时也算通过`)
    .addHelpText('after', '\n退出码：0 有效；2 定义有错误（包括未填写的占位邮箱，除非 --allow-placeholders）。')
    .action(async (file: string, options: { allowPlaceholders?: boolean }) => {
      const fromStdin = file === '-';
      const text = (fromStdin ? await readStdin() : await readInput(file)).toString('utf8');
      const name = fromStdin ? STDIN_NAME : file;
      try {
        const def = parseDefinition(text, name, { env: process.env });
        process.stdout.write(
          `定义有效：${def.title}（${def.id}），${def.start} 至 ${def.end}；` +
            `任务 ${def.tasks.length} 项，单位 ${def.units.length} 个，领导 ${def.leaders.length} 人，阶段 ${def.phases.length} 个\n` +
            describeSchedule(def),
        );
      } catch (error) {
        if (!(error instanceof DefinitionError)) throw error;
        const placeholders = error.problems.filter(isPlaceholderProblem);
        const others = error.problems.length - placeholders.length;
        if (others === 0 && options.allowPlaceholders) {
          process.stdout.write(`定义结构有效；仍有 ${placeholders.length} 处占位邮箱待填写（--allow-placeholders）\n`);
          return;
        }
        if (placeholders.length > 0) {
          process.stderr.write(
            `其中 ${placeholders.length} 处是导入时生成的占位邮箱（@${PLACEHOLDER_EMAIL_DOMAIN}），填入真实邮箱后即可通过` +
              `${others > 0 ? `；另有 ${others} 处需要修改` : ''}。\n`,
          );
        }
        throw error;
      }
    });
}

/**
 * The 通讯录 when a database is configured; none (and the import as without one) when none is. A database
 * that cannot be read is said in the report, and the import goes on without the directory.
 */
async function directoryForImport(): Promise<{ snapshot?: DirectorySnapshot; note?: string }> {
  const { databaseUrl } = endpoints();
  if (!databaseUrl) return {};
  const db = createPool(databaseUrl, 1, { connectionTimeoutMillis: 5_000 });
  try {
    return { snapshot: await loadDirectorySnapshot(db) };
  } catch (error) {
    // 42P01: the database has no directory table yet (its migrations predate the 通讯录).
    if ((error as { code?: string }).code === '42P01') return { note: '通讯录：数据库中还没有通讯录，未按通讯录填写（chuangwen directory import 可导入通讯录）' };
    const reason = error instanceof Error ? error.message : String(error);
    return { note: `通讯录：无法读取数据库（${reason}），未按通讯录填写；不需要通讯录时加 --no-directory` };
  } finally {
    await db.end().catch(() => undefined);
  }
}

function defaultOutput(file: string): string {
  const parsed = path.parse(file);
  return path.join(parsed.dir, `${parsed.name}.yaml`);
}


/** A plan the importer refuses is bad input (exit 2), said as the importer says it. */
function asBadInput(error: unknown): never {
  if (error instanceof PlanInputError) throw new BadInputError(error.message);
  throw error;
}

async function readInput(file: string): Promise<Buffer> {
  try {
    // An oversize file is refused on its size, before it is read into memory.
    const { size, isFile } = await stat(file).then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (isFile) checkFileSize(size, file);
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BadInputError(`找不到文件：${file}`);
    if (code === 'EISDIR') throw new BadInputError(`${file} 是目录，不是文件`);
    if (code === 'EACCES') throw new BadInputError(`没有权限读取：${file}`);
    throw error;
  }
}

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) {
    throw new BadInputError('没有从标准输入读到内容（用法：chuangwen plan import - < 方案.txt）');
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    bytes += data.length;
    checkFileSize(bytes, STDIN_NAME, true); // stops reading as soon as the cap is passed
    chunks.push(data);
  }
  return Buffer.concat(chunks);
}

/** What will run, as the console lists it: every cadence (from which line, or proposed) and what is left to the office. */
function describeSchedule(def: CampaignDefinition): string {
  const source = (c: CadenceView) => (c.source === 'plan' ? `（方案第 ${c.line} 行）` : c.source === 'proposed' ? '（导入时建议）' : '');
  const lines = cadencesOf(def, def.start, 0).map((c) => `  ${c.name}：${c.rule}${source(c)}`);
  const manual = rulesOf(def).filter((r) => !r.automated);
  return (
    `将执行的周期性工作 ${lines.length} 项：\n${lines.join('\n')}\n` +
    (manual.length ? `不自动执行 ${manual.length} 条（请按原文办理）：\n${manual.map((r) => `  ${r.name}${r.line ? `（方案第 ${r.line} 行）` : ''}：${r.rule}`).join('\n')}\n` : '')
  );
}
