// The command line as an administrator runs it: chuangwen plan import / validate, with their exit codes.
import { spawn } from 'node:child_process';
import { access, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerPlanCommands } from '../../client/commands/plan.js';
import { BadInputError } from '../../client/exit-codes.js';
import { pdfOf } from '../../eval/variants.js';
import { LIMITS } from '../../plan/decode.js';
import { repoRoot } from './support.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as an administrator would (`npx tsx client/cli.ts …`); `direct` skips npx's start-up for speed. */
function chuangwen(args: string[], stdin?: Buffer, direct = true): Promise<Run> {
  return new Promise((resolve, reject) => {
    const [command, prefix] = direct ? [path.join(repoRoot, 'node_modules/.bin/tsx'), []] : ['npx', ['tsx']];
    const child = spawn(command, [...prefix, 'client/cli.ts', ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.end(stdin ?? Buffer.alloc(0));
  });
}

/** Runs `chuangwen plan …` inside this process (cheaper than a child), capturing what it prints. */
async function inProcess(args: string[]): Promise<{ error?: unknown; stdout: string; stderr: string }> {
  const program = new Command('chuangwen').exitOverride();
  registerPlanCommands(program);
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    await program.parseAsync(['node', 'chuangwen', ...args]);
    return { stdout: out.join(''), stderr: err.join('') };
  } catch (error) {
    return { error, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('chuangwen plan', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-plan-'));
    await copyFile(path.join(repoRoot, 'test/plan/fixtures/donghu-2022.txt'), path.join(dir, 'donghu.txt'));
    await writeFile(path.join(dir, 'empty.txt'), '');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a plan next to it, refuses bad input with exit 2, and validates', async () => {
    const plan = path.join(dir, 'donghu.txt');
    const yamlFile = path.join(dir, 'donghu.yaml');
    const [imported, empty, binary, fromStdin] = await Promise.all([
      chuangwen(['plan', 'import', plan], undefined, false),
      chuangwen(['plan', 'import', path.join(dir, 'empty.txt')]),
      chuangwen(['plan', 'import', '-'], Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00])),
      chuangwen(['plan', 'import', '-'], await readFile(plan)),
    ]);

    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('共读出：任务 3 项，单位 7 个，领导 4 人，项目区 2 个，阶段 3 个');
    expect(imported.stdout).toContain(`定义已写入：${yamlFile}`);
    const yaml = await readFile(yamlFile, 'utf8');
    expect(yaml).toContain('title: 东湖区2022年创建全国文明城市工作实施方案 # 第1行');

    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`输入有误：${path.join(dir, 'empty.txt')}：输入为空（0 字节）`);
    expect(binary.code).toBe(2);
    expect(binary.stderr).toContain('输入有误：标准输入：第 8 字节是空字符（0x00），这是二进制文件而不是文本');

    // From standard input the definition goes to standard output and the summary to standard error.
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toMatch(/^# 东湖区2022年创建全国文明城市工作实施方案\n/);
    expect(fromStdin.stderr).toContain('共读出：任务 3 项');

    const validate = await chuangwen(['plan', 'validate', yamlFile]);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('其中 21 处是导入时生成的占位邮箱（@placeholder.invalid），填入真实邮箱后即可通过。');
    expect(validate.stderr).toContain('定义文件有 21 处错误');

    const allowed = await inProcess(['plan', 'validate', '--allow-placeholders', yamlFile]);
    expect(allowed.error).toBeUndefined();
    expect(allowed.stdout).toContain('定义结构有效；仍有 21 处占位邮箱待填写');

    // A valid definition: what will run, from which line, and what is left to the office.
    const valid = await inProcess(['plan', 'validate', 'examples/longling-2016.yaml']);
    expect(valid.error).toBeUndefined();
    expect(valid.stdout).toContain('将执行的周期性工作 5 项：');
    expect(valid.stdout).toContain('  季调度：每季度首个工作日 09:00 报告上季度情况，发领导小组（方案第 45 行）');
    expect(valid.stdout).toContain('不自动执行 1 条（请按原文办理）：\n  建议上级给予相应处罚（方案第 47 行）');

    const again = await inProcess(['plan', 'import', plan]);
    expect(again.error).toBeInstanceOf(BadInputError);
    expect((again.error as Error).message).toBe(`${yamlFile} 已存在；用 --force 覆盖，或用 -o 指定其他文件`);

    const missing = await inProcess(['plan', 'import', path.join(dir, 'nothing-here.txt')]);
    expect(missing.error).toBeInstanceOf(BadInputError);
    expect((missing.error as Error).message).toBe(`找不到文件：${path.join(dir, 'nothing-here.txt')}`);

    const elsewhere = path.join(dir, 'out', '..', 'other.yaml');
    const written = await inProcess(['plan', 'import', plan, '-o', elsewhere]);
    expect(written.error).toBeUndefined();
    expect(written.stdout).toContain(`定义已写入：${elsewhere}`);
    expect(await readFile(path.join(dir, 'other.yaml'), 'utf8')).toBe(yaml.replace(yamlFile, elsewhere));
  });

  it('refuses a scan and an oversize file with exit 2, naming the file and what to do, and writes nothing', async () => {
    const scan = path.join(dir, '扫描件.pdf');
    const huge = path.join(dir, 'huge.txt');
    await writeFile(scan, await pdfOf([], ''));
    await writeFile(huge, Buffer.alloc(LIMITS.textBytes + 1, 0x20));
    const [scanned, oversize] = await Promise.all([chuangwen(['plan', 'import', scan]), chuangwen(['plan', 'import', huge])]);
    expect(scanned.code).toBe(2);
    expect(scanned.stderr).toContain(`输入有误：${scan}：这是扫描件`);
    expect(scanned.stderr).toContain('请先用 OCR 识别为文字，或提供方案的 .docx / 纯文本');
    expect(oversize.code).toBe(2);
    expect(oversize.stderr).toContain(`输入有误：${huge}：文字有 2 MB，超过 2 MB 的上限，不予读取`);
    for (const file of [path.join(dir, '扫描件.yaml'), path.join(dir, 'huge.yaml')]) {
      await expect(access(file)).rejects.toThrow();
    }
  });
});
