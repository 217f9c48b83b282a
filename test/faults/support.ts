// The fault tests' stack: a Temporal dev server on its own SQLite file (stopped and started at
// will, on the same ports), the production worker as child processes, the SMTP sink (stopped and
// started on the same port), and PostgreSQL (the suite's server, or an embedded one of the test's
// own that can be restarted on the same data folder and port).
//
// Escalation runs on real time here, so the campaigns use a ladder whose rungs have no grace
// period and no 限期整改, and tasks whose deadline lapsed yesterday: the overdue notice and every
// following rung are due at once. A timer that must come due during an outage is the weekly
// check, whose time of day is minute-precise (see weeklyCheckSoon).
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DateTime } from 'luxon';
import pg from 'pg';
import { loadBundledCalendar } from '../../services/calendar.js';
import { migrate } from '../../db/migrate.js';
import { createPool, type Db } from '../../db/pool.js';
import { dayOfWeek, type CalendarYear } from '../../domain/calendar.js';
import { definitionSchema, type CampaignDefinition } from '../../domain/definition.js';
import { campaignWorkflowId, taskWorkflowId } from '../../domain/ids.js';
import { freePort } from '../../stack/ports.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../../stack/postgres.js';
import { startSmtpSink, type SmtpSink } from '../../stack/smtp-sink.js';
import { startDevServer, type DevServer } from '../../stack/temporal-dev-server.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { startWorkerProcess, waitHealthy, describeWorker, type WorkerProcess } from '../deploy/worker-process.js';
import { createTestDatabase } from '../support/database.js';

export const ZONE = 'Asia/Shanghai';
export const LINK_SECRET = 'fault-test-link-secret-0123456789abcdef';

