// PostgreSQL restarts (fast shutdown: sessions cut, open transactions rolled back) while the
// ladder's notices are being numbered, stored and sent. Activities fail and are retried; no
// event or notice is lost or doubled and the numbers stay gapless.
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
  OwnPostgres,
  progressOf,
  sleep,
  startDrill,
  stopDrill,
  stopWorker,
  TemporalServer,
  terminateAll,
  until,
  type Drill,
} from './support.js';

const TASKS = 12;
const DOWN_MS = 4_000;

let dir: Drill['dir'];
let temporal: TemporalServer;
let clientOf: Drill['clientOf'];
let bundlePath: string;
let postgres: OwnPostgres;

beforeAll(async () => {
  ({ dir, temporal, clientOf, bundlePath } = await startDrill('pg'));
  postgres = await OwnPostgres.start(`${dir.dir}/postgres`);
});

afterAll(() => stopDrill({ dir, temporal, clientOf }, async () => postgres?.close()));

describe('faults: PostgreSQL restarted under load', () => {
  it('stop and start on the same data folder and port mid-escalation: retried, nothing lost or doubled', { timeout: 180_000 }, async () => {
    const mail = await Mail.start(postgres.db);
    const def = faultCampaign({ tasks: TASKS, lapsed: true });
    const total = TASKS * LAPSED_TASK_NOTICES.length;
    try {
      const worker = await launchHealthyWorker({ temporal, databaseUrl: postgres.url, smtpUrl: mail.url, bundlePath });
      const started = Date.now();
      await startCampaign(clientOf.client, def);

      await until(async () => (await progressOf(postgres.db, def.id)).sent >= 8, () => `8 份通知送达\n${describeWorker(worker)}`, 60_000, 25);
      const before = await progressOf(postgres.db, def.id);
      const failedBefore = worker.logs.filter((l) => /Activity failed|activity.*fail/i.test(l.msg)).length;
      await postgres.stop();
      const stoppedAt = (Date.now() - started) / 1000;
      await sleep(DOWN_MS);
      await postgres.start();
      const restartedAt = (Date.now() - started) / 1000;

      await until(
        async () => {
          const p = await progressOf(postgres.db, def.id);
          return p.sent === total && p.mails === total;
        },
        async () => `重启后全部 ${total} 份通知送达：${JSON.stringify(await progressOf(postgres.db, def.id).catch((e) => String(e)))}\n${describeWorker(worker)}`,
        120_000,
      );
      const elapsed = (Date.now() - started) / 1000;
      await sleep(1_000);
      const audit = await auditCampaign(postgres.db, def, lapsedOwed(def));
      expect(audit.notices).toBe(total);
      const failedActivities = worker.logs.filter((l) => /Activity failed|activity.*fail/i.test(l.msg)).length - failedBefore;
      expect(failedActivities, '数据库停机期间应有活动失败并重试').toBeGreaterThan(0);
      expect(worker.child.exitCode, '工作进程挺过了数据库重启').toBeNull();
      console.info(
        `[faults/postgres-restart] ${TASKS} 项任务 ${total} 份通知；已发 ${before.sent} 份时第 ${stoppedAt.toFixed(1)} 秒停库，` +
          `停 ${DOWN_MS / 1000} 秒，第 ${restartedAt.toFixed(1)} 秒恢复；期间 ${failedActivities} 次活动失败后重试；` +
          `第 ${elapsed.toFixed(1)} 秒全部送达，邮件 ${audit.mails} 封（同一 Message-ID 重投 ${audit.redelivered} 次），文号无缺号无重号`,
      );
      await stopWorker(worker);
    } finally {
      await terminateAll(clientOf.client, def);
      await mail.stop();
    }
  });
});
