// Records the workflow histories that test/workflows/replay.test.ts replays: every path of a task
// (and one campaign), run on the time-skipping server with real PostgreSQL and SMTP, written as
// test/histories/<name>.json. Re-record after a deliberate change of workflow behaviour (and use
// patched() instead once workflows run in production):
//
//   npx tsx test/histories/record.ts            (DATABASE_URL, else an embedded PostgreSQL)
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateStage, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from './json.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { runUpdate, startCampaign, taskHandle } from '../../client/campaigns.js';
import { dispatchInspection, pointsChanged } from '../../client/inspections.js';
import { insertCampaign } from '../../db/campaigns.js';
import { inspectionWorkflowId } from '../../domain/ids.js';
import { importInspection } from '../../services/inspections.js';
import { answerPoint, recheckPoint } from '../../services/point-actions.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { freePort } from '../../stack/ports.js';
import { startEmbeddedPostgres } from '../../stack/postgres.js';
import { startSimulation, type Simulation } from '../../stack/simulation.js';
import { resolveTestServer } from '../../stack/temporal-binaries.js';
import {
  acknowledgeUpdate,
  decideExtensionUpdate,
  delegateUpdate,
  reassignUpdate,
  recordRefusalUpdate,
  reportDelegationUpdate,
  reportProgressUpdate,
  requestExtensionUpdate,
  submitEvidenceUpdate,
  taskStateQuery,
  verifyUpdate,
  withdrawUpdate,
} from '../../workflows/messages.js';
import { definitionSchema } from '../../domain/definition.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { closeTask, DAY, endOf, holdNotices, ladderDefinition, startTask, waitForBlockedNotice, waitForEvent } from '../workflows/helpers.js';

const OUT = fileURLToPath(new URL('./', import.meta.url));

/** The workflows a scenario leaves: a list (one file, or -campaign and -task), or files by suffix. */
type Scenario = (sim: Simulation) => Promise<WorkflowHandle[] | Record<string, WorkflowHandle>>;

const sleepUntil = async (sim: Simulation, ms: number) => {
  const now = (await sim.now()).getTime();
  if (ms > now) await sim.env.sleep(ms - now);
};

