// Outages that a timer must outlive. The weekly check (the unit's 催办 for its silent tasks and the
// campaign's digest, minute-precise) is set to come due while something is down:
// - the Temporal server stops and starts again on its persistent SQLite database: the timer fires
//   once after it returns, and the worker rides out the outage;
// - the whole stack goes down (worker, SMTP, Temporal, PostgreSQL, in that order) while another
//   campaign's ladder is climbing: when it comes back, the lapsed check is honoured and the climb
//   resumes, every owed notice once, numbers gapless.
// Both run side by side: each waits for a whole minute to pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampaign } from '../../client/campaigns.js';
import {
  auditCampaign,
  campaignWithCheckSoon,
  checkNotices,
  connectClient,
  describeWorker,
  faultCampaign,
  killAllWorkers,
  lapsedOwed,
  launchHealthyWorker,
  LAPSED_TASK_NOTICES,
  Mail,
  OwnPostgres,
  progressOf,
  sleep,
  stopWorker,
  suiteDatabase,
  tempDir,
  TemporalServer,
  terminateAll,
  until,
  remindedTasks,
  waitForCheckPlanned,
  writeBundle,
} from './support.js';

const RESTART_TASKS = 3;
const CHECK_TASKS = 2;
const LADDER_TASKS = 6;

let dir: Awaited<ReturnType<typeof tempDir>>;
let bundlePath: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = await tempDir('outage');
  bundlePath = await writeBundle(dir.dir);
});

afterAll(async () => {
  await killAllWorkers();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await dir?.remove();
});

