// `chuangwen plan import` and the 通讯录, run as the real command: with a database configured it fills
// the definition from the directory; with --no-directory, without a database, or with a database it
// cannot read, it writes exactly what it wrote before there was a directory (no Temporal needed).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { importPlan } from '../../plan/index.js';
import { importDirectoryWorkbook } from '../../services/directory-workbook.js';
import { dropDatabase, ensureDatabase } from '../../stack/postgres.js';
import { SEED_PLAN, seedDirectoryWorkbook } from '../plan/directory-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const run = promisify(execFile);
const CLI = path.resolve('client/cli.ts');

let database: TestDatabase;
let dir: string;
let output: string;
beforeAll(async () => {
  database = await createTestDatabase();
  await importDirectoryWorkbook(database.db, await seedDirectoryWorkbook(), '2021-03-01');
  dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-plan-directory-'));
  output = path.join(dir, 'beihai.yaml');
});
afterAll(async () => {
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `chuangwen plan import <seed plan> -o beihai.yaml --force …` with the given database (none: no DATABASE_URL, no running stack). */
async function planImport(databaseUrl: string | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string; yaml: string }> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, 'plan', 'import', SEED_PLAN, '-o', output, '--force', ...args], {
      // CHUANGWEN_DATA_DIR: an empty folder, so that no running `npm start` is found either.
      env: { ...env, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), TEMPORAL_ADDRESS: '127.0.0.1:1', CHUANGWEN_DATA_DIR: dir },
    });
    return { code: 0, stdout, stderr, yaml: await readFile(output, 'utf8') };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, yaml: '' };
  }
}

describe('chuangwen plan import with the 通讯录', () => {
  it('fills from the directory when a database is configured, and not with --no-directory or without a database', async () => {
    const before = (await importPlan(await readFile(SEED_PLAN), SEED_PLAN, { outputName: output })).yaml;

    const filled = await planImport(database.url);
    expect(filled.code, filled.stderr).toBe(0);
    expect(filled.stderr).toBe('');
    expect(filled.yaml).toContain('principal: { name: 郭勇, title: 局长, email: guoyong@beihai.gov.cn }');
    expect(filled.yaml).toContain('email: liuhong@beihai.gov.cn');
    expect(filled.yaml).toContain('contact: { name: 待填写, email: beihaijiaojingdui@placeholder.invalid }');
    expect(filled.stdout).toContain('通讯录（在用单位 6 个、人员 2 人）：已填写单位 4 个、领导 2 人');
    expect(filled.stdout).toContain('  单位「北海服务中心」→「北海经济开发区北海服务中心」（简称）');
    expect(filled.stdout).toContain('  单位「区市场监管局」（模糊，未采用）：可能是通讯录中的『区市场监督管理局』（模糊匹配），请核对后填写');
    expect(filled.stdout).toContain('待填写：占位邮箱 8 处');

    const skipped = await planImport(database.url, '--no-directory');
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.yaml).toBe(before);
    expect(skipped.stdout).not.toContain('通讯录');
    expect(skipped.stdout).toContain('待填写：占位邮箱 18 处');

    const none = await planImport(undefined);
    expect(none.code, none.stderr).toBe(0);
    expect(none.yaml).toBe(before);
    expect(none.stdout).not.toContain('通讯录');
  });

  it('a database it cannot read, or one without a directory yet, is said in the report and the import goes on without it', async () => {
    const before = (await importPlan(await readFile(SEED_PLAN), SEED_PLAN, { outputName: output })).yaml;

    const unreachable = await planImport('postgres://chuangwen@127.0.0.1:1/nowhere');
    expect(unreachable.code, unreachable.stderr).toBe(0);
    expect(unreachable.stdout).toContain('通讯录：无法读取数据库（');
    expect(unreachable.stdout).toContain('未按通讯录填写；不需要通讯录时加 --no-directory');
    expect(unreachable.yaml).toBe(before);

    const serverUrl = inject('databaseUrl');
    const name = `test_nodir_${process.pid}`;
    const bare = await ensureDatabase(serverUrl, name);
    try {
      const old = await planImport(bare);
      expect(old.code, old.stderr).toBe(0);
      expect(old.stdout).toContain('通讯录：数据库中还没有通讯录，未按通讯录填写');
      expect(old.yaml).toBe(before);
    } finally {
      await dropDatabase(serverUrl, name);
    }
  });
});