const scenarios: Record<string, Scenario> = {
  /** assigned → acknowledged → progress → interim and final evidence → failed verification → evidence → closed */
  'lifecycle-closed': async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 20 });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement', by: '郑丽' });
    await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '已清理背街小巷12处。' });
    await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'dataTable', text: '整治台账', interim: true });
    await sim.env.sleep(7 * DAY);
    await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: '整改完成。' });
    await runUpdate(task, verifyUpdate, { passed: false, reasons: ['仍有堆放杂物'] });
    await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'photo', text: '已补充照片。' });
    await runUpdate(task, verifyUpdate, { passed: true });
    return [task];
  },
  /** No acknowledgement: 催办 with 领办逾期, weekly reminders, then closed. */
  'acknowledgement-lapse': async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 20 });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await sim.env.sleep(8 * DAY);
    await waitForEvent(task, 'acknowledgementOverdue');
    await closeTask(task);
    return [task];
  },
  /** The whole default ladder: 逾期通报, 督办函, 约谈, 追责, then closed. */
  'ladder-full': async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 2 });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    await sim.env.sleep(40 * DAY);
    await waitForEvent(task, 'accountabilityReferral');
    await closeTask(task);
    return [task];
  },
  /** Evidence waiting for verification holds the climb; a failed verification after the deadline climbs at once. */
  'ladder-waits-for-verification': async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 2 });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: '已完成整改。' });
    await sleepUntil(sim, endOf(def.tasks[0].deadline) + 2 * DAY);
    await runUpdate(task, verifyUpdate, { passed: false, comment: '现场仍有占道经营' });
    await waitForEvent(task, 'overdue');
    await closeTask(task);
    return [task];
  },
  /** Extension approved (deadline moved), the next refused, then the overdue notice at the new deadline. */
  extensions: async (sim) => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 5 });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    await runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '雨季施工受阻', until: shanghaiDate(today, 15) });
    await runUpdate(task, decideExtensionUpdate, { approved: true, comment: '同意' });
    await runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '仍需三个工作日', workingDays: 3 });
    await runUpdate(task, decideExtensionUpdate, { approved: false, comment: '不予延期' });
    await sleepUntil(sim, endOf(shanghaiDate(today, 15)) + DAY);
    await waitForEvent(task, 'overdue');
    await closeTask(task);
    return [task];
  },
  /** Reassigned to another unit, which acknowledges and closes it. */
  reassignment: async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 10 });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    await runUpdate(task, reassignUpdate, { unitId: 'utilities', reason: '职责调整' });
    await closeTask(task, 'utilities');
    return [task];
  },
  /** Withdrawn: the workflow ends. */
  withdrawal: async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 3 });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, withdrawUpdate, { reason: '纳入市政改造项目' });
    return [task];
  },
  /** An enterprise refuses: 全园区通报 and 约谈 of its principal; then it complies. */
  'enterprise-refusal': async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 10, leadUnit: 'tourism' });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'tourism' });
    await runUpdate(task, recordRefusalUpdate, { reason: '企业拒不整改' });
    await waitForEvent(task, 'interview');
    await closeTask(task, 'tourism');
    return [task];
  },
  /** A media complaint starts at the 督办函 and climbs to 约谈 before it is closed. */
  complaint: async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 30 });
    const task = await startTask(sim, def, { complaint: { source: 'media', summary: '背街小巷垃圾堆积，经电视台曝光' } });
    await waitForEvent(task, 'assigned');
    await sim.env.sleep(10 * DAY);
    await waitForEvent(task, 'interview');
    await closeTask(task);
    return [task];
  },
  /** SMTP fails after accepting the assignment: the activity retries, one notice. */
  'smtp-failure': async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 10 });
    sim.sink.failAfterStoring(1);
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await closeTask(task);
    return [task];
  },
  /** Two extension requests at once while the office's reply holds the turn: one pending, the other refused in its turn. */
  'one-action-at-a-time': async (sim) => {
    const today = await sim.now();
    const def = ladderDefinition({ today, deadlineInDays: 10 });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    await runUpdate(task, requestExtensionUpdate, { unitId: 'enforcement', reason: '雨季施工受阻', until: shanghaiDate(today, 15) });
    const lock = await holdNotices(sim.db);
    const updates = [];
    try {
      updates.push(await task.startUpdate(decideExtensionUpdate, { args: [{ approved: false, comment: '不予延期' }], waitForStage: WorkflowUpdateStage.ACCEPTED }));
      await waitForBlockedNotice(sim.db);
      for (const reason of ['材料采购延误', '施工队伍不足']) {
        const arg = { unitId: 'enforcement', reason, workingDays: 3 };
        updates.push(await task.startUpdate(requestExtensionUpdate, { args: [arg], waitForStage: WorkflowUpdateStage.ACCEPTED }));
      }
    } finally {
      await lock.release();
    }
    await Promise.allSettled(updates.map((u) => u.result()));
    await runUpdate(task, decideExtensionUpdate, { approved: true });
    await closeTask(task);
    return [task];
  },
  /** A day's quota of progress reports (the next refused by the validator), the next day's first, then closed. */
  'reports-per-day': async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 20 });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    for (let i = 1; i <= 20; i++) await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: `第${i}次进展` });
    await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '再报一次' }).catch(() => undefined);
    await runUpdate(task, submitEvidenceUpdate, { unitId: 'enforcement', form: 'report', text: '阶段性说明', interim: true });
    await sim.env.sleep(DAY);
    await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '次日进展' });
    await closeTask(task);
    return [task];
  },
  /** Reports over three days with a small history limit: the task continues as new twice or more, then escalates and is closed. */
  'continued-as-new': async (sim) => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 5 });
    const task = await startTask(sim, def, { historyLimit: 150 });
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    const runs: string[] = [];
    const seen = async () => {
      const { runId } = await task.describe();
      if (!runs.includes(runId)) runs.push(runId);
    };
    await seen();
    for (let day = 0; day < 3; day++) {
      for (let i = 1; i <= 20; i++) {
        await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: `第${day + 1}天第${i}次进展` });
        await seen();
      }
      await sim.env.sleep(DAY);
      await seen();
    }
    await sleepUntil(sim, endOf(def.tasks[0].deadline) + DAY);
    await waitForEvent(task, 'overdue');
    await closeTask(task);
    await seen();
    return Object.fromEntries(runs.map((runId, i) => [`run${i + 1}`, sim.env.client.workflow.getHandle(task.workflowId, runId)]));
  },
  /**
   * 转办 (patch delegation-to-sub-units): two parts handed to a sub-unit, one reported done, the other
   * past its due date in the task's weekly 催办; a reassignment ends it; closed by the new lead unit.
   */
  delegation: async (sim) => {
    const today = await sim.now();
    const base = ladderDefinition({ today, deadlineInDays: 30 });
    const def = definitionSchema.parse({
      ...base,
      units: [
        ...base.units,
        {
          id: 'squad',
          name: '执法一中队',
          parent: 'enforcement',
          principal: { name: '一中队队长', email: 'zd-principal@test.example.org' },
          contact: { name: '一中队内勤', email: 'zd@test.example.org' },
        },
      ],
    });
    const task = await startTask(sim, def);
    await waitForEvent(task, 'assigned');
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    await runUpdate(task, delegateUpdate, { unitId: 'enforcement', subUnitId: 'squad', part: '夜间巡查占道经营', due: shanghaiDate(today, 2), by: '周敏' });
    await runUpdate(task, delegateUpdate, { unitId: 'enforcement', subUnitId: 'squad', part: '清理广告牌匾', due: shanghaiDate(today, 5) });
    await runUpdate(task, reportDelegationUpdate, { unitId: 'squad', seq: 1, text: '已巡查两次' });
    await runUpdate(task, reportDelegationUpdate, { unitId: 'squad', seq: 2, text: '已清理完毕', done: true, by: '陈芳' });
    await sim.env.sleep(9 * DAY);
    await waitFor(async () => (await task.query(taskStateQuery)).notices.some((n) => n.kind === 'reminder'), 'a weekly reminder');
    await runUpdate(task, reassignUpdate, { unitId: 'utilities', reason: '职能调整' });
    await closeTask(task, 'utilities');
    return [task];
  },
  /** A campaign with one task and its cadences, the task closed, the campaign run to its end. */
  campaign: async (sim) => {
    const today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 60),
      tasks: [{ id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) }],
      cadences: { weeklyCheck: {}, monthlyBulletin: {}, dispatch: { office: 'weekly', leaders: 'monthly' } },
    });
    const campaign = await startCampaign(sim.env.client, def);
    const task = taskHandle(sim.env.client, def.id, 'lanes');
    await waitFor(async () => (await task.describe().catch(() => undefined)) !== undefined, 'task started');
    await waitForEvent(task, 'assigned');
    await closeTask(task);
    // Past the end date: the campaign closes itself out.
    await sim.env.sleep(65 * 24 * 3600_000);
    await waitFor(async () => (await campaign.describe()).status.name === 'COMPLETED', 'campaign completed');
    return [campaign, task];
  },
  /** A task assigned, reported on twice (its timer kept: patch one-timer-per-wake) and closed. */
  'one-timer-per-wake': async (sim) => {
    const today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 60),
      tasks: [{ id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) }],
    });
    await startCampaign(sim.env.client, def);
    const task = taskHandle(sim.env.client, def.id, 'lanes');
    await waitFor(async () => (await task.describe().catch(() => undefined)) !== undefined, 'task started');
    await waitForEvent(task, 'assigned');
    // Two reports that leave the wake time where it was: the task keeps its timer (patch one-timer-per-wake).
    await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '已清理两处乱堆乱放' });
    await runUpdate(task, reportProgressUpdate, { unitId: 'enforcement', text: '已完成一半路段' });
    await closeTask(task);
    return [task];
  },
  /**
   * A campaign that runs its plan's rules (patch run-the-plans-rules): a weekly check to the group
   * leader, the monthly spot check, weekly patrol reminders; its task closed, run to its end.
   */
  'plan-rules': async (sim) => {
    const today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 60),
      tasks: [{ id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) }],
      cadences: {
        weeklyCheck: { recipients: { to: ['leaders.groupLeader'], cc: ['office'] } },
        monthlyCheck: { day: 20, method: '暗访' },
        routinePatrol: { frequency: 'weekly', weekday: 3 },
      },
    });
    const campaign = await startCampaign(sim.env.client, def);
    const task = taskHandle(sim.env.client, def.id, 'lanes');
    await waitFor(async () => (await task.describe().catch(() => undefined)) !== undefined, 'task started');
    await waitForEvent(task, 'assigned');
    await closeTask(task);
    await sim.env.sleep(65 * 24 * 3600_000);
    await waitFor(async () => (await campaign.describe()).status.name === 'COMPLETED', 'campaign completed');
    return [campaign];
  },
  /**
   * The weekly 催办 once per unit (patch one-reminder-per-unit): two silent tasks of one unit, three
   * weekly checks; the campaign and one of its tasks (no weekly timer of its own).
   */
  'unit-reminders': async (sim) => {
    const today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 25),
      tasks: [
        { id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) },
        { id: 'signs', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 22) },
      ],
    });
    const campaign = await startCampaign(sim.env.client, def);
    const task = taskHandle(sim.env.client, def.id, 'lanes');
    await waitFor(async () => (await task.describe().catch(() => undefined)) !== undefined, 'task started');
    await waitForEvent(task, 'assigned');
    await sim.env.sleep(30 * 24 * 3600_000);
    await waitFor(async () => (await campaign.describe()).status.name === 'COMPLETED', 'campaign completed');
    return [campaign, task];
  },
  /**
   * Rung notices once per unit and day (patch rung-notices-per-unit-day): two tasks of one unit
   * lapse together and share one 逾期通报 and one 督办函; both are then closed. One file per task
   * (the one that opened each batch and sent it, and the one that joined it).
   */
  'rung-notices-per-unit-day': async (sim) => {
    const today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 40),
      tasks: ['lanes', 'signs'].map((id) => ({ id, start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 2), cooperatingUnits: [] })),
    });
    await startCampaign(sim.env.client, def);
    const tasks = { lanes: taskHandle(sim.env.client, def.id, 'lanes'), signs: taskHandle(sim.env.client, def.id, 'signs') };
    for (const task of Object.values(tasks)) {
      await waitFor(async () => (await task.describe().catch(() => undefined)) !== undefined, 'task started');
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
    }
    await sim.env.sleep(12 * DAY);
    for (const task of Object.values(tasks)) {
      await waitForEvent(task, 'supervisionLetter');
      await closeTask(task);
    }
    return tasks;
  },
  /**
   * An inspection's clock (InspectionWorkflow): two points imported and sent (one 交办 per unit), the
   * 立行立改 one lapses into a 逾期通报, then both are answered and pass their re-check: it ends.
   */
  inspection: async (sim) => {
    const today = await sim.now();
    const def = testDefinition({ start: shanghaiDate(today, -1), end: shanghaiDate(today, 60), tasks: [] });
    await insertCampaign(sim.db, def);
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('问题清单');
    sheet.addRow(['序号', '点位', '问题描述', '责任单位', '整改时限']);
    sheet.addRow([1, '北海大道东段', '乱停车', '区综合执法分局', '立行立改']);
    sheet.addRow([2, '长青路农贸市场', '占道经营', '区公用事业局', '一般']);
    const { inspectionId } = await importInspection(sim.db, {
      campaignId: def.id,
      kind: 'patrol',
      heldOn: shanghaiDate(today),
      createdBy: '赵明',
      now: today,
      list: { fileName: '巡查.xlsx', data: Buffer.from(await book.xlsx.writeBuffer()) },
    });
    await dispatchInspection(sim.env.client, def.id, inspectionId);
    const handle = sim.env.client.workflow.getHandle(inspectionWorkflowId(def.id, inspectionId));
    await waitFor(async () => (await sim.db.query("SELECT 1 FROM notices WHERE campaign_id = $1 AND kind = 'pointDispatch'", [def.id])).rowCount === 2, 'points sent');
    await sim.env.sleep(2 * DAY);
    await waitFor(async () => (await sim.db.query("SELECT 1 FROM notices WHERE campaign_id = $1 AND kind = 'overdue'", [def.id])).rowCount === 1, 'lapse notified');
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3c3' } }).jpeg().toBuffer();
    const { rows } = await sim.db.query<{ id: number; unit_id: string }>('SELECT id::int, unit_id FROM inspection_points WHERE inspection_id = $1', [inspectionId]);
    for (const point of rows) {
      const now = await sim.now();
      await answerPoint(sim.db, { campaignId: def.id, unitId: point.unit_id, pointId: point.id, by: '联络员', photos: [{ fileName: 'after.jpg', data: photo }], now });
      await recheckPoint(sim.db, { campaignId: def.id, pointId: point.id, by: '赵明', pass: true, now });
    }
    await pointsChanged(sim.env.client, def.id, inspectionId);
    await handle.result();
    return [handle];
  },
};

