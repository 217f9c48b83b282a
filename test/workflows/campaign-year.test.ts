// A campaign's whole year on the time-skipping server, modelled on the Beihai plan
// (examples/beihai-2021.yaml: its units, its eight actions trimmed to six, its last-place rules,
// and the seven cadences the seed plans together prescribe), moved into 2035: no holiday schedule for 2035, so working
// days are Monday–Friday and every count below is worked out by hand. 2035-01-01 is a Monday.
//
// Then the hand-over: a campaign that continues as new at every wake-up keeps its phase, its
// assessment rounds, the last-place streaks (last before and after a hand-over: 约谈, not a second
// 通报批评) and its added tasks, and issues every cadence notice once.
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { WorkflowBundle } from '@temporalio/worker';
import { campaignHandle, runUpdate, startCampaign, taskHandle } from '../../client/campaigns.js';
import { performanceForYear } from '../../db/reports.js';
import { parseDefinition } from '../../domain/definition-yaml.js';
import { definitionSchema, type CampaignDefinition } from '../../domain/definition.js';
import { assessmentWorkflowId, campaignWorkflowId, TASK_QUEUE } from '../../domain/ids.js';
import type { EvidenceForm } from '../../domain/task-state.js';
import { startSimulation, type Simulation } from '../../stack/simulation.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { CampaignWorkflow } from '../../workflows/campaign.js';
import {
  acknowledgeUpdate,
  addTaskUpdate,
  campaignStateQuery,
  enterScoresUpdate,
  reportProgressUpdate,
  submitEvidenceUpdate,
  verifyUpdate,
} from '../../workflows/messages.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { SEED_CADENCES, uniqueId, ZONE } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';

let database: TestDatabase;
let bundle: WorkflowBundle;
let sim: Simulation;

beforeAll(async () => {
  database = await createTestDatabase();
  bundle = await bundleWorkflows();
});
// Each test its own time-skipping server: the clock of one cannot go back to 2035 for the next.
beforeEach(async () => {
  sim = await startSimulation({ db: database.db, workflowBundle: bundle });
});
afterEach(async () => {
  await sim?.stop();
});
afterAll(async () => {
  await database?.drop();
});

// ---------------------------------------------------------------------------------------------
// The plan, trimmed and moved into 2035

const PU = 'public-utilities'; // 区公用事业局: answers, reports its materials every month, closes on time
const LE = 'law-enforcement'; // 区综合执法分局: lets the signboards action lapse, climbs the ladder
const PS = 'public-security'; // 盖州市公安局北海综合管理大队: never answers
const PM = 'party-mass-work'; // 区党群工作部: answers and closes on time, no monthly materials
const UNITS = [PU, LE, PS, PM];

/** The Beihai actions kept, with their 2035 deadlines (all start on 2035-01-01). */
const DEADLINES: Record<string, string> = {
  'resettlement-estates': '2035-12-14', // PU
  'signboards-and-boxes': '2035-02-28', // LE
  'street-vending': '2035-06-15', // LE
  'traffic-order': '2035-04-30', // PS
  'clean-homeland': '2035-08-31', // PM
  'door-to-door': '2035-10-31', // PM
};

const beihai = parseDefinition(readFileSync(new URL('../../examples/beihai-2021.yaml', import.meta.url), 'utf8'), 'examples/beihai-2021.yaml');

function beihai2035(options: {
  end: string;
  prefix: string;
  phases: { name: string; start: string; end: string }[];
  tasks: string[];
  cadences?: Record<string, unknown>;
}): CampaignDefinition {
  return definitionSchema.parse({
    ...beihai,
    id: uniqueId('beihai'),
    // Document numbers run per prefix, word and year: each campaign its own, so numbers can be read.
    office: { ...beihai.office, documentPrefix: options.prefix },
    start: '2035-01-01',
    end: options.end,
    units: beihai.units.filter((u) => UNITS.includes(u.id)),
    tasks: beihai.tasks
      .filter((t) => options.tasks.includes(t.id))
      .map((t) => ({
        ...t,
        start: '2035-01-01',
        deadline: DEADLINES[t.id],
        cooperatingUnits: t.cooperatingUnits.filter((u) => UNITS.includes(u)),
      })),
    phases: options.phases,
    // The seven cadences the seed plans together prescribe; the rules of last place are Beihai's.
    cadences: options.cadences ?? SEED_CADENCES,
  });
}

// ---------------------------------------------------------------------------------------------
// Driving the simulated clock and the units

