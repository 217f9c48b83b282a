// The CLI refuses a bad definition before anything starts: file, line and field, exit code 2.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = path.resolve('client/cli.ts');

async function chuangwen(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
      // Nothing may be reached: a refused file must fail before any connection is tried.
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgres://127.0.0.1:1/none' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('chuangwen campaign start', () => {
  it('exits 2 naming file, line and field for an unknown unit', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-cli-'));
    const file = path.join(dir, 'bad.yaml');
    const example = await readFile('examples/beihai-2021.yaml', 'utf8');
    await writeFile(file, example.replace('leadUnit: public-security', 'leadUnit: nobody'));
    const line = example.slice(0, example.indexOf('leadUnit: public-security')).split('\n').length;

    const result = await chuangwen('campaign', 'start', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:${line}:15 tasks[5].leadUnit: 未知单位：nobody`);
  });

  it('exits 2 for a file that does not exist', async () => {
    const result = await chuangwen('campaign', 'start', 'no-such-file.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('无法读取文件 no-such-file.yaml：ENOENT');
  });

  it('exits 2 for a malformed --shift-to date', async () => {
    const result = await chuangwen('campaign', 'start', 'examples/beihai-2021.yaml', '--shift-to', '2027/03/01');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shift-to 应为 YYYY-MM-DD');
  });

  it('exits 2 on an alias bomb, whichever command reads the file, with the same refusal as the console', async () => {
    const bomb = path.resolve('test/fixtures/bad/definitions/alias-bomb.yaml');
    const dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-cli-'));
    // The same few lines of nested references as one task and as a holiday schedule.
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const taskBomb = path.join(dir, 'task.yaml');
    await writeFile(taskBomb, `id: bomb\ntitle: 炸弹\n${lines.join('\n')}\n`);
    const calendarBomb = path.join(dir, 'calendar.yaml');
    await writeFile(calendarBomb, `${lines.join('\n')}\n2027: { holidays: *i }\n`);
    for (const args of [
      ['campaign', 'start', bomb],
      ['plan', 'validate', bomb],
      ['campaign', 'add-task', 'beihai-2021', taskBomb],
      ['calendar', 'import', calendarBomb],
    ]) {
      const result = await chuangwen(...args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain('YAML 别名（&锚点 / *引用）展开后过大');
      expect(result.stderr).not.toMatch(/at .*\.ts:\d+|ReferenceError/);
    }
  });

  it('exits 1 with a clear message when Temporal cannot be reached', async () => {
    // Moved to start tomorrow: a plan whose period has ended is refused before anything connects.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const result = await chuangwen('campaign', 'start', 'examples/beihai-2021.yaml', '--shift-to', tomorrow);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('无法连接 Temporal（127.0.0.1:1）');
  });
});