async function main() {
  const only = process.argv.slice(2);
  await resolveTestServer();
  let serverUrl = process.env.DATABASE_URL;
  let stopPg: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!serverUrl) {
    dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-histories-'));
    await chmod(dir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
    serverUrl = server.url;
    stopPg = server.stop;
  }
  const name = `histories_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createPool(url.toString());
  await migrate(db);
  const sim = await startSimulation({ db });
  try {
    await sim.withWorker(async () => {
      for (const [scenario, run] of Object.entries(scenarios)) {
        if (only.length && !only.includes(scenario)) continue;
        const result = await run(sim);
        const named = Array.isArray(result)
          ? result.map((handle, i) => [`${scenario}${result.length > 1 ? `-${i === 0 ? 'campaign' : 'task'}` : ''}`, handle] as const)
          : Object.entries(result).map(([suffix, handle]) => [`${scenario}-${suffix}`, handle] as const);
        for (const [name, handle] of named) {
          const history = await handle.fetchHistory();
          const file = path.join(OUT, `${name}.json`);
          await writeFile(file, historyToJSON(history) + '\n');
          console.log(`${path.relative(process.cwd(), file)}: ${history.events?.length ?? 0} events`);
        }
      }
    });
  } finally {
    await sim.stop();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await stopPg?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

await main();
