// The console on its own: `npm run console`, or the console service of docker-compose.
//
//   DATABASE_URL        PostgreSQL (else the running `npm start`'s)
//   TEMPORAL_ADDRESS    Temporal frontend (else the running `npm start`'s, else localhost:7233)
//   TEMPORAL_NAMESPACE  default 'default'
//   PORT, HOST          default 3000 on 127.0.0.1 (HOST=0.0.0.0 in a container)
//   PUBLIC_URL          how people reach it, used in links (default http://localhost:PORT)
//   LINK_SECRET         signs the units' links; the worker that mails them needs the same one
//   SESSION_SECRET      signs session cookies
//                       (both at least 32 bytes, never a value once shipped as a default; unset: the
//                       ones `npm start` keeps in its data folder)
//   TRUST_PROXY         addresses/CIDR ranges of the reverse proxies in front (default: none)
//   CONSOLE_MAILBOX     1 to show the SMTP sink's mailbox (default: shown when SMTP_URL is unset)
import { Client, Connection } from '@temporalio/client';
import { dataDir, endpoints } from './config.js';
import { createPool } from '../db/pool.js';
import { migrate } from '../db/migrate.js';
import { startConsoleServer } from './server.js';
import { redactUrl } from '../worker/config.js';
import { checkSecret, consoleSecrets } from './web/secrets.js';
import { trustedProxies } from './web/trust-proxy.js';

const say = (line: string) => console.log(`[chuangwen 控制台] ${line}`);

async function main(): Promise<void> {
  const secrets = consoleSecrets(dataDir());
  checkSecret('LINK_SECRET', secrets.linkSecret);
  checkSecret('SESSION_SECRET', secrets.sessionSecret);
  const trustProxy = trustedProxies(process.env.TRUST_PROXY);
  const { temporalAddress, namespace, databaseUrl } = endpoints();
  if (!databaseUrl) throw new Error('找不到数据库：请设置 DATABASE_URL，或先运行 npm start。');
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT 无效：${process.env.PORT}`);
  const host = process.env.HOST ?? '127.0.0.1';
  const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;

  const db = createPool(databaseUrl);
  const applied = await migrate(db);
  if (applied.length) say(`数据库迁移：${applied.join(', ')}`);
  const connection = await Connection.connect({ address: temporalAddress, connectTimeout: '10 seconds' });
  const temporal = new Client({ connection, namespace });

  const server = await startConsoleServer({
    db,
    temporal,
    publicUrl,
    linkSecret: secrets.linkSecret,
    sessionSecret: secrets.sessionSecret,
    mailboxEnabled: process.env.CONSOLE_MAILBOX ? process.env.CONSOLE_MAILBOX === '1' : !process.env.SMTP_URL,
    trustProxy,
    port,
    host,
  });
  say(`已启动：${server.url}（对外地址 ${publicUrl}）`);
  say(`密钥来源：${secrets.source === 'environment' ? '环境变量' : secrets.source}`);
  say(`数据库：${redactUrl(databaseUrl)}；Temporal：${temporalAddress}`);
  if (trustProxy) say(`信任的反向代理：${trustProxy.join(', ')}`);
  say('添加管理员：npx chuangwen user add 用户名 --role admin');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`收到 ${signal}，正在停止…`);
    await server.close();
    await connection.close();
    await db.end();
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  console.error(`[chuangwen 控制台] 启动失败：${(error as Error).message}`);
  process.exitCode = 1;
});