/** Epoch ms of a local time in Shanghai, '2035-03-02T10:00'. */
const local = (at: string) => DateTime.fromISO(at, { zone: ZONE }).toMillis();
const shanghai = (at: Date) => DateTime.fromJSDate(at).setZone(ZONE).toFormat("yyyy-MM-dd'T'HH:mm");

async function sleepUntil(at: string): Promise<void> {
  const ms = local(at) - (await sim.env.currentTimeMs());
  // Actions at the same minute run one after another: the clock moves on a little with each.
  if (ms < -60_000) throw new Error(`the simulated clock is already past ${at}`);
  if (ms > 0) await sim.env.sleep(ms);
}

function unitActions(def: CampaignDefinition) {
  const task = (taskId: string) => taskHandle(sim.env.client, def.id, taskId);
  const leadOf = (taskId: string) => def.tasks.find((t) => t.id === taskId)!.leadUnit;
  return {
    ack: (taskId: string) => runUpdate(task(taskId), acknowledgeUpdate, { unitId: leadOf(taskId) }),
    report: (taskId: string, text: string) => runUpdate(task(taskId), reportProgressUpdate, { unitId: leadOf(taskId), text }),
    /** 每月定时报送: the four forms, as 阶段性材料 on an open task. */
    materials: async (taskId: string) => {
      for (const form of ['document', 'photo', 'report', 'dataTable'] as EvidenceForm[]) {
        await runUpdate(task(taskId), submitEvidenceUpdate, { unitId: leadOf(taskId), form, text: '本月创建材料。', interim: true });
      }
    },
    evidence: (taskId: string) =>
      runUpdate(task(taskId), submitEvidenceUpdate, { unitId: leadOf(taskId), form: 'report', text: '整改情况说明：已按交办要求完成整改。' }),
    verify: (taskId: string, passed: boolean, comment?: string) =>
      runUpdate(task(taskId), verifyUpdate, { passed, comment, by: '区创城办' }),
    /** 实地测评 scores for a round whose window is open. */
    scores: (round: number, scores: Record<string, number>) =>
      sim.env.client.workflow.getHandle(assessmentWorkflowId(def.id, round)).executeUpdate(enterScoresUpdate, {
        args: [{ assessor: '区创城办测评组', scores: Object.entries(scores).map(([unitId, score]) => ({ unitId, item: '实地测评', score })) }],
      }),
  };
}

/** Runs [local time, action] pairs in time order, the clock skipping in between. */
async function play(script: [string, () => Promise<unknown>][]): Promise<void> {
  for (const [at, action] of [...script].sort((a, b) => local(a[0]) - local(b[0]))) {
    await sleepUntil(at);
    await action();
  }
}

async function completed(handle: WorkflowHandle) {
  await waitFor(async () => (await handle.describe()).status.name === 'COMPLETED', `${handle.workflowId} to complete`, 60_000);
}

// ---------------------------------------------------------------------------------------------
// Reading the record

/**
 * The campaign's own notices (no task), by kind; the units' weekly 催办 apart (their count follows
 * the scripted answers week by week; test/workflows/unit-reminders.test.ts counts them by hand).
 */
async function campaignNotices(campaignId: string): Promise<Record<string, number>> {
  const { rows } = await database.db.query<{ kind: string; n: number }>(
    `SELECT kind, count(*)::int AS n FROM notices WHERE campaign_id = $1 AND task_id IS NULL AND kind <> 'reminder' GROUP BY kind`,
    [campaignId],
  );
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

/** Checks at which a unit got more than one 催办: none, whatever the number of its silent tasks. */
async function doubledReminders(campaignId: string): Promise<unknown[]> {
  const { rows } = await database.db.query(
    `SELECT unit_id, issued_at, count(*)::int AS n FROM notices WHERE campaign_id = $1 AND kind = 'reminder'
     GROUP BY unit_id, issued_at HAVING count(*) > 1`,
    [campaignId],
  );
  return rows;
}

/** 调度 per audience: the title names it (创建办 / 分管领导 / 主要领导工作调度（…）). */
async function dispatchesByAudience(campaignId: string): Promise<Record<string, number>> {
  const { rows } = await database.db.query<{ audience: string; n: number }>(
    `SELECT split_part(title, '工作调度', 1) AS audience, count(*)::int AS n FROM notices
     WHERE campaign_id = $1 AND kind = 'dispatch' GROUP BY 1`,
    [campaignId],
  );
  return Object.fromEntries(rows.map((r) => [r.audience, r.n]));
}

/** Local issue times ('yyyy-MM-ddTHH:mm') of a kind of notice, in order. */
async function issued(campaignId: string, kind: string, where = 'TRUE'): Promise<string[]> {
  const { rows } = await database.db.query<{ issued_at: Date }>(
    `SELECT issued_at FROM notices WHERE campaign_id = $1 AND kind = $2 AND ${where} ORDER BY issued_at, id`,
    [campaignId, kind],
  );
  return rows.map((r) => shanghai(r.issued_at));
}

/** Each round's ranking and consequences: [round, unit, score, rank, last, consequence]. */
async function rounds(campaignId: string) {
  const { rows } = await database.db.query<{ round: number; unit_id: string; score: number; rank: number; consequence: string | null }>(
    `SELECT round, unit_id, score::float8 AS score, rank, consequence FROM assessment_scores
     WHERE campaign_id = $1 ORDER BY round, rank, unit_id`,
    [campaignId],
  );
  return rows.map((r) => [r.round, r.unit_id, r.score, r.rank, r.consequence]);
}

/** Every local date of one weekday (1 = Monday) in [from, to]. */
function weekdays(weekday: number, from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = DateTime.fromISO(from); d <= DateTime.fromISO(to); d = d.plus({ days: 1 })) {
    if (d.weekday === weekday) dates.push(d.toISODate()!);
  }
  return dates;
}