describe('faults: outages across a due timer', () => {
  it.concurrent('Temporal restarted: a timer that came due while the server was down fires once after it returns', { timeout: 240_000 }, async () => {
    const temporal = await TemporalServer.start(`${dir.dir}/temporal-restart`);
    cleanups.push(() => temporal.stop());
    const clientOf = await connectClient(temporal);
    cleanups.push(() => clientOf.connection.close());
    const database = await suiteDatabase();
    const mail = await Mail.start(database.db);
    const worker = await launchHealthyWorker({ temporal, databaseUrl: database.url, smtpUrl: mail.url, bundlePath });
    const { def, check } = campaignWithCheckSoon(RESTART_TASKS, 20_000);
    try {
      const started = Date.now();
      await startCampaign(clientOf.client, def);
      await until(
        async () => (await progressOf(database.db, def.id)).sent === RESTART_TASKS,
        () => `${RESTART_TASKS} 份交办通知送达\n${describeWorker(worker)}`,
        20_000,
      );
      await waitForCheckPlanned(clientOf.client, def, check.at);
      expect(await checkNotices(database.db, def.id), '检查时点之前没有催办').toEqual([]);

      // Down before the check comes due, up again after it.
      expect(check.at.getTime() - Date.now(), '停机时检查时点尚未到来').toBeGreaterThan(3_000);
      await temporal.stop();
      const stoppedAt = Date.now();
      await sleep(check.at.getTime() + 5_000 - Date.now());
      expect(await checkNotices(database.db, def.id), 'Temporal 停机期间什么也没有发生').toEqual([]);
      await temporal.start();
      const restartedAt = Date.now();

      // The unit's 催办 (all its tasks in one) and the campaign's weekly digest, once each.
      const fired = await until(
        async () => {
          const rows = await checkNotices(database.db, def.id);
          return rows.length >= 2 && rows.every((r) => r.status === 'sent') && rows;
        },
        async () => `恢复后发出催办：${JSON.stringify(await checkNotices(database.db, def.id))}\n${describeWorker(worker)}`,
        60_000,
      );
      const firedAfter = (Math.max(...fired.map((r) => r.created_at.getTime())) - restartedAt) / 1000;
      await sleep(2_000);
      const rows = await checkNotices(database.db, def.id);
      expect(rows.map((r) => [r.kind, r.unit_id]).sort(), '单位的催办和创建活动的每周检查情况').toEqual([
        ['reminder', 'enforcement'],
        ['weeklyCheck', null],
      ]);
      expect(await remindedTasks(database.db, def.id), '每项任务的记录都有这份催办').toEqual(def.tasks.map((t) => t.id));
      for (const r of rows) {
        expect(r.issued_at.getTime(), '在检查时点之后发出').toBeGreaterThanOrEqual(check.at.getTime());
        expect(r.created_at.getTime(), '在 Temporal 恢复之后发出').toBeGreaterThanOrEqual(restartedAt - 1_000);
      }
      const owed = Object.fromEntries(def.tasks.map((t) => [t.id, ['assignment']]));
      const audit = await auditCampaign(database.db, def, owed);
      expect(audit.notices).toBe(RESTART_TASKS);
      expect(worker.child.exitCode, '工作进程挺过了 Temporal 停机').toBeNull();
      console.info(
        `[faults/temporal-restart] Temporal 停机 ${((restartedAt - stoppedAt) / 1000).toFixed(1)} 秒，` +
          `检查时点在停机后第 ${((check.at.getTime() - stoppedAt) / 1000).toFixed(1)} 秒到来；恢复后 ${firedAfter.toFixed(1)} 秒内发出 ` +
          `1 份催办（${RESTART_TASKS} 项任务）和 1 份每周检查情况，各一次；工作进程未重启；全程 ${((Date.now() - started) / 1000).toFixed(1)} 秒`,
      );
    } finally {
      await stopWorker(worker);
      await terminateAll(clientOf.client, def);
      await mail.stop();
      await database.drop();
    }
  });

  it.concurrent('whole stack down: a check that came due while everything was down is honoured; a climb cut short resumes, nothing doubled', { timeout: 240_000 }, async () => {
    const [temporal, postgres] = await Promise.all([
      TemporalServer.start(`${dir.dir}/stack-temporal`),
      OwnPostgres.start(`${dir.dir}/stack-postgres`),
    ]);
    cleanups.push(() => temporal.stop(), () => postgres.close());
    const clientOf = await connectClient(temporal);
    cleanups.push(() => clientOf.connection.close());
    const mail = await Mail.start(postgres.db);
    const target = { temporal, databaseUrl: postgres.url, smtpUrl: mail.url, bundlePath };
    const first = await launchHealthyWorker(target);
    const { def: checked, check } = campaignWithCheckSoon(CHECK_TASKS, 25_000);
    const lapsed = faultCampaign({ tasks: LADDER_TASKS, lapsed: true });
    const ladderTotal = LADDER_TASKS * LAPSED_TASK_NOTICES.length;
    try {
      const started = Date.now();
      await startCampaign(clientOf.client, checked);
      await until(async () => (await progressOf(postgres.db, checked.id)).sent === CHECK_TASKS, () => `交办通知送达\n${describeWorker(first)}`, 20_000);
      await waitForCheckPlanned(clientOf.client, checked, check.at);

      // The ladder starts climbing; mid-way, everything goes down.
      await startCampaign(clientOf.client, lapsed);
      await until(
        async () => {
          const { rows } = await postgres.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM notices WHERE campaign_id = $1 AND kind <> 'assignment'`,
            [lapsed.id],
          );
          return rows[0].n >= 1;
        },
        () => `督办层级开始\n${describeWorker(first)}`,
        // On a slow machine, go down without waiting for it rather than miss the check's time.
        Math.max(check.at.getTime() - Date.now() - 12_000, 500),
        25,
      ).catch(() => undefined);
      await stopWorker(first);
      const atShutdown = await progressOf(postgres.db, lapsed.id);
      await mail.stop();
      await temporal.stop();
      await postgres.stop();
      const downAt = Date.now();
      expect(check.at.getTime() - downAt, '全部停机时检查时点尚未到来').toBeGreaterThan(1_000);
      expect(atShutdown.sent, '停机时督办尚未走完').toBeLessThan(ladderTotal);
      expect(Date.now(), '停机过程在检查时点之前完成').toBeLessThan(check.at.getTime());

      await sleep(check.at.getTime() + 5_000 - Date.now());

      await postgres.start();
      await temporal.start();
      await mail.start();
      const second = await launchHealthyWorker(target);
      const upAt = Date.now();

      await until(
        async () => {
          const ladder = await progressOf(postgres.db, lapsed.id);
          const reminders = (await checkNotices(postgres.db, checked.id)).filter((r) => r.kind === 'reminder' && r.status === 'sent');
          return ladder.sent === ladderTotal && ladder.mails === ladderTotal && reminders.length === 1;
        },
        async () =>
          `恢复后：督办 ${JSON.stringify(await progressOf(postgres.db, lapsed.id))}，检查 ${JSON.stringify(await checkNotices(postgres.db, checked.id))}\n${describeWorker(second)}`,
        90_000,
      );
      const caughtUp = (Date.now() - upAt) / 1000;
      await sleep(2_000);

      const rows = await checkNotices(postgres.db, checked.id);
      expect(rows.filter((r) => r.kind === 'reminder').map((r) => r.unit_id)).toEqual(['enforcement']);
      expect(await remindedTasks(postgres.db, checked.id)).toEqual(checked.tasks.map((t) => t.id));
      for (const r of rows) {
        expect(r.issued_at.getTime()).toBeGreaterThanOrEqual(check.at.getTime());
        expect(r.created_at.getTime(), '在恢复之后发出').toBeGreaterThanOrEqual(upAt - 15_000);
      }
      const checkedAudit = await auditCampaign(postgres.db, checked, Object.fromEntries(checked.tasks.map((t) => [t.id, ['assignment']])));
      const ladderAudit = await auditCampaign(postgres.db, lapsed, lapsedOwed(lapsed));
      expect(ladderAudit.notices).toBe(ladderTotal);
      console.info(
        `[faults/stack-outage] 全部停机 ${((upAt - downAt) / 1000).toFixed(1)} 秒（检查时点在停机后第 ${((check.at.getTime() - downAt) / 1000).toFixed(1)} 秒到来）；` +
          `停机时督办已发 ${atShutdown.sent}/${ladderTotal}；恢复后 ${caughtUp.toFixed(1)} 秒内补发完毕：1 份催办（${CHECK_TASKS} 项任务）、` +
          `${checkedAudit.campaignNotices} 份每周检查情况、其余督办通知；邮件 ${checkedAudit.mails + ladderAudit.mails} 封，重投 ${ladderAudit.redelivered} 次；` +
          `全程 ${((Date.now() - started) / 1000).toFixed(1)} 秒`,
      );
      await stopWorker(second);
    } finally {
      await terminateAll(clientOf.client, checked);
      await terminateAll(clientOf.client, lapsed);
      await mail.stop();
    }
  });
});
