// chuangwen user: console accounts (管理员 admin, 领导 leader). Units need no account: they use their links.
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { migrate } from '../../db/migrate.js';
import {
  insertUser,
  listUsers,
  setUserDisabled,
  setUserPassword,
  USER_NAME_PATTERN,
  USER_ROLE_NAMES,
  USER_ROLES,
  UserExists,
  type UserRole,
} from '../../db/users.js';
import { withDatabase } from '../connect.js';
import { BadInputError } from '../exit-codes.js';
import { printTable } from '../table.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../web/auth.js';

/** Reads all of standard input (for --password-stdin); one trailing newline is dropped. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks for a password on the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stdout.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stdout.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new BadInputError('已取消'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function askPassword(fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = await readStdin();
  } else {
    if (!process.stdin.isTTY) throw new BadInputError('请在终端中输入密码，或使用 --password-stdin 从标准输入读取');
    password = await promptHidden('密码：');
    if ((await promptHidden('再输入一次：')) !== password) throw new BadInputError('两次输入的密码不一致');
  }
  if (password.length < MIN_PASSWORD_LENGTH) throw new BadInputError(`密码至少 ${MIN_PASSWORD_LENGTH} 个字符`);
  if (password.length > 256) throw new BadInputError('密码过长（最多 256 个字符）');
  return password;
}

function checkName(name: string): void {
  if (!USER_NAME_PATTERN.test(name)) {
    throw new BadInputError(`用户名只能包含字母、数字、.、- 和 _，且以字母或数字开头（最长 64 位）：${name}`);
  }
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('控制台账号：管理员与领导（只读）');

  user
    .command('add')
    .argument('<name>', '用户名（登录用）')
    .requiredOption('--role <role>', `角色：${USER_ROLES.join(' 或 ')}（${USER_ROLES.map((r) => USER_ROLE_NAMES[r]).join('、')}）`)
    .option('--display-name <text>', '显示的姓名，如 赵明')
    .option('--password-stdin', '从标准输入读取密码（用于脚本）')
    .description('添加账号，密码以 argon2id 保存')
    .action(async (name: string, o: { role: string; displayName?: string; passwordStdin?: boolean }) => {
      checkName(name);
      if (!(USER_ROLES as readonly string[]).includes(o.role)) throw new BadInputError(`角色应为 ${USER_ROLES.join(' 或 ')}：${o.role}`);
      const password = await askPassword(Boolean(o.passwordStdin));
      const passwordHash = await hashPassword(password);
      await withDatabase(async (db) => {
        await migrate(db);
        try {
          await insertUser(db, { name, displayName: o.displayName, role: o.role as UserRole, passwordHash });
        } catch (error) {
          if (error instanceof UserExists) throw new BadInputError(error.message);
          throw error;
        }
      });
      console.log(`已添加${USER_ROLE_NAMES[o.role as UserRole]}账号 ${name}${o.displayName ? `（${o.displayName}）` : ''}`);
    });

  user
    .command('list')
    .description('列出账号')
    .action(async () => {
      await withDatabase(async (db) => {
        await migrate(db);
        const users = await listUsers(db);
        printTable(
          ['用户名', '姓名', '角色', '状态', '最近登录'],
          users.map((u) => [
            u.name,
            u.display_name,
            USER_ROLE_NAMES[u.role],
            u.disabled ? '已停用' : '正常',
            u.last_login_at ? DateTime.fromJSDate(u.last_login_at).setZone(DEFAULT_TIME_ZONE).toFormat('yyyy-MM-dd HH:mm') : '',
          ]),
        );
        console.log(`共 ${users.length} 个账号`);
      });
    });

  user
    .command('passwd')
    .argument('<name>', '用户名')
    .option('--password-stdin', '从标准输入读取密码')
    .description('修改密码')
    .action(async (name: string, o: { passwordStdin?: boolean }) => {
      const passwordHash = await hashPassword(await askPassword(Boolean(o.passwordStdin)));
      await withDatabase(async (db) => {
        if (!(await setUserPassword(db, name, passwordHash))) throw new BadInputError(`没有账号 ${name}`);
      });
      console.log(`已修改 ${name} 的密码，该账号已登录的会话全部退出`);
    });

  for (const [verb, disabled, text] of [
    ['disable', true, '停用账号（立即退出登录）'],
    ['enable', false, '恢复账号'],
  ] as const) {
    user
      .command(verb)
      .argument('<name>', '用户名')
      .description(text)
      .action(async (name: string) => {
        await withDatabase(async (db) => {
          if (!(await setUserDisabled(db, name, disabled))) throw new BadInputError(`没有账号 ${name}`);
        });
        console.log(`${disabled ? '已停用' : '已恢复'}账号 ${name}`);
      });
  }
}
