// SMTP is away for a while: first nothing listens (connection refused), then a server answers
// every connection with 421 (service not available), then the sink is back. Notices wait in the
// outbox, the activity retries with backoff, every attempt is counted with its error, and after
// recovery everything is delivered once.
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampaign } from '../../client/campaigns.js';
import {
  auditCampaign,
  describeWorker,
  faultCampaign,
  LAPSED_TASK_NOTICES,
  lapsedOwed,
  launchHealthyWorker,
  Mail,
  progressOf,
  sleep,
  startDrill,
  stopDrill,
  stopWorker,
  suiteDatabase,
  TemporalServer,
  terminateAll,
  until,
  type Drill,
} from './support.js';

const TASKS = 6;

let dir: Drill['dir'];
let temporal: TemporalServer;
let clientOf: Drill['clientOf'];
let bundlePath: string;

beforeAll(async () => {
  ({ dir, temporal, clientOf, bundlePath } = await startDrill('smtp'));
});

afterAll(() => stopDrill({ dir, temporal, clientOf }));

/** An SMTP server that answers every connection with 421 and hangs up. */
async function start421(port: number): Promise<{ connections: () => number; stop(): Promise<void> }> {
  let connections = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    onConnect(_session, callback) {
      connections++;
      callback(Object.assign(new Error('4.3.2 服务暂不可用，请稍后重试（演练）'), { responseCode: 421 }));
    },
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(250);
    }
  }
  server.on('error', () => {});
  return { connections: () => connections, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface OutboxRow {
  notice_id: number;
  message_id: string;
  kind: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

async function outboxOf(db: import('../../db/pool.js').Db, campaignId: string): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `SELECT o.notice_id, o.message_id, n.kind, o.status, o.attempts, o.last_error FROM outbox o JOIN notices n ON n.id = o.notice_id
     WHERE n.campaign_id = $1 ORDER BY o.id`,
    [campaignId],
  );
  return rows;
}

describe('faults: SMTP refuses, then recovers', () => {
  it('refused connections and 421 answers are retried with backoff; after recovery each notice is delivered once', { timeout: 180_000 }, async () => {
    const database = await suiteDatabase();
    const mail = await Mail.start(database.db, { listening: false });
    const def = faultCampaign({ tasks: TASKS, lapsed: true });
    const total = TASKS * LAPSED_TASK_NOTICES.length;
    let refusing: Awaited<ReturnType<typeof start421>> | undefined;
    try {
      const worker = await launchHealthyWorker({ temporal, databaseUrl: database.url, smtpUrl: mail.url, bundlePath });
      const started = Date.now();
      await startCampaign(clientOf.client, def);

      // 1. Nothing listens: each assignment is numbered and waits in the outbox, its attempts counted.
      const refused = await until(
        async () => {
          const rows = await outboxOf(database.db, def.id);
          // One notice per task; the lead unit's message and the cooperating unit's, each tried.
          return new Set(rows.map((r) => r.notice_id)).size === TASKS && rows.every((r) => r.status === 'failed' && r.attempts >= 2 && r.last_error) && rows;
        },
        async () => `每份交办通知至少两次连接被拒：${JSON.stringify(await outboxOf(database.db, def.id))}\n${describeWorker(worker)}`,
        60_000,
      );
      expect([...new Set(refused.map((r) => r.kind))]).toEqual(['assignment']);
      expect(refused.every((r) => /ECONNREFUSED|connect/i.test(r.last_error!)), JSON.stringify(refused)).toBe(true);
      // While SMTP is away the ladder waits: no rung is issued before its assignment went out.
      expect((await progressOf(database.db, def.id)).issued).toBe(TASKS);

      // 2. A server that answers 421 on the same port.
      refusing = await start421(mail.port);
      const answered421 = await until(
        async () => {
          const rows = await outboxOf(database.db, def.id);
          // An SMTP answer 421, not a refused connection to a port that happens to contain "421".
          return rows.every((r) => /(^|\D)421(\D|$)/.test(r.last_error ?? '') && !/ECONNREFUSED/.test(r.last_error ?? '')) && rows;
        },
        async () => `每份交办通知收到 421：${JSON.stringify(await outboxOf(database.db, def.id))}`,
        60_000,
      );
      const connections421 = refusing.connections();
      expect(connections421).toBeGreaterThanOrEqual(1);
      const outageSeconds = (Date.now() - started) / 1000;
      await refusing.stop();
      refusing = undefined;

      // 3. The sink is back on the same port: everything owed goes out, once.
      await mail.start();
      await until(
        async () => {
          const p = await progressOf(database.db, def.id);
          return p.sent === total && p.mails === total;
        },
        async () => `恢复后全部 ${total} 份通知送达：${JSON.stringify(await progressOf(database.db, def.id))}\n${describeWorker(worker)}`,
        90_000,
      );
      const elapsed = (Date.now() - started) / 1000;
      await sleep(1_000);
      const audit = await auditCampaign(database.db, def, lapsedOwed(def));
      expect(audit.notices).toBe(total);
      const after = await outboxOf(database.db, def.id);
      const assignments = after.filter((r) => r.kind === 'assignment');
      // The attempts stay on record; the error is cleared once SMTP accepted the message.
      expect(assignments.every((r) => r.attempts >= 3 && r.status === 'sent' && r.last_error === null)).toBe(true);
      expect(after.filter((r) => r.kind !== 'assignment').every((r) => r.attempts === 1)).toBe(true);
      expect(audit.redelivered, '拒收的邮件从未被接收，不会重复').toBe(0);

      const metrics = await fetch(worker.metricsUrl).then((r) => r.text());
      const failures = Number(/^chuangwen_smtp_failures_total (\d+)/m.exec(metrics)?.[1] ?? NaN);
      expect(failures).toBeGreaterThanOrEqual(TASKS * 3 - 1);
      console.info(
        `[faults/smtp-outage] ${TASKS} 项任务 ${total} 份通知；SMTP 中断 ${outageSeconds.toFixed(1)} 秒（先拒绝连接，再 421 ${connections421} 次）；` +
          `SMTP 失败 ${failures} 次，交办通知每份尝试 ${Math.min(...assignments.map((r) => r.attempts))}–${Math.max(...assignments.map((r) => r.attempts))} 次；` +
          `恢复后第 ${elapsed.toFixed(1)} 秒全部送达，邮件 ${audit.mails} 封，无重复；421 阶段的错误：${answered421[0].last_error}`,
      );
      await stopWorker(worker);
    } finally {
      await refusing?.stop();
      await terminateAll(clientOf.client, def);
      await mail.stop();
      await database.drop();
    }
  });
});