/** Distinct free loopback ports. */
export async function freePorts(count: number): Promise<number[]> {
  const result = new Set<number>();
  for (let tries = 0; result.size < count && tries < 100; tries++) result.add(await freePort());
  return [...result];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls check every intervalMs until it returns something other than undefined/false; fails after timeoutMs. */
export async function until<T>(
  check: () => Promise<T | undefined | false>,
  what: string | (() => Promise<string> | string),
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const text = typeof what === 'string' ? what : await what();
      throw new Error(`${timeoutMs / 1000} 秒内未等到：${text}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Temporal

/** A dev server that can be stopped and started again on the same SQLite file and ports. */
export class TemporalServer {
  private server: DevServer | undefined;
  private constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly uiPort: number,
  ) {}

  static async start(dataDir: string): Promise<TemporalServer> {
    const [port, uiPort] = await freePorts(2);
    const t = new TemporalServer(dataDir, port, uiPort);
    await t.start();
    return t;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    // The ports were just released by stop(); give the kernel a moment if they are not free yet.
    for (let attempt = 1; ; attempt++) {
      try {
        this.server = await startDevServer({ dataDir: this.dataDir, port: this.port, uiPort: this.uiPort, startTimeoutMs: 90_000 });
        return;
      } catch (error) {
        if (attempt >= 10 || !/已被占用/.test((error as Error).message)) throw error;
        await sleep(500);
      }
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface Database {
  url: string;
  db: Db;
}

/** A database on the suite's server: created and migrated; dropped by the returned function. */
export async function suiteDatabase(): Promise<Database & { drop(): Promise<void> }> {
  const d = await createTestDatabase();
  return { url: d.url, db: d.db, drop: d.drop };
}

/** An embedded PostgreSQL of the test's own, restartable on the same data folder and port. */
export class OwnPostgres {
  private server: RunningPostgres | undefined;
  readonly db: Db;
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly url: string,
  ) {
    this.db = createPool(url, 5);
  }

  static async start(dir: string): Promise<OwnPostgres> {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755); // as root, PostgreSQL runs as the `postgres` user
    const [port] = await freePorts(1);
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port });
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE chuangwen');
    await admin.end();
    const url = server.url.replace(/\/postgres$/, '/chuangwen');
    const own = new OwnPostgres(dir, port, url);
    own.server = server;
    await migrate(own.db);
    return own;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Fast shutdown (SIGINT): open transactions are rolled back, clients disconnected. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.server = await startEmbeddedPostgres({ dataDir: path.join(this.dir, 'data'), port: this.port });
  }

  async close(): Promise<void> {
    await this.db.end().catch(() => undefined);
    await this.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// SMTP

/** The SMTP sink on a fixed port, stopped and started again at will. */
export class Mail {
  private sink: SmtpSink | undefined;
  private constructor(
    readonly db: Db,
    readonly port: number,
  ) {}

  static async start(db: Db, options: { listening?: boolean } = {}): Promise<Mail> {
    const [port] = await freePorts(1);
    const mail = new Mail(db, port);
    if (options.listening !== false) await mail.start();
    return mail;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get current(): SmtpSink | undefined {
    return this.sink;
  }

  async start(): Promise<SmtpSink> {
    for (let attempt = 1; !this.sink; attempt++) {
      try {
        this.sink = await startSmtpSink(this.db, { port: this.port });
      } catch (error) {
        if (attempt >= 20 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        await sleep(250);
      }
    }
    return this.sink;
  }

  async stop(): Promise<void> {
    const sink = this.sink;
    this.sink = undefined;
    await sink?.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Workers

export interface WorkerTarget {
  temporal: TemporalServer;
  databaseUrl: string;
  smtpUrl: string;
  bundlePath: string;
}

const workers: WorkerProcess[] = [];

/** The production worker (`node --import tsx worker/main.ts`) against the given services. */
export async function launchWorker(target: WorkerTarget, extra: Record<string, string> = {}): Promise<WorkerProcess> {
  const [health, metrics] = await freePorts(2);
  const worker = startWorkerProcess(
    {
      TEMPORAL_ADDRESS: target.temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      DATABASE_URL: target.databaseUrl,
      PG_POOL_MAX: '8',
      SMTP_URL: target.smtpUrl,
      PUBLIC_URL: 'http://127.0.0.1:3000',
      LINK_SECRET,
      WORKFLOW_BUNDLE_PATH: target.bundlePath,
      WORKER_SHUTDOWN_GRACE_SECONDS: '5',
      LOG_LEVEL: 'info',
      ...extra,
    },
    { health, metrics },
  );
  workers.push(worker);
  return worker;
}

export async function launchHealthyWorker(target: WorkerTarget, extra: Record<string, string> = {}): Promise<WorkerProcess> {
  const worker = await launchWorker(target, extra);
  await waitHealthy(worker, 60_000);
  return worker;
}

/** SIGTERM and wait (SIGKILL after the timeout). */
export async function stopWorker(worker: WorkerProcess, timeoutMs = 15_000): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), timeoutMs);
  await worker.exited;
  clearTimeout(timer);
}

/** Every worker process this file started, killed; for afterAll. */
export async function killAllWorkers(): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
}

export { describeWorker, type WorkerProcess };

/** The workflow bundle, built once per file into dir (what the image's `npm run build` makes). */
export async function writeBundle(dir: string): Promise<string> {
  const file = path.join(dir, 'workflow-bundle.js');
  await writeFile(file, (await bundleWorkflows()).code);
  return file;
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `chuangwen-${prefix}-`));
  await chmod(dir, 0o755);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function connectClient(temporal: TemporalServer): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: temporal.address });
  return { connection, client: new Client({ connection, namespace: 'default' }) };
}

/** What a drill file runs on: a folder of its own, a Temporal dev server in it, a client, the workflow bundle. */
export interface Drill {
  dir: Awaited<ReturnType<typeof tempDir>>;
  temporal: TemporalServer;
  clientOf: Awaited<ReturnType<typeof connectClient>>;
  bundlePath: string;
}

/** A drill's set-up, for beforeAll. */
export async function startDrill(prefix: string): Promise<Drill> {
  const dir = await tempDir(prefix);
  const [temporal, bundlePath] = await Promise.all([TemporalServer.start(`${dir.dir}/temporal`), writeBundle(dir.dir)]);
  return { dir, temporal, bundlePath, clientOf: await connectClient(temporal) };
}

/** A drill's tear-down, for afterAll: workers killed, client closed, server stopped, folder removed. */
export async function stopDrill(drill: Partial<Drill>, beforeRemoving: () => Promise<unknown> = async () => undefined): Promise<void> {
  await killAllWorkers();
  await drill.clientOf?.connection.close();
  await drill.temporal?.stop();
  await beforeRemoving();
  await drill.dir?.remove();
}

// ---------------------------------------------------------------------------------------------
// Campaigns

/** The civil date in the campaign's zone, shifted by whole days. */
export function localDate(at: Date, plusDays = 0, zone = ZONE): string {
  return DateTime.fromJSDate(at).setZone(zone).plus({ days: plusDays }).toISODate()!;
}

/**
 * Every rung at once: no grace period, no 限期整改 (so no new deadline to wait for). One notice per
 * task at every rung (batch: task), so that each task's notices can be counted; the notices gathered
 * per unit and day have their fault test in test/workflows/batched-notices.test.ts.
 */
export const IMMEDIATE_LADDER = {
  ladder: [
    { rung: 'overdueNotice', graceDays: 0, batch: 'task' },
    { rung: 'supervisionLetter', graceDays: 0, rectificationDays: 0, batch: 'task' },
    { rung: 'interview', graceDays: 0, rectificationDays: 0 },
    { rung: 'accountabilityReferral', graceDays: 0 },
  ],
} as const;

/** The notices each task of a lapsed campaign owes: the assignment and the four rungs. */
export const LAPSED_TASK_NOTICES = ['assignment', 'overdue', 'supervisionLetter', 'interview', 'accountabilityReferral'];

let campaignSeq = 0;

/**
 * A campaign of `tasks` tasks led by one unit. lapsed: started two days ago with yesterday's
 * deadline, so every rung is due at once; else a deadline a month away (no escalation).
 */
export function faultCampaign(options: {
  tasks: number;
  lapsed: boolean;
  now?: Date;
  prefix?: string;
  calendar?: Record<string, CalendarYear>;
  /** The campaign's cadences; default none, so that only the tasks' own timers run. */
  cadences?: Record<string, unknown>;
  /** The campaign's first day (cadences count from it); default a month ago. */
  campaignStart?: string;
}): CampaignDefinition {
  const now = options.now ?? new Date();
  const id = `fault-${process.pid}-${Date.now().toString(36)}-${++campaignSeq}`;
  // Each campaign numbers its notices under a prefix of its own, so its counters can be audited alone.
  const unit = (uid: string, name: string, mailbox: string) => ({
    id: uid,
    name,
    principal: { name: `${name}局长`, email: `${mailbox}-principal@fault.example.org` },
    contact: { name: `${name}联络员`, email: `${mailbox}@fault.example.org` },
    responsibleLeader: 'urban',
  });
  return definitionSchema.parse({
    id,
    title: '故障演练园区创建文明城市实施方案',
    office: {
      name: '故障演练园区创城办',
      documentPrefix: options.prefix ?? `演练${campaignSeq}创城`,
      email: 'office@fault.example.org',
      discipline: { name: '纪检监察室', email: 'jijian@fault.example.org' },
    },
    start: options.campaignStart ?? localDate(now, -30),
    end: localDate(now, 60),
    leaders: [
      { id: 'chief', role: 'groupLeader', name: '王组长', email: 'chief@fault.example.org' },
      { id: 'deputy', role: 'executiveDeputy', name: '李常务', email: 'deputy@fault.example.org' },
      { id: 'urban', role: 'responsibleLeader', name: '张副主任', email: 'urban@fault.example.org' },
    ],
    units: [unit('enforcement', '区综合执法分局', 'zf'), unit('utilities', '区公用事业局', 'gy')],
    tasks: Array.from({ length: options.tasks }, (_, i) => ({
      id: `t${String(i + 1).padStart(3, '0')}`,
      title: `整治任务${i + 1}`,
      description: '整治背街小巷乱堆乱放。',
      leadUnit: 'enforcement',
      cooperatingUnits: ['utilities'],
      start: options.lapsed ? localDate(now, -2) : localDate(now, -1),
      deadline: options.lapsed ? localDate(now, -1) : localDate(now, 30),
    })),
    escalation: IMMEDIATE_LADDER,
    cadences: options.cadences ?? {},
    ...(options.calendar ? { calendar: options.calendar } : {}),
  });
}

export function workflowIdsOf(def: CampaignDefinition): string[] {
  return [campaignWorkflowId(def.id), ...def.tasks.map((t) => taskWorkflowId(def.id, t.id))];
}

/** Ends a campaign's workflows so that nothing of it is left running. */
export async function terminateAll(client: Client, def: CampaignDefinition): Promise<void> {
  await Promise.all(
    workflowIdsOf(def).map((id) => client.workflow.getHandle(id).terminate('测试结束').catch(() => undefined)),
  );
}

/**
 * A minute-precise weekly check that comes due soon: the first whole minute at least leadMs from
 * now, in the zone, with a calendar that makes that day a working day (a 调休上班日 when it falls
 * on a weekend, and no holiday), so the check is not moved to the next working day.
 */
export function weeklyCheckSoon(now: Date, leadMs: number, zone = ZONE) {
  const at = DateTime.fromMillis(Math.ceil((now.getTime() + leadMs) / 60_000) * 60_000).setZone(zone);
  const date = at.toISODate()!;
  return {
    at: at.toJSDate(),
    date,
    weeklyCheck: { weekday: dayOfWeek(date), time: at.toFormat('HH:mm') },
    calendar: calendarWithWorkingDay(date),
  };
}

/** The bundled schedule of date's year, changed so that date is a working day. */
export function calendarWithWorkingDay(date: string): Record<string, CalendarYear> {
  const year = Number(date.slice(0, 4));
  const bundled = loadBundledCalendar().years[year];
  const holidays = (bundled?.holidays ?? []).flatMap(expandRange).filter((d) => d !== date);
  if (holidays.length === 0) holidays.push(date.endsWith('-01-01') ? `${year}-12-31` : `${year}-01-01`);
  const workdays = (bundled?.workdays ?? []).filter((d) => d !== date);
  if (dayOfWeek(date) >= 6) workdays.push(date);
  return { [String(year)]: { holidays, workdays: workdays.sort() } };
}

function expandRange(entry: string): string[] {
  const [from, to] = entry.split('..').map((s) => s.trim());
  if (!to) return [from];
  const out: string[] = [];
  for (let d = DateTime.fromISO(from); d.toISODate()! <= to && out.length < 400; d = d.plus({ days: 1 })) out.push(d.toISODate()!);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The audit: nothing lost, nothing doubled

export interface AuditResult {
  /** Notices about the campaign's tasks. */
  notices: number;
  /** The campaign's own notices (bulletins, digests), if any came due. */
  campaignNotices: number;
  /** Messages (a notice whose mail carries the lead unit's link has one per unit, and one for the rest). */
  mails: number;
  /** Mails the sink received more than once (same Message-ID: a retry after a lost answer). */
  redelivered: number;
  /** Outbox messages that took more than one attempt. */
  retried: number;
  maxAttempts: number;
  /** Document numbers per word, e.g. { 交办: 16, 通报: 16 }. */
  numbers: Record<string, number>;
}

/**
 * What a campaign's record and the mailbox hold, checked against what each task owes:
 * - every task has each owed notice exactly once (one per kind and rung), none else but reminders;
 * - every notice has its outbox messages (one, or one per unit when it carries the lead unit's link
 *   and a rest without a link), each sent, with its own Message-ID derived from the notice's key
 *   (the first one's from the key itself), no recipient in two of them; the sink holds one row per
 *   Message-ID, and a mail with a unit link reaches that unit's people only;
 * - document numbers run 1..n per prefix, word and year, and the counter stands at n (gapless);
 * - the event log has one `notice.<kind>` event per notice and one rung event per rung.
 * Returns the figures for the report. Assumes the database holds only this campaign's mail.
 */
export async function auditCampaign(db: Db, def: CampaignDefinition, owed: Record<string, string[]>): Promise<AuditResult> {
  const { expect } = await import('vitest');
  const { rows: notices } = await db.query<{ id: number; task_id: string | null; kind: string; rung: number | null; key: string; document_number: string }>(
    'SELECT n.id, n.task_id, n.kind, n.rung, n.key, n.document_number FROM notices n WHERE n.campaign_id = $1 ORDER BY n.id',
    [def.id],
  );
  const { rows: messages } = await db.query<{ notice_id: number; message_id: string; to_addresses: string[]; cc_addresses: string[]; status: string; attempts: number; last_error: string | null }>(
    `SELECT o.notice_id, o.message_id, o.to_addresses, o.cc_addresses, o.status, o.attempts, o.last_error
     FROM outbox o JOIN notices n ON n.id = o.notice_id WHERE n.campaign_id = $1 ORDER BY o.id`,
    [def.id],
  );
  // Owed notices, exactly once each.
  for (const task of def.tasks) {
    const mine = notices.filter((n) => n.task_id === task.id);
    const slots = mine.filter((n) => !/reminder/i.test(n.kind)).map((n) => `${n.kind}/${n.rung ?? 0}`);
    expect(new Set(slots).size, `任务 ${task.id} 的通知有重复：${slots.join(', ')}`).toBe(slots.length);
    expect(mine.filter((n) => !/reminder/i.test(n.kind)).map((n) => n.kind).sort(), `任务 ${task.id} 的通知`).toEqual(
      [...(owed[task.id] ?? [])].sort(),
    );
  }
  // Every notice's messages: the first under the key's Message-ID, the others under the key's
  // derivations (a unit's own, the rest's); each recipient once; all accepted by SMTP.
  const { messageIdFor } = await import('../../activities/notices.js');
  for (const n of notices) {
    const mine = messages.filter((m) => m.notice_id === n.id);
    expect(mine.length, `通知 ${n.document_number} 没有待发邮件`).toBeGreaterThan(0);
    expect(mine[0].message_id, `通知 ${n.document_number} 的 Message-ID`).toBe(messageIdFor(n.key));
    const derived = new Set([messageIdFor(`${n.key}/cc`), ...def.units.map((u) => messageIdFor(`${n.key}/unit/${u.id}`))]);
    for (const m of mine.slice(1)) expect(derived.has(m.message_id), `通知 ${n.document_number} 的另一封邮件 ${m.message_id}`).toBe(true);
    const addresses = mine.flatMap((m) => [...m.to_addresses, ...m.cc_addresses].map((a) => (JSON.parse(a) as { address: string }).address.toLowerCase()));
    expect(new Set(addresses).size, `通知 ${n.document_number} 的收件人各收一封`).toBe(addresses.length);
  }
  expect(messages.filter((m) => m.status !== 'sent').map((m) => `${notices.find((n) => n.id === m.notice_id)?.document_number}: ${m.status} ${m.last_error ?? ''}`)).toEqual([]);
  expect(messages.filter((m) => m.last_error !== null), '发送成功后 last_error 应已清空').toEqual([]);

  // The mailbox: one row per Message-ID, each message once; nothing that is not a notice.
  const { rows: strays } = await db.query<{ subject: string }>(
    'SELECT subject FROM mailbox m WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.message_id)',
  );
  expect(strays.map((m) => m.subject), '不属于任何通知的邮件').toEqual([]);
  const { rows: mails } = await db.query<{ message_id: string; deliveries: number; subject: string; envelope_to: string[]; text_body: string }>(
    'SELECT message_id, deliveries, subject, envelope_to, text_body FROM mailbox WHERE message_id = ANY ($1) ORDER BY id',
    [messages.map((m) => m.message_id)],
  );
  expect(mails.length, '邮件数 = 待发邮件数').toBe(messages.length);
  expect(new Set(mails.map((m) => m.message_id)).size, '每个 Message-ID 一行').toBe(mails.length);
  const numbersInSubjects = mails.map((m) => /【(.+?)】/.exec(m.subject)?.[1]).sort();
  expect(numbersInSubjects).toEqual(messages.map((m) => notices.find((n) => n.id === m.notice_id)!.document_number).sort());
  // A unit's link reaches that unit's people only (its contact and principal).
  for (const mail of mails) {
    for (const [, token] of mail.text_body.matchAll(/\/u\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)) {
      const unitId = (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as unknown[])[3];
      const unit = def.units.find((u) => u.id === unitId);
      const own = new Set(unit ? [unit.contact.email, unit.principal.email].map((a) => a.toLowerCase()) : []);
      expect(mail.envelope_to.filter((a) => !own.has(a.toLowerCase())), `${mail.subject} 中 ${String(unitId)} 的链接只发给该单位`).toEqual([]);
    }
  }

  // Document numbers: 1..n per word, and the counter at n.
  const byWord = new Map<string, number[]>();
  for (const n of notices) {
    const m = /^(.+?)〔(\d{4})〕(\d+)号$/.exec(n.document_number);
    expect(m, n.document_number).toBeTruthy();
    const key = `${m![1]}〔${m![2]}〕`;
    byWord.set(key, [...(byWord.get(key) ?? []), Number(m![3])]);
  }
  const { rows: counters } = await db.query<{ prefix: string; word: string; year: number; last_number: number }>(
    'SELECT prefix, word, year, last_number FROM document_sequences',
  );
  const numbers: Record<string, number> = {};
  for (const [key, list] of byWord) {
    list.sort((a, b) => a - b);
    expect(list, `${key} 文号应连续无缺号`).toEqual(Array.from({ length: list.length }, (_, i) => i + 1));
    const counter = counters.find((c) => key === `${c.prefix}${c.word}〔${c.year}〕`);
    expect(counter?.last_number, `${key} 计数器`).toBe(list.length);
    numbers[key] = list.length;
  }

  // The event log: one notice event per notice, one event per rung issued.
  const { rows: events } = await db.query<{ task_id: string; kind: string; n: number }>(
    'SELECT task_id, kind, count(*)::int AS n FROM task_events WHERE campaign_id = $1 GROUP BY task_id, kind',
    [def.id],
  );
  for (const task of def.tasks) {
    const count = (kind: string) => events.find((e) => e.task_id === task.id && e.kind === kind)?.n ?? 0;
    const mine = notices.filter((n) => n.task_id === task.id);
    for (const kind of new Set(mine.map((n) => n.kind))) {
      expect(count(`notice.${kind}`), `任务 ${task.id} 的 notice.${kind} 事件`).toBe(mine.filter((n) => n.kind === kind).length);
    }
    for (const kind of (owed[task.id] ?? []).filter((k) => k !== 'assignment')) {
      expect(count(kind), `任务 ${task.id} 的 ${kind} 事件`).toBe(1);
    }
    if ((owed[task.id] ?? []).includes('assignment')) expect(count('assigned'), `任务 ${task.id} 的 assigned 事件`).toBe(1);
  }

  return {
    notices: notices.filter((n) => n.task_id !== null).length,
    campaignNotices: notices.filter((n) => n.task_id === null).length,
    mails: mails.length,
    redelivered: mails.filter((m) => m.deliveries > 1).length,
    retried: messages.filter((m) => m.attempts > 1).length,
    maxAttempts: Math.max(0, ...messages.map((m) => m.attempts)),
    numbers,
  };
}

/**
 * A campaign's task notices so far: numbered, accepted by SMTP (every message of the notice sent),
 * and in the sink's mailbox (every message of the notice).
 */
export async function progressOf(db: Db, campaignId: string): Promise<{ issued: number; sent: number; mails: number }> {
  const { rows } = await db.query<{ issued: number; sent: number; mails: number }>(
    `SELECT count(*)::int AS issued, count(*) FILTER (WHERE per.sent)::int AS sent, count(*) FILTER (WHERE per.received)::int AS mails
     FROM notices n
     CROSS JOIN LATERAL (
       SELECT count(o.id) > 0 AND bool_and(o.status = 'sent') AS sent, count(o.id) > 0 AND bool_and(m.id IS NOT NULL) AS received
       FROM outbox o LEFT JOIN mailbox m ON m.message_id = o.message_id WHERE o.notice_id = n.id
     ) per
     WHERE n.campaign_id = $1 AND n.task_id IS NOT NULL`,
    [campaignId],
  );
  return rows[0];
}

/** Owed notices of every task of a lapsed campaign. */
export function lapsedOwed(def: CampaignDefinition): Record<string, string[]> {
  return Object.fromEntries(def.tasks.map((t) => [t.id, LAPSED_TASK_NOTICES]));
}

/**
 * A worker killed without warning leaves its activity attempts "started" on the server until
 * their start-to-close timeout (1 minute) lapses; Temporal then retries them on a live worker.
 * An operator can fail them at once (`temporal activity fail`); tests do so to stay short.
 */
export async function failAttemptsOf(client: Client, workflowIds: string[], identity: string): Promise<number> {
  let failed = 0;
  for (const workflowId of workflowIds) {
    const description = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
    for (const pending of description?.raw.pendingActivities ?? []) {
      if (pending.lastWorkerIdentity !== identity || !pending.activityId) continue;
      await client.activity
        .fail({ workflowId, runId: description!.runId, activityId: pending.activityId }, new Error('工作进程被强制终止'))
        .then(() => failed++)
        .catch(() => undefined); // finished meanwhile
    }
  }
  return failed;
}

/**
 * A campaign whose weekly check (每周检查, campaign digest and each task's reminder) comes due
 * at the first whole minute at least leadMs from now; its tasks are assigned at once and due in a
 * month, so the check is the only timer in sight.
 */
export function campaignWithCheckSoon(tasks: number, leadMs: number, now = new Date()) {
  const check = weeklyCheckSoon(now, leadMs);
  const def = faultCampaign({
    tasks,
    lapsed: false,
    now,
    calendar: check.calendar,
    cadences: { weeklyCheck: check.weeklyCheck },
    campaignStart: DateTime.fromISO(check.date).minus({ days: 1 }).toISODate()!,
  });
  return { def, check };
}

/** The weekly-check notices of a campaign: the units' reminders and the campaign's own digest. */
export async function checkNotices(db: Db, campaignId: string) {
  const { rows } = await db.query<{ task_id: string | null; unit_id: string | null; kind: string; issued_at: Date; status: string; created_at: Date }>(
    `SELECT n.task_id, n.unit_id, n.kind, n.issued_at,
            CASE WHEN bool_and(o.status = 'sent') THEN 'sent' ELSE min(o.status) FILTER (WHERE o.status <> 'sent') END AS status,
            min(o.created_at) AS created_at
     FROM notices n JOIN outbox o ON o.notice_id = n.id
     WHERE n.campaign_id = $1 AND n.kind <> 'assignment' GROUP BY n.id ORDER BY n.id`,
    [campaignId],
  );
  return rows;
}

/** The tasks whose record shows a 催办 (each unit's weekly reminder lists its silent tasks). */
export async function remindedTasks(db: Db, campaignId: string): Promise<string[]> {
  const { rows } = await db.query<{ task_id: string }>(
    `SELECT DISTINCT task_id FROM task_events WHERE campaign_id = $1 AND kind = 'notice.reminder' ORDER BY task_id`,
    [campaignId],
  );
  return rows.map((r) => r.task_id);
}

/** Waits until the campaign has its weekly 催办 (and check) planned at `at` (it then waits on that timer). */
export async function waitForCheckPlanned(client: Client, def: CampaignDefinition, at: Date, timeoutMs = 30_000): Promise<void> {
  const { campaignStateQuery } = await import('../../workflows/messages.js');
  await until(
    async () => {
      const state = await client.workflow.getHandle(campaignWorkflowId(def.id)).query(campaignStateQuery);
      return ['unitReminders', 'weeklyCheck'].every((k) => state.nextCadences[k] !== undefined && Date.parse(state.nextCadences[k]) === at.getTime());
    },
    `创建活动的每周催办和检查定在 ${at.toISOString()}`,
    timeoutMs,
  );
}