// ---------------------------------------------------------------------------------------------

describe('CampaignWorkflow over a year', () => {
  it('runs the Beihai plan through 2035: every cadence, five assessment rounds and the last-place ladder, the year-end ledger', { timeout: 300_000 }, async () => {
    const def = beihai2035({
      end: '2035-12-31',
      prefix: '北海年度',
      tasks: Object.keys(DEADLINES),
      phases: [
        { name: '规划部署启动', start: '2035-01-01', end: '2035-02-28' },
        { name: '深入推进攻坚克难', start: '2035-03-01', end: '2035-09-30' },
        { name: '巩固成果积极备检', start: '2035-10-01', end: '2035-12-31' },
      ],
    });
    expect(Object.keys(def.cadences!)).toHaveLength(7);
    expect(def.assessment?.lastPlace?.action).toBe('criticismNotice');
    const u = unitActions(def);

    // Scores entered while each round's window is open (5 working days from the round's day).
    //  round 1 opens Thu Mar 1 09:00 (window to Mar 8), round 2 Tue May 1 (to May 8),
    //  round 3 Mon Jul 2 (Jul 1 is a Sunday; to Jul 9), round 4 Mon Sep 3 (Sep 1 is a Saturday; to Sep 10),
    //  round 5 Thu Nov 1: nothing entered, every score computed from the record.
    const script: [string, () => Promise<unknown>][] = [
      ['2035-01-01T10:00', () => u.ack('resettlement-estates')],
      ['2035-01-01T10:00', () => u.ack('clean-homeland')],
      ['2035-01-02T10:00', () => u.ack('signboards-and-boxes')],
      ['2035-01-02T10:00', () => u.ack('street-vending')],
      ['2035-01-02T10:00', () => u.ack('door-to-door')],
      ['2035-01-08T10:00', () => u.report('signboards-and-boxes', '已拆除违法户外广告 12 处。')],
      ['2035-02-05T10:00', () => u.report('street-vending', '“门前三包”责任书签订率提升到 80%。')],
      // 区综合执法分局 says nothing more about the signboards: the deadline of Feb 28 lapses.
      ['2035-03-02T10:00', () => u.scores(1, { [PU]: 95, [PM]: 90, [PS]: 80, [LE]: 70 })],
      ['2035-05-02T10:00', () => u.scores(2, { [PU]: 94, [PM]: 88, [PS]: 75, [LE]: 72 })],
      ['2035-06-01T10:00', () => u.evidence('street-vending')],
      ['2035-06-04T10:00', () => u.verify('street-vending', false, '现场核查：农贸市场周边仍有占道经营。')],
      ['2035-06-11T10:00', () => u.evidence('street-vending')],
      ['2035-06-12T10:00', () => u.verify('street-vending', true)],
      ['2035-07-03T10:00', () => u.scores(3, { [PU]: 96, [PM]: 90, [PS]: 78, [LE]: 74 })],
      ['2035-08-20T10:00', () => u.evidence('clean-homeland')],
      ['2035-08-21T10:00', () => u.verify('clean-homeland', true)],
      ['2035-09-04T10:00', () => u.scores(4, { [PU]: 95, [PM]: 90, [LE]: 85, [PS]: 76 })],
      ['2035-10-15T10:00', () => u.evidence('door-to-door')],
      ['2035-10-16T10:00', () => u.verify('door-to-door', true)],
      ['2035-12-12T10:00', () => u.evidence('resettlement-estates')],
      ['2035-12-12T10:00', () => u.verify('resettlement-estates', true)],
    ];
    // 区公用事业局's monthly materials, all four forms on the 10th of every month.
    for (let month = 1; month <= 12; month++) {
      script.push([`2035-${String(month).padStart(2, '0')}-10T10:00`, () => u.materials('resettlement-estates')]);
    }

    const handle = await sim.withWorker(async () => {
      const handle = await startCampaign(sim.env.client, def);
      await play(script);
      // Past the end (2035-12-31 24:00): the campaign closes out its open tasks and sums up.
      await sleepUntil('2036-01-01T01:00');
      await completed(handle);
      const state = await handle.query(campaignStateQuery);
      expect(state.phase?.name).toBe('巩固成果积极备检');
      expect(state.assessmentRounds).toBe(5);
      expect(state.lastPlaceStreaks).toEqual({ [LE]: 1, [PS]: 2 });
      return handle;
    });
    // One run: the year's history (about 3,300 events) stays well under the hand-over threshold of 10,000.
    const firstRun = await sim.env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
    expect(firstRun.status.name).toBe('COMPLETED');

    // By hand, 2035-01-01 00:00 to 2035-12-31 24:00, Monday–Friday; a date on a weekend moves to Monday.
    //  每周一检查, Mondays 09:00: 2035 starts and ends on a Monday, 365 days = 52 weeks + 1 day → 53
    //  Reports due on the first morning (Jan 1 09:00) would cover nine hours of nothing: they are skipped, and
    //  the next of each covers from the start.
    //  每月一通报, the 1st 09:00: Feb … Dec → 11 (Apr 1, Jul 1 are Sundays → Apr 2, Jul 2; Sep 1, Dec 1 Saturdays → Sep 3, Dec 3)
    //  调度: 创建办 weekly on Fridays, Jan 5 … Dec 28 → 52; 分管领导 half-monthly on the 1st and 16th, but Jan 1 → 23
    //        (Jun 16 a Saturday → Jun 18, Sep 16 and Dec 16 Sundays → 17th); 主要领导 monthly on the 1st, Feb … Dec → 11; 86 in all
    //  每季一调度 on the first working day of Apr, Jul, Oct: Apr 2, Jul 2, Oct 1 → 3
    //  半年一小结 Jul 2 → 1
    //  每月报送 on the 25th 17:00 (Feb 25, Mar 25, Nov 25 Sundays and Aug 25 a Saturday → Monday): a reminder to each unit
    //        missing a form since the last one. 区公用事业局 sends all four by the 10th; the other three never do → 3 × 12 = 36
    //  每两月实地测评 from a whole period after the start, months 3, 5, 7, 9, 11: Mar 1, May 1, Jul 2, Sep 3, Nov 1 → 5 results
    //  last place: round 1 区综合执法分局 通报批评, round 2 again 约谈, round 3 again 追责; round 4 盖州市公安局北海综合管理大队
    //        通报批评 (区综合执法分局's streak ends); round 5 (computed) both tie last: 区综合执法分局 通报批评 again,
    //        the police 约谈 → 3 通报批评, 2 约谈, 1 追责
    //  phases Jan 1, Mar 1, Oct 1 → 3; the closing summary → 1
    expect(await doubledReminders(def.id)).toEqual([]);
    expect(await campaignNotices(def.id)).toEqual({
      weeklyCheck: 53,
      monthlyBulletin: 11,
      dispatch: 86,
      quarterlyDispatch: 3,
      halfYearSummary: 1,
      materialsReminder: 36,
      assessmentResult: 5,
      criticism: 3,
      interview: 2,
      accountabilityReferral: 1,
      phaseStart: 3,
      closingSummary: 1,
    });
    expect(await dispatchesByAudience(def.id)).toEqual({ 创建办: 52, 分管领导: 23, 主要领导: 11 });

    // Dates on a weekend moved to the following Monday.
    expect(await issued(def.id, 'monthlyBulletin')).toEqual([
      '2035-02-01T09:00', '2035-03-01T09:00', '2035-04-02T09:00', '2035-05-01T09:00', '2035-06-01T09:00',
      '2035-07-02T09:00', '2035-08-01T09:00', '2035-09-03T09:00', '2035-10-01T09:00', '2035-11-01T09:00', '2035-12-03T09:00',
    ]);
    // The first bulletin covers January from the campaign's start.
    const { rows: [firstBulletin] } = await database.db.query<{ title: string }>(
      `SELECT title FROM notices WHERE campaign_id = $1 AND kind = 'monthlyBulletin' ORDER BY issued_at LIMIT 1`,
      [def.id],
    );
    expect(firstBulletin.title).toBe('2035年1月创建工作通报');
    expect(await issued(def.id, 'quarterlyDispatch')).toEqual(['2035-04-02T09:00', '2035-07-02T09:00', '2035-10-01T09:00']);
    expect(await issued(def.id, 'halfYearSummary')).toEqual(['2035-07-02T09:00']);
    expect(await issued(def.id, 'materialsReminder', `unit_id = '${LE}'`)).toEqual([
      '2035-01-25T17:00', '2035-02-26T17:00', '2035-03-26T17:00', '2035-04-25T17:00', '2035-05-25T17:00', '2035-06-25T17:00',
      '2035-07-25T17:00', '2035-08-27T17:00', '2035-09-25T17:00', '2035-10-25T17:00', '2035-11-26T17:00', '2035-12-25T17:00',
    ]);
    expect(await issued(def.id, 'weeklyCheck')).toEqual(weekdays(1, '2035-01-01', '2035-12-31').map((d) => `${d}T09:00`));
    expect(await issued(def.id, 'dispatch', `title LIKE '创建办%'`)).toEqual(weekdays(5, '2035-01-01', '2035-12-31').map((d) => `${d}T09:00`));
    expect(await issued(def.id, 'dispatch', `title LIKE '分管领导%'`)).toEqual(
      ['01-16', '02-01', '02-16', '03-01', '03-16', '04-02', '04-16', '05-01', '05-16', '06-01', '06-18',
       '07-02', '07-16', '08-01', '08-16', '09-03', '09-17', '10-01', '10-16', '11-01', '11-16', '12-03', '12-17'].map((d) => `2035-${d}T09:00`),
    );
    expect(await issued(def.id, 'phaseStart')).toEqual(['2035-01-01T09:00', '2035-03-01T09:00', '2035-10-01T09:00']);
    // Results when each window closes: the 5th working day after the round's day, at its end.
    expect(await issued(def.id, 'assessmentResult')).toEqual([
      '2035-03-09T00:00', '2035-05-09T00:00', '2035-07-10T00:00', '2035-09-11T00:00', '2035-11-09T00:00',
    ]);
    const { rows: periods } = await database.db.query<{ round: number; period_start: string; period_end: string }>(
      `SELECT round, to_char(period_start, 'YYYY-MM-DD') AS period_start, to_char(period_end, 'YYYY-MM-DD') AS period_end
       FROM assessment_rounds WHERE campaign_id = $1 ORDER BY round`,
      [def.id],
    );
    // A round runs from the last one's day to the day before its own, moved days included.
    expect(periods.map((p) => [p.round, p.period_start, p.period_end])).toEqual([
      [1, '2035-01-01', '2035-02-28'],
      [2, '2035-03-01', '2035-04-30'],
      [3, '2035-05-01', '2035-07-01'],
      [4, '2035-07-02', '2035-09-02'],
      [5, '2035-09-03', '2035-10-31'],
    ]);

    // The rounds. Round 5, computed (period Sep 3 – Oct 31):
    //  区公用事业局 100: nothing due or overdue, its 8 forms (Sep, Oct) on time
    //  区党群工作部 82.5: door-to-door closed on time; 1 of 8 forms on time (Oct 15's report) → −20 × 7/8
    //  区综合执法分局 60 and the police 60: an open task overdue all period (59 days × 0.5, capped −20), no forms (−20)
    expect(await rounds(def.id)).toEqual([
      [1, PU, 95, 1, null], [1, PM, 90, 2, null], [1, PS, 80, 3, null], [1, LE, 70, 4, 'criticism'],
      [2, PU, 94, 1, null], [2, PM, 88, 2, null], [2, PS, 75, 3, null], [2, LE, 72, 4, 'interview'],
      [3, PU, 96, 1, null], [3, PM, 90, 2, null], [3, PS, 78, 3, null], [3, LE, 74, 4, 'accountability'],
      [4, PU, 95, 1, null], [4, PM, 90, 2, null], [4, LE, 85, 3, null], [4, PS, 76, 4, 'criticism'],
      [5, PU, 100, 1, null], [5, PM, 82.5, 2, null], [5, LE, 60, 3, 'criticism'], [5, PS, 60, 3, 'interview'],
    ]);
    const { rows: consequences } = await database.db.query<{ kind: string; unit_id: string; title: string; to: string[] }>(
      `SELECT kind, unit_id, title, recipients -> 'to' AS to FROM notices
       WHERE campaign_id = $1 AND task_id IS NULL AND kind IN ('criticism', 'interview', 'accountabilityReferral') ORDER BY issued_at, id`,
      [def.id],
    );
    expect(consequences.map((c) => [c.kind, c.unit_id, c.title])).toEqual([
      ['criticism', LE, '关于对区综合执法分局予以通报批评的通报'],
      ['interview', LE, '关于约谈区综合执法分局主要负责人的通知'],
      ['accountabilityReferral', LE, '关于建议追究区综合执法分局相关人员责任的函'],
      ['criticism', PS, '关于对盖州市公安局北海综合管理大队予以通报批评的通报'],
      ['criticism', LE, '关于对区综合执法分局予以通报批评的通报'],
      ['interview', PS, '关于约谈盖州市公安局北海综合管理大队主要负责人的通知'],
    ]);
    expect(consequences[1].to).toEqual(['wutao@beihai.example.org']); // the unit's principal is summoned
    expect(consequences[2].to).toEqual(['jijian@beihai.example.org']); // 追责: to the discipline office

    // The tasks' own ladders. Signboards (deadline Wed Feb 28): 逾期通报 when it ends (Mar 1 00:00); 督办函 3 working
    // days after that notice's day (Mar 2, 5, 6 → Mar 7 00:00) with 5 days to rectify (Mar 8, 9, 12, 13, 14); 约谈 when
    // those lapse (Mar 15 00:00), 5 more days (Mar 16, 19, 20, 21, 22); 追责 Mar 23 00:00. Traffic order (never
    // acknowledged: 领办逾期 when Jan 2 ends; deadline Mon Apr 30): May 1; May 2, 3, 4 → May 5; May 7–11 → May 12;
    // May 14–18 → May 19.
    const ladder = async (taskId: string) => {
      const { rows } = await database.db.query<{ kind: string; issued_at: Date }>(
        `SELECT kind, issued_at FROM notices WHERE campaign_id = $1 AND task_id = $2
         AND kind IN ('acknowledgementReminder', 'overdue', 'supervisionLetter', 'interview', 'accountabilityReferral') ORDER BY issued_at`,
        [def.id, taskId],
      );
      return rows.map((r) => `${r.kind} ${shanghai(r.issued_at)}`);
    };
    expect(await ladder('signboards-and-boxes')).toEqual([
      'overdue 2035-03-01T00:00',
      'supervisionLetter 2035-03-07T00:00',
      'interview 2035-03-15T00:00',
      'accountabilityReferral 2035-03-23T00:00',
    ]);
    expect(await ladder('traffic-order')).toEqual([
      'acknowledgementReminder 2035-01-03T00:00',
      'overdue 2035-05-01T00:00',
      'supervisionLetter 2035-05-05T00:00',
      'interview 2035-05-12T00:00',
      'accountabilityReferral 2035-05-19T00:00',
    ]);
    const { rows: tasks } = await database.db.query<{ id: string; status: string }>(
      'SELECT id, status FROM tasks WHERE campaign_id = $1 ORDER BY id',
      [def.id],
    );
    expect(Object.fromEntries(tasks.map((t) => [t.id, t.status]))).toEqual({
      'clean-homeland': 'closed',
      'door-to-door': 'closed',
      'resettlement-estates': 'closed',
      'signboards-and-boxes': 'withdrawn', // still open at the end: closed out
      'street-vending': 'closed',
      'traffic-order': 'withdrawn',
    });

    // 年终绩效 = mean of the five rounds + the ledger (materials: −0.5 per form not in by the check, 3 working
    // days after the due day; 逾期通报 −2; 领办逾期 −0.5; 通报批评 −1, 约谈 −2, 追责 −3):
    //  区综合执法分局 (70+72+74+85+60)/5 = 72.2; 47 late forms (June's report came in) −23.5, 逾期通报 −2,
    //      −1 −2 −3 −1 → −32.5 in 52 entries → 39.7
    //  盖州市公安局北海综合管理大队 (80+75+78+76+60)/5 = 73.8; 48 forms −24, −0.5, −2, −1 −2 → −29.5 in 52 → 44.3
    //  区党群工作部 (90+88+90+90+82.5)/5 = 88.1; 46 forms (August's and October's reports came in) −23 in 46 → 65.1
    //  区公用事业局 (95+94+96+95+100)/5 = 96; nothing → 96
    const performance = await performanceForYear(database.db, 2035, def.id);
    expect(performance.map((p) => [p.unitId, p.assessmentAverage, p.rounds, p.ledgerPoints, p.ledgerEntries, p.total])).toEqual([
      [LE, 72.2, 5, -32.5, 52, 39.7],
      [PS, 73.8, 5, -29.5, 52, 44.3],
      [PM, 88.1, 5, -23, 46, 65.1],
      [PU, 96, 5, 0, 0, 96],
    ]);
  });

  it('continues as new at every wake-up and carries phase, rounds, streaks and added tasks; no cadence notice doubled or skipped', { timeout: 300_000 }, async () => {
    const def = beihai2035({
      end: '2035-04-30',
      prefix: '北海接续',
      // No task's timer falls on the end (Apr 30 24:00): a rung issued as the campaign closes the task out
      // would be a race (and on the test server an activity of a cancelled workflow holds the clock).
      tasks: ['signboards-and-boxes', 'street-vending'],
      phases: [
        { name: '规划部署启动', start: '2035-01-01', end: '2035-01-31' },
        { name: '深入推进攻坚克难', start: '2035-02-01', end: '2035-03-31' },
        { name: '巩固成果积极备检', start: '2035-04-01', end: '2035-04-30' },
      ],
      // The seed plans' seven, with a round every month.
      cadences: { ...SEED_CADENCES, bimonthlyAssessment: { everyMonths: 1 } },
    });
    const u = unitActions(def);
    const campaign = () => campaignHandle(sim.env.client, def.id);

    await sim.withWorker(async () => {
      // A threshold of one event: every pass of the campaign's loop ends in a hand-over once no round
      // or update is in flight.
      const handle = await sim.env.client.workflow.start(CampaignWorkflow, {
        workflowId: campaignWorkflowId(def.id),
        taskQueue: TASK_QUEUE,
        args: [{ definition: def, historyLimit: 1 }],
      });
      const firstRunId = handle.firstExecutionRunId;

      // Round 1 opens Thu Feb 1 09:00 (window to Feb 8): 区综合执法分局 last.
      await sleepUntil('2035-02-02T10:00');
      await u.scores(1, { [PU]: 95, [PM]: 90, [PS]: 80, [LE]: 70 });
      await sleepUntil('2035-02-12T10:00');
      let state = await campaign().query(campaignStateQuery);
      const afterRound1 = (await campaign().describe()).runId;
      expect(afterRound1).not.toBe(firstRunId);
      expect(state.phase?.name).toBe('深入推进攻坚克难');
      expect(state.assessmentRounds).toBe(1);
      expect(state.lastPlaceStreaks).toEqual({ [LE]: 1 });

      // Round 2 opens Thu Mar 1 09:00 (window to Mar 8). While it is open, a task is added: it starts at
      // once, the round in flight does not hold it up.
      await sleepUntil('2035-03-02T10:00');
      await u.scores(2, { [PU]: 94, [PM]: 88, [PS]: 75, [LE]: 72 });
      const added = await Promise.race([
        runUpdate(campaign(), addTaskUpdate, {
          ...def.tasks[0],
          id: 'farmers-market',
          title: '开展北海农贸市场综合整治行动',
          start: '2035-03-05',
          deadline: '2035-04-27',
        }),
        new Promise((_, reject) => setTimeout(() => reject(new Error('addTask did not finish while a round was open')), 30_000)),
      ]);
      expect(added).toEqual({ taskId: 'farmers-market', workflowId: `campaign/${def.id}/task/farmers-market` });
      await sleepUntil('2035-03-12T10:00');
      const afterRound2 = (await campaign().describe()).runId;
      expect(afterRound2).not.toBe(afterRound1);
      state = await campaign().query(campaignStateQuery);
      expect(state.assessmentRounds).toBe(2);
      expect(state.lastPlaceStreaks).toEqual({ [LE]: 2 });
      expect(state.taskIds.sort()).toEqual(['farmers-market', 'signboards-and-boxes', 'street-vending']);

      // Round 3 opens Mon Apr 2 09:00 (Apr 1 is a Sunday; window to Apr 9): last a third time.
      await sleepUntil('2035-04-03T10:00');
      expect((await campaign().describe()).runId).not.toBe(afterRound2);
      state = await campaign().query(campaignStateQuery);
      expect(state.phase?.name).toBe('巩固成果积极备检');
      expect(state.taskIds).toContain('farmers-market');
      await u.scores(3, { [PU]: 96, [PM]: 90, [PS]: 78, [LE]: 74 });

      await sleepUntil('2035-05-01T01:00');
      await completed(campaign());
      state = await campaign().query(campaignStateQuery);
      expect(state.ended?.reason).toBe('活动期满');
      expect(state.assessmentRounds).toBe(3);
      expect(state.lastPlaceStreaks).toEqual({ [LE]: 3 });

      // Follow the chain of runs: each handed over to the next.
      let runs = 1;
      for (let runId = firstRunId; ; runs++) {
        const history = await sim.env.client.workflow.getHandle(campaignWorkflowId(def.id), runId).fetchHistory();
        const last = history.events!.at(-1)!;
        const next = last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
        if (!next) break;
        runId = next;
      }
      expect(runs).toBeGreaterThan(20);
    });

    // By hand, 2035-01-01 to 2035-04-30 (Monday–Friday):
    //  每周一检查: Jan 1, 8, 15, 22, 29, Feb 5, 12, 19, 26, Mar 5, 12, 19, 26, Apr 2, 9, 16, 23, 30 → 18
    //  (reports due on the first morning, Jan 1 09:00, are skipped: nothing to report yet)
    //  每月一通报: Feb 1, Mar 1, Apr 2 → 3
    //  调度: 创建办 Fridays Jan 5 … Apr 27 → 17; 分管领导 Jan 16, Feb 1, 16, Mar 1, 16, Apr 2, 16 → 7; 主要领导 Feb, Mar, Apr → 3; 27
    //  每季一调度 Apr 2 → 1; 半年一小结 none
    //  每月报送 Jan 25, Feb 26, Mar 26, Apr 25: nobody sends materials, 4 units × 4 = 16
    //  rounds Feb 1, Mar 1, Apr 2 → 3: 区综合执法分局 last in each, across hand-overs: 通报批评, 约谈, 追责
    //  phases 3; closing summary 1
    expect(await doubledReminders(def.id)).toEqual([]);
    expect(await campaignNotices(def.id)).toEqual({
      weeklyCheck: 18,
      monthlyBulletin: 3,
      dispatch: 27,
      quarterlyDispatch: 1,
      materialsReminder: 16,
      assessmentResult: 3,
      criticism: 1,
      interview: 1,
      accountabilityReferral: 1,
      phaseStart: 3,
      closingSummary: 1,
    });
    expect(await dispatchesByAudience(def.id)).toEqual({ 创建办: 17, 分管领导: 7, 主要领导: 3 });
    expect(await issued(def.id, 'weeklyCheck')).toEqual(weekdays(1, '2035-01-01', '2035-04-30').map((d) => `${d}T09:00`));
    expect(await issued(def.id, 'dispatch', `title LIKE '创建办%'`)).toEqual(weekdays(5, '2035-01-01', '2035-04-30').map((d) => `${d}T09:00`));
    expect(await issued(def.id, 'monthlyBulletin')).toEqual(['2035-02-01T09:00', '2035-03-01T09:00', '2035-04-02T09:00']);
    expect(await issued(def.id, 'phaseStart')).toEqual(['2035-01-01T09:00', '2035-02-01T09:00', '2035-04-01T09:00']);
    // Each unit's materials checked once a month, whichever run was current.
    const { rows: checks } = await database.db.query<{ n: number; months: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT month)::int AS months FROM materials_checks WHERE campaign_id = $1`,
      [def.id],
    );
    // 4 units × 4 forms × Jan, Feb, Mar; April's check (3 working days after Apr 25: Apr 30 24:00) falls at the end.
    expect(checks[0]).toEqual({ n: 4 * 4 * 3, months: 3 });
    expect(await rounds(def.id)).toEqual([
      [1, PU, 95, 1, null], [1, PM, 90, 2, null], [1, PS, 80, 3, null], [1, LE, 70, 4, 'criticism'],
      [2, PU, 94, 1, null], [2, PM, 88, 2, null], [2, PS, 75, 3, null], [2, LE, 72, 4, 'interview'],
      [3, PU, 96, 1, null], [3, PM, 90, 2, null], [3, PS, 78, 3, null], [3, LE, 74, 4, 'accountability'],
    ]);
    const { rows: tasks } = await database.db.query<{ id: string }>('SELECT id FROM tasks WHERE campaign_id = $1 ORDER BY id', [def.id]);
    expect(tasks.map((t) => t.id)).toEqual(['farmers-market', 'signboards-and-boxes', 'street-vending']);
  });
});
