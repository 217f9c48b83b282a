// A worker dies (SIGKILL) in the middle of an escalation; another takes over. Every notice owed is
// sent once, none twice, and the document numbers stay gapless.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampaign } from '../../client/campaigns.js';
import type { CampaignDefinition } from '../../domain/definition.js';
import {
  auditCampaign,
  describeWorker,
  failAttemptsOf,
  faultCampaign,
  LAPSED_TASK_NOTICES,
  lapsedOwed,
  launchHealthyWorker,
  Mail,
  progressOf,
  startDrill,
  stopDrill,
  stopWorker,
  suiteDatabase,
  TemporalServer,
  terminateAll,
  until,
  workflowIdsOf,
  type Drill,
} from './support.js';

const TASKS = 16;

/** True when some workflow of the campaign has an activity attempt running on the worker `identity`. */
async function startedOn(identity: string, def: CampaignDefinition): Promise<boolean> {
  const descriptions = await Promise.all(
    workflowIdsOf(def).map((id) => clientOf.client.workflow.getHandle(id).describe().catch(() => undefined)),
  );
  return descriptions.some((d) =>
    // state 2: PENDING_ACTIVITY_STATE_STARTED
    (d?.raw.pendingActivities ?? []).some((p) => p.lastWorkerIdentity === identity && Number(p.state) === 2),
  );
}

let dir: Drill['dir'];
let temporal: TemporalServer;
let clientOf: Drill['clientOf'];
let bundlePath: string;

beforeAll(async () => {
  ({ dir, temporal, clientOf, bundlePath } = await startDrill('kill'));
});

afterAll(() => stopDrill({ dir, temporal, clientOf }));

describe('faults: a worker killed mid-escalation', () => {
  it('SIGKILL while the ladder climbs: another worker sends every owed notice once, numbers gapless', { timeout: 180_000 }, async () => {
    const database = await suiteDatabase();
    const mail = await Mail.start(database.db);
    const target = { temporal, databaseUrl: database.url, smtpUrl: mail.url, bundlePath };
    const def = faultCampaign({ tasks: TASKS, lapsed: true });
    const total = TASKS * LAPSED_TASK_NOTICES.length;
    try {
      const a = await launchHealthyWorker(target);
      const started = Date.now();
      await startCampaign(clientOf.client, def);

      // Mid-escalation: some rung notices are out, many are still owed.
      await until(
        async () => {
          const { rows } = await database.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM notices n JOIN outbox o ON o.notice_id = n.id
             WHERE n.campaign_id = $1 AND n.kind <> 'assignment' AND o.status = 'sent'`,
            [def.id],
          );
          return rows[0].n >= 2;
        },
        () => `工作进程 A 发出督办层级通知\n${describeWorker(a)}`,
        60_000,
        25,
      );
      // Preferably while A is running an activity (a notice half sent), if one is seen within 3 seconds.
      const identity = a.identity()!;
      await until(() => startedOn(identity, def), 'A 正在执行的活动', 3_000, 20).catch(() => undefined);
      a.child.kill('SIGKILL');
      expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const atKill = await progressOf(database.db, def.id);
      const killedAt = (Date.now() - started) / 1000;
      expect(atKill.sent, '杀死时仍有通知未发').toBeLessThan(total);

      // Another worker; what A held is failed over at once instead of after its 1-minute timeout.
      const b = await launchHealthyWorker(target);
      const failedOver = await failAttemptsOf(clientOf.client, workflowIdsOf(def), identity);
      const takenOverAt = (Date.now() - started) / 1000;
      await until(
        async () => {
          const p = await progressOf(database.db, def.id);
          return p.sent === total && p.mails === total;
        },
        async () => `全部 ${total} 份通知送达：${JSON.stringify(await progressOf(database.db, def.id))}\n${describeWorker(b)}`,
        120_000,
      );
      const elapsed = (Date.now() - started) / 1000;
      // Nothing more arrives afterwards (a late duplicate would show here).
      await new Promise((r) => setTimeout(r, 1_500));
      const audit = await auditCampaign(database.db, def, lapsedOwed(def));
      expect(audit.notices).toBe(total);
      console.info(
        `[faults/worker-kill] ${TASKS} 项任务 × ${LAPSED_TASK_NOTICES.length} 份通知 = ${total}；` +
          `SIGKILL 时已发 ${atKill.sent}、已编号 ${atKill.issued}；接管后 ${failedOver} 个进行中的活动转交；` +
          `邮件 ${audit.mails} 封（同一 Message-ID 重投 ${audit.redelivered} 次）；文号 ${JSON.stringify(audit.numbers)}；第 ${killedAt.toFixed(1)} 秒杀死，第 ${takenOverAt.toFixed(1)} 秒接管，第 ${elapsed.toFixed(1)} 秒全部送达`,
      );
      await stopWorker(b);
    } finally {
      await terminateAll(clientOf.client, def);
      await mail.stop();
      await database.drop();
    }
  });
});
