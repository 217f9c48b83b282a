// `chuangwen user add|list|passwd|disable`, run as a process against a test database.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import argon2 from 'argon2';
import { findUserByName } from '../../db/users.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const PROGRAM = `
import { Command } from 'commander';
import { registerUserCommands } from './client/commands/user.ts';
const program = new Command('chuangwen').exitOverride();
registerUserCommands(program);
try { await program.parseAsync(process.argv.slice(1), { from: 'user' }); }
catch (error) { console.error(error.message); process.exitCode = 2; }
`;

function run(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', PROGRAM, '--', ...args],
      { env: { ...process.env, DATABASE_URL: database.url }, cwd: process.cwd() },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

describe('chuangwen user', () => {
  it('adds accounts with argon2id hashes, lists, changes passwords and disables them', async () => {
    const added = await run(['user', 'add', 'zhaoming', '--role', 'admin', '--display-name', '赵明', '--password-stdin'], 'chuangcheng-2021\n');
    expect(added.stdout + added.stderr).toContain('已添加管理员账号 zhaoming（赵明）');
    const user = await findUserByName(database.db, 'zhaoming');
    expect(user).toMatchObject({ role: 'admin', display_name: '赵明', disabled: false });
    expect(user!.password_hash).toMatch(/^\$argon2id\$/);
    expect(await argon2.verify(user!.password_hash, 'chuangcheng-2021')).toBe(true);

    expect((await run(['user', 'add', 'zhaoming', '--role', 'leader', '--password-stdin'], 'another-password')).stderr).toContain('已存在');
    expect((await run(['user', 'add', 'x', '--role', 'boss', '--password-stdin'], 'long-enough-pw')).stderr).toContain('角色应为');
    expect((await run(['user', 'add', 'short', '--role', 'leader', '--password-stdin'], 'abc')).stderr).toContain('密码至少 8 个字符');
    expect((await run(['user', 'add', '../bad', '--role', 'leader', '--password-stdin'], 'long-enough-pw')).stderr).toContain('用户名只能包含');

    await run(['user', 'add', 'wangzu', '--role', 'leader', '--password-stdin'], 'leader-password');
    const list = await run(['user', 'list']);
    expect(list.stdout).toContain('领导（只读）');
    expect(list.stdout).toContain('共 2 个账号');

    await run(['user', 'passwd', 'wangzu', '--password-stdin'], 'new-leader-password');
    expect(await argon2.verify((await findUserByName(database.db, 'wangzu'))!.password_hash, 'new-leader-password')).toBe(true);
    await run(['user', 'disable', 'wangzu']);
    expect((await findUserByName(database.db, 'wangzu'))!.disabled).toBe(true);
  });
});
