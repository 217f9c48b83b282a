// The examples npm run examples builds from the five seed plans (examples/build.ts) start on the
// time-skipping server and send what their own plans call for: plan 4 its weekly check, monthly
// bulletin, quarterly dispatch and half-year summary and no ranking; plan 5 its three phases and the
// monthly spot check; plan 1 its areas, patrol reminders and the enterprises' ladder; plan 3 its tasks
// owned by named persons, each with its own deadline; plan 2 its dispatches, materials and first round.
//
// One time-skipping server for the file, whose clock only goes forward: each example is moved with
// shiftDefinition to a period of its own, in this file's order, in years without a holiday schedule
// (after 2026), so working days are Monday–Friday and every date below is worked out by hand. Plans of
// a leap year (2016, 2020) go to a leap year, so that their 12-31 stays 12-31 after the shift. Nobody
// answers in these runs (only where a test says so); each campaign is ended with the end update once
// its notices are out, before any task's deadline meets the end (the time-skipping server can hang when
// a campaign's cancel at its end meets a task finishing at the same instant).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { campaignHandle, runUpdate, startCampaign, taskHandle } from '../../client/campaigns.js';
import { parseDefinition } from '../../domain/definition-yaml.js';
import type { CampaignDefinition } from '../../domain/definition.js';
import { assessmentWorkflowId } from '../../domain/ids.js';
import { shiftDefinition } from '../../domain/shift.js';
import { buildExample, EXAMPLES } from '../../examples/build.js';
import { endCampaignUpdate, enterScoresUpdate } from '../../workflows/messages.js';
import { havePlans, repoRoot } from '../plan/support.js';
import { uniqueId, ZONE } from '../support/definitions.js';
import { local, mailTo, simulationForFile } from './helpers.js';

const { database, sim } = await simulationForFile();

const exampleFile = (stem: string) => path.join(repoRoot, 'examples', `${stem}.yaml`);
const readExample = (stem: string) => parseDefinition(readFileSync(exampleFile(stem), 'utf8'), `examples/${stem}.yaml`);

/** The example moved to start on `start`, with an id and a document prefix of its own (numbers from 1). */
function example(stem: string, start: string, documentPrefix: string): CampaignDefinition {
  const moved = shiftDefinition({ ...readExample(stem), id: uniqueId(stem) }, start);
  return { ...moved, office: { ...moved.office, documentPrefix } };
}

/** Shanghai time of an instant, 'yyyy-MM-dd HH:mm'. */
const at = (instant: Date) => local(instant).toFormat('yyyy-MM-dd HH:mm');
const day = (instant: Date) => local(instant).toISODate()!;

interface NoticeRow {
  id: number;
  kind: string;
  task_id: string | null;
  unit_id: string | null;
  document_number: string;
  title: string;
  body: string;
  issued_at: Date;
  recipients: { to: string[]; cc: string[] };
}
async function noticesOf(campaignId: string, where = 'true', params: unknown[] = []): Promise<NoticeRow[]> {
  const { rows } = await database.db.query<NoticeRow>(
    `SELECT id, kind, task_id, unit_id, document_number, title, body, issued_at, recipients FROM notices
     WHERE campaign_id = $1 AND (${where}) ORDER BY issued_at, id`,
    [campaignId, ...params],
  );
  return rows;
}
const ofKind = (campaignId: string, kind: string) => noticesOf(campaignId, 'kind = $2', [kind]);

/** Campaign-level notices (no task) counted by kind; the units' weekly 催办 (reminder) apart, see below. */
async function campaignKinds(campaignId: string): Promise<Record<string, number>> {
  const { rows } = await database.db.query<{ kind: string; n: number }>(
    `SELECT kind, count(*)::int AS n FROM notices WHERE campaign_id = $1 AND task_id IS NULL AND kind <> 'reminder' GROUP BY kind ORDER BY kind`,
    [campaignId],
  );
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

/** The units' weekly 催办 (one per lead unit with tasks silent for a week), counted per Shanghai time. */
async function unitReminders(campaignId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const n of await noticesOf(campaignId, "kind = 'reminder' AND task_id IS NULL")) counts[at(n.issued_at)] = (counts[at(n.issued_at)] ?? 0) + 1;
  return counts;
}

const sleepUntil = async (localTime: string) =>
  sim.env.sleep(DateTime.fromISO(localTime, { zone: ZONE }).toMillis() - (await sim.env.currentTimeMs()));

let running: CampaignDefinition | undefined;
// A test that failed half-way leaves its campaign and tasks running: their timers would hold up the next test's clock.
afterEach(async () => {
  const def = running;
  running = undefined;
  if (!def) return;
  for (const handle of [campaignHandle(sim.env.client, def.id), ...def.tasks.map((t) => taskHandle(sim.env.client, def.id, t.id))]) {
    const status = await handle.describe().then((d) => d.status.name).catch(() => undefined);
    if (status === 'RUNNING') await handle.terminate('test cleanup').catch(() => undefined);
  }
});

/**
 * Starts the campaign at its start, runs the script's [local time, action] pairs in order, the clock
 * skipping in between, and ends the campaign (end update) at `endAt`.
 */
async function run(def: CampaignDefinition, endAt: string, script: [string, () => Promise<unknown>][] = []): Promise<void> {
  running = def;
  await sim.withWorker(async () => {
    await sleepUntil(`${def.start}T00:00`);
    const handle = await startCampaign(sim.env.client, def);
    for (const [time, action] of script) {
      await sleepUntil(time);
      await action();
    }
    await sleepUntil(endAt);
    await runUpdate(handle, endCampaignUpdate, { reason: '示例运行结束' });
  });
  running = undefined;
}

describe('examples/: one definition per seed plan, as the importer writes it', () => {
  it('each example passes validation with every placeholder filled in', () => {
    for (const { stem, slug } of EXAMPLES) {
      const text = readFileSync(exampleFile(stem), 'utf8');
      const def = parseDefinition(text, `examples/${stem}.yaml`); // what chuangwen plan validate runs
      expect(def.id).toBe(stem);
      expect(text).toContain('# 示例：由 npm run examples（examples/build.ts）');
      const addresses = [def.office.email, ...def.leaders.map((l) => l.email), ...def.units.flatMap((u) => [u.principal.email, u.contact.email])];
      expect(addresses.filter((a) => !a.endsWith(`@${slug}.example.org`))).toEqual([]);
      expect(JSON.stringify(def)).not.toContain('待填写');
    }
  });

  it.skipIf(!havePlans)('each example is what npm run examples writes from ../shared/plans today', async () => {
    for (const e of EXAMPLES) {
      const built = await buildExample(e);
      expect(readFileSync(exampleFile(e.stem), 'utf8'), `examples/${e.stem}.yaml 与导入结果不同：请运行 npm run examples`).toBe(built.yaml);
    }
  });
});

describe('the examples run what their plans call for', () => {
  it('plan 2 (beihai, imported): dispatches, materials to 区党群工作部, the first round after two months and its 通报批评', async () => {
    // 2035-01-01 is a Monday; the plan's 2021-01-01 start moves there. Its tasks' deadlines (2035-12-31
    // and later) are far off: nobody is overdue in these ten weeks.
    const def = example('beihai-2021-imported', '2035-01-01', '北海示例');
    const PS = 'gaizhoushigonganjubeihaizongheguanlida'; // 盖州市公安局北海综合管理大队
    await run(def, '2035-03-09T10:00', [
      // The round (every two months: March 1, 09:00) is open; the assessors' 实地测评 puts one unit at 60.
      [
        '2035-03-02T10:00',
        () =>
          sim.env.client.workflow.getHandle(assessmentWorkflowId(def.id, 1)).executeUpdate(enterScoresUpdate, {
            args: [{ assessor: '区创城办测评组', scores: [{ unitId: PS, item: '实地测评', score: 60 }] }],
          }),
      ],
    ]);

    // By hand, 2035-01-01 00:00 to 2035-03-09 10:00:
    //  weekly check (proposed by the importer), Mondays 09:00: Jan 1, 8, 15, 22, 29, Feb 5, 12, 19, 26, Mar 5 = 10
    //  创建办调度 Fridays 09:00: Jan 5, 12, 19, 26, Feb 2, 9, 16, 23, Mar 2, 9 = 10
    //  分管领导调度 on the 1st and 16th: Jan 16, Feb 1, Feb 16, Mar 1 = 4 (Jan 1 09:00 is the first morning: nothing yet)
    //  主要领导调度 on the 1st: Feb 1, Mar 1 = 2
    //  materials reminders Jan 25 (Thursday) and Feb 25 (a Sunday → Monday Feb 26), 17:00, 11 units each = 22
    //  round 1 opens Mar 1 09:00, scoring window 5 working days (Mar 2, 5, 6, 7, 8) → results Mar 9 00:00, with one 通报批评
    expect(await campaignKinds(def.id)).toEqual({
      assessmentResult: 1,
      closingSummary: 1,
      criticism: 1,
      dispatch: 16,
      materialsReminder: 22,
      weeklyCheck: 10,
    });

    // The units' weekly 催办, Mondays 09:00, to the 5 lead units (区公用事业局, 区综合执法分局, 公安北海综合管理大队,
    // 区党群工作部, and 待明确责任单位 with the plan's 28 tasks without a unit): Jan 8 … Mar 5 = 9 × 5. (Those of
    // Jan 1, the first morning, go out at the very moment the tasks are assigned and list as many of them as
    // are in by then: not counted here.)
    const reminders = await unitReminders(def.id);
    delete reminders['2035-01-01 09:00'];
    expect(reminders).toEqual(
      Object.fromEntries(['01-08', '01-15', '01-22', '01-29', '02-05', '02-12', '02-19', '02-26', '03-05'].map((d) => [`2035-${d} 09:00`, 5])),
    );

    const dispatches = await ofKind(def.id, 'dispatch');
    const audience = (name: string) => dispatches.filter((n) => n.title.startsWith(name)).map((n) => at(n.issued_at));
    expect(audience('创建办')).toEqual(
      ['01-05', '01-12', '01-19', '01-26', '02-02', '02-09', '02-16', '02-23', '03-02', '03-09'].map((d) => `2035-${d} 09:00`),
    );
    expect(audience('分管领导')).toEqual(['2035-01-16 09:00', '2035-02-01 09:00', '2035-02-16 09:00', '2035-03-01 09:00']);
    expect(audience('主要领导')).toEqual(['2035-02-01 09:00', '2035-03-01 09:00']);
    // The plan names its leaders by post only (区党工委、管委会主要领导, 副处级分管领导): the import has no
    // leaders, so the leaders' dispatches reach the office alone.
    expect(def.leaders).toEqual([]);
    expect(dispatches.filter((n) => n.recipients.to.join() !== 'office@beihai-2021.example.org' || n.recipients.cc.length > 0)).toEqual([]);

    const materials = await ofKind(def.id, 'materialsReminder');
    expect(materials.map((n) => at(n.issued_at))).toEqual([...Array(11).fill('2035-01-25 17:00'), ...Array(11).fill('2035-02-26 17:00')]);
    expect(materials.filter((n) => !n.body.includes('报送至区党群工作部'))).toEqual([]);
    expect(new Set(materials.map((n) => n.unit_id))).toEqual(new Set(def.units.map((u) => u.id)));

    // The round: from the record every unit scores 80 (nothing due, every January material late: −20);
    // the one scored 60 is last alone and, last for the first time, 通报批评 (第157行).
    const { rows: scores } = await database.db.query<{ unit_id: string; score: string; rank: number; last: boolean; consequence: string | null }>(
      'SELECT unit_id, score::text, rank, last, consequence FROM assessment_scores WHERE campaign_id = $1 AND round = 1 ORDER BY rank, unit_id',
      [def.id],
    );
    expect(scores.map((s) => [s.unit_id, Number(s.score), s.rank, s.last, s.consequence])).toEqual([
      ...def.units.map((u) => u.id).filter((id) => id !== PS).sort().map((id) => [id, 80, 1, false, null]),
      [PS, 60, 11, true, 'criticism'],
    ]);
    const [results] = await ofKind(def.id, 'assessmentResult');
    expect([at(results.issued_at), results.title]).toEqual(['2035-03-09 00:00', '关于2035年1—2月实地测评结果的通报']);
    // 测评结果报送区党工委、管委会主要领导 (office.superior, filled in by the example's rule).
    expect(results.recipients.cc).toContain('superior@beihai-2021.example.org');
    const [criticism] = await ofKind(def.id, 'criticism');
    expect(criticism.title).toBe('关于对盖州市公安局北海综合管理大队予以通报批评的通报');
    expect(day(criticism.issued_at)).toBe('2035-03-09');
  });

  it('plan 4 (longling): weekly check every Monday, monthly bulletin, quarterly dispatch, half-year summary, no ranking', async () => {
    // 2016 is a leap year, so is 2036: the plan's 2016-01-01 … 2016-12-31 becomes 2036-01-01 (a Tuesday) … 2036-12-31.
    const def = example('longling-2016', '2036-01-01', '龙岭示例');
    expect(def.tasks.map((t) => t.deadline)).toEqual(Array(5).fill('2036-12-31'));
    await run(def, '2036-07-02T10:00');

    // By hand, 2036-01-01 to 2036-07-02 10:00 (第45行: 每周一检查、每月一通报、每季一调度、半年一小结):
    //  weekly check Mondays 09:00, Jan 7 … Jun 30 = 26
    //  monthly bulletin on the 1st, 09:00: Feb 1 (Fri), Mar 1 (Sat → Mon Mar 3), Apr 1, May 1, Jun 1 (Sun → Mon Jun 2), Jul 1 = 6
    //    (Jan 1 is the first morning: nothing to report yet)
    //  quarterly dispatch on the quarter's first working day: Apr 1 (Tue), Jul 1 (Tue) = 2
    //  half-year summary on the first working day of July: Jul 1 = 1
    //  no dispatch, spot check, materials or assessment round: the plan states none.
    expect(await campaignKinds(def.id)).toEqual({
      closingSummary: 1,
      halfYearSummary: 1,
      monthlyBulletin: 6,
      quarterlyDispatch: 2,
      weeklyCheck: 26,
    });

    // Each task's weekly 催办, kept by the campaign: every Monday to each of the 4 lead units (社会事务办, 各社区,
    // 党政综合办 with two tasks, 综治办), nobody having reported: 26 × 4.
    expect(Object.values(await unitReminders(def.id))).toEqual(Array(26).fill(4));

    const weekly = await ofKind(def.id, 'weeklyCheck');
    expect(weekly.every((n) => local(n.issued_at).weekday === 1 && local(n.issued_at).toFormat('HH:mm') === '09:00')).toBe(true);
    expect([at(weekly[0].issued_at), at(weekly.at(-1)!.issued_at)]).toEqual(['2036-01-07 09:00', '2036-06-30 09:00']);
    expect(weekly[0].recipients.to).toEqual(['office@longling-2016.example.org']);

    const bulletins = await ofKind(def.id, 'monthlyBulletin');
    expect(bulletins.map((n) => [day(n.issued_at), n.title])).toEqual([
      ['2036-02-01', '2036年1月创建工作通报'],
      ['2036-03-03', '2036年2月创建工作通报'],
      ['2036-04-01', '2036年3月创建工作通报'],
      ['2036-05-01', '2036年4月创建工作通报'],
      ['2036-06-02', '2036年5月创建工作通报'],
      ['2036-07-01', '2036年6月创建工作通报'],
    ]);
    const quarterly = await ofKind(def.id, 'quarterlyDispatch');
    expect(quarterly.map((n) => [day(n.issued_at), n.title])).toEqual([
      ['2036-04-01', '季度调度报告（2036年1月1日至2036年3月31日）'],
      ['2036-07-01', '季度调度报告（2036年4月1日至2036年6月30日）'],
    ]);
    const halfYear = await ofKind(def.id, 'halfYearSummary');
    expect(halfYear.map((n) => [day(n.issued_at), n.title])).toEqual([['2036-07-01', '半年工作小结（2036年1月1日至2036年6月30日）']]);
    // To the group leader (谭正祥), none of the plan's 副组长 being 常务.
    expect(halfYear[0].recipients.to).toEqual(['tanzhengxiang@longling-2016.example.org']);

    // No ranking: no round, no results, no 通报批评, not even for a task.
    const all = await noticesOf(def.id);
    expect(all.filter((n) => ['assessmentResult', 'criticism'].includes(n.kind))).toEqual([]);
    const { rows } = await database.db.query('SELECT 1 FROM assessment_scores WHERE campaign_id = $1', [def.id]);
    expect(rows).toEqual([]);
  });

  it('plan 1 (guiyang): its areas, weekly patrol reminders, and the enterprises’ ladder for a task of an enterprise', async () => {
    const def = example('guiyang-2020', '2037-01-01', '桂阳示例'); // 2037-01-01 is a Thursday
    const unitName = (id: string) => def.units.find((u) => u.id === id)?.name;
    const leaderName = (id?: string) => def.leaders.find((l) => l.id === id)?.name;
    expect(def.areas.map((a) => [a.name, leaderName(a.responsibleLeader), a.units.map(unitName)])).toEqual([
      ['创新产业园', '刘咏雪', ['招商合作局', '经济发展局']],
      ['芙蓉食品医药产业园', '欧阳小文', ['办公室', '纪检监察室']],
      ['有色产业园（宝山项目区）', '李宇峰', ['有色园区管理局', '社会事务局']],
      ['家居产业园', '邓佑长', ['产业发展局', '企业服务中心', '财政所']],
      ['百花社区三网格和芙蓉食品医药产业园网格帮扶', '欧阳小文', []],
    ]);
    // The plan lists no tasks and no enterprise among its units (its areas are 负责…各企业创建工作; 第79行
    // 屡不整改、拒不整改的企业 → 全园区通报, 约谈主要负责人): the test adds one enterprise to the food and
    // medicine park and one task of it, from Tuesday 2037-01-06 to Friday 2037-01-16, well before the end.
    expect(def.tasks).toEqual([]);
    expect(def.units.filter((u) => u.kind === 'enterprise')).toEqual([]);
    def.units.push({
      id: 'shipin',
      name: '桂阳示例食品有限公司',
      kind: 'enterprise',
      principal: { name: '总经理', title: '总经理', email: 'shipin.principal@guiyang-2020.example.org' },
      contact: { name: '联络员', email: 'shipin@guiyang-2020.example.org' },
      responsibleLeader: 'ouyangxiaowen',
    });
    def.areas[1].units.push('shipin');
    def.tasks.push({
      id: 'menqian',
      title: '企业门前乱堆放整治',
      description: '清理厂区门前及围墙外乱堆放的原料和包装物。',
      leadUnit: 'shipin',
      cooperatingUnits: [],
      start: '2037-01-06',
      deadline: '2037-01-16',
      indicators: [],
    });
    await run(def, '2037-02-02T10:00');

    // The campaign runs with the plan's areas.
    const { rows: stored } = await database.db.query<{ areas: { name: string; units: string[] }[] }>(
      "SELECT definition->'areas' AS areas FROM campaigns WHERE id = $1",
      [def.id],
    );
    expect(stored[0].areas.map((a) => a.name)).toEqual(def.areas.map((a) => a.name));

    // The enterprises' ladder (DEFAULT_ENTERPRISE_LADDER), by hand:
    //  逾期通报   at the deadline's end: Sat 2037-01-17 00:00
    //  督办函     3 working days after the deadline (Mon 19, Tue 20, Wed 21): Thu 01-22 00:00, 限期整改 5 working
    //             days (Fri 23, Mon 26, Tue 27, Wed 28, Thu 29)
    //  全园区通报 when that lapses: Fri 01-30 00:00
    //  约谈企业主要负责人  at once after it (no grace of its own): Fri 01-30 00:00
    const ladder = await noticesOf(def.id, "task_id = 'menqian' AND rung IS NOT NULL");
    expect(ladder.map((n) => [n.kind, at(n.issued_at)])).toEqual([
      ['overdue', '2037-01-17 00:00'],
      ['supervisionLetter', '2037-01-22 00:00'],
      ['parkWide', '2037-01-30 00:00'],
      ['interview', '2037-01-30 00:00'],
    ]);
    const [, letter, parkWide, interview] = ladder;
    expect(letter.recipients.to).toEqual(['shipin.principal@guiyang-2020.example.org']);
    // 全园区通报: to every unit's contact, the group leader and executive deputy in copy.
    expect(parkWide.recipients.to).toHaveLength(def.units.length);
    expect(parkWide.recipients.cc).toEqual(['huanglong@guiyang-2020.example.org', 'ouyangxiaowen@guiyang-2020.example.org', 'office@guiyang-2020.example.org']);
    expect(parkWide.title).toBe('关于桂阳示例食品有限公司拒不整改问题的通报');
    expect(interview.title).toBe('关于约谈桂阳示例食品有限公司主要负责人的通知');
    expect(interview.recipients.to).toEqual(['shipin.principal@guiyang-2020.example.org']);

    // 日常巡查 (第79行), weekly on Mondays 09:00 to every unit's contact: Jan 5, 12, 19, 26, Feb 2 = 5;
    // beside it the weekly check the importer proposed, the same Mondays.
    const patrols = await ofKind(def.id, 'patrolReminder');
    expect(patrols.map((n) => at(n.issued_at))).toEqual(['01-05', '01-12', '01-19', '01-26', '02-02'].map((d) => `2037-${d} 09:00`));
    expect(patrols[0].title).toBe('关于开展日常巡查的提醒（2037年1月5日）');
    expect(patrols[0].recipients.to).toHaveLength(def.units.length);
    expect(await campaignKinds(def.id)).toEqual({ closingSummary: 1, patrolReminder: 5, weeklyCheck: 5 });
    // The enterprise's weekly 催办 for its silent task: Jan 12, 19, 26, Feb 2.
    expect(await unitReminders(def.id)).toEqual(Object.fromEntries(['01-12', '01-19', '01-26', '02-02'].map((d) => [`2037-${d} 09:00`, 1])));
  });

  it('plan 3 (linxi): tasks owned by named persons, mailed to them, each overdue the day after its own deadline', async () => {
    // 2016 and 2040 are leap years: 2016-01-01 … 2018-12-31 becomes 2040-01-01 (a Sunday) … 2042-12-31. The
    // plan's 2016 actions (四、重点举措, 1–6) are due 2040-12-31 (a Monday); its standing ones (三、1–8) run
    // to the plan's end, 2042-12-31, the campaign's end: the test ends the campaign long before.
    const def = example('linxi-2016', '2040-01-01', '临西示例');
    const address = (unit: string) => `${unit}@linxi-2016.example.org`;

    // Every unit is a person (责任人): principal and contact are that person, with one address.
    for (const u of def.units) {
      expect([u.principal.name, u.contact.name, u.principal.email, u.contact.email]).toEqual([u.name, u.name, address(u.id), address(u.id)]);
    }
    await run(def, '2041-01-01T12:00');

    const { rows: tasks } = await database.db.query<{ id: string; deadline: string; lead_unit: string }>(
      'SELECT id, deadline::text AS deadline, lead_unit FROM tasks WHERE campaign_id = $1 ORDER BY id',
      [def.id],
    );
    expect(tasks.map((t) => [t.id, t.deadline])).toEqual([
      ...['task-3-1', 'task-3-2', 'task-3-3', 'task-3-4', 'task-3-5', 'task-3-6', 'task-3-7', 'task-3-8'].map((id) => [id, '2042-12-31']),
      ...['task-4-1', 'task-4-2', 'task-4-3', 'task-4-4', 'task-4-5', 'task-4-6'].map((id) => [id, '2040-12-31']),
    ]);

    // Each assignment goes to its person, the persons who cooperate in copy.
    const assignments = await ofKind(def.id, 'assignment');
    expect(assignments).toHaveLength(14);
    for (const n of assignments) {
      const task = def.tasks.find((t) => t.id === n.task_id)!;
      expect(n.recipients).toEqual({ to: [address(task.leadUnit)], cc: task.cooperatingUnits.map(address) });
      expect(at(n.issued_at)).toBe('2040-01-01 09:00');
    }
    // 孙秀存 owns four of them (三、（一）（七）, 四、2、6) and received four assignment mails.
    const mails = await mailTo(database.db, address('sunxiucun'), def);
    expect(mails.filter((m) => m.subject.includes('交办')).map((m) => m.subject.replace(/^【[^】]+】/, '')).sort()).toEqual(
      ['关于交办“筑牢理想信念基础”整治任务的通知', '关于交办“提升居民素质”整治任务的通知', '关于交办“组织举办“中国共产党建党95周年”系列活动”整治任务的通知', '关于交办“集中开展移风易俗专项整治活动”整治任务的通知'].sort(),
    );

    // Overdue the day after each task's own deadline: the six 2016 actions on Tue 2041-01-01 00:00, to
    // their persons (董福庆, 蒋克国, 于宝玉, 王世国, and 孙秀存 once for both of hers: one 逾期通报 per
    // person and day, listing her two tasks); none of the standing ones.
    const overdue = await ofKind(def.id, 'overdue');
    expect(overdue.map((n) => [n.task_id ?? '两项', at(n.issued_at), n.recipients.to]).sort()).toEqual([
      ['task-4-1', '2041-01-01 00:00', [address('dongfuqing')]],
      ['task-4-3', '2041-01-01 00:00', [address('jiangkeguo')]],
      ['task-4-4', '2041-01-01 00:00', [address('yubaoyu')]],
      ['task-4-5', '2041-01-01 00:00', [address('wangshiguo')]],
      ['两项', '2041-01-01 00:00', [address('sunxiucun')]],
    ]);
    const both = overdue.find((n) => n.task_id === null)!;
    expect(both.body).toContain('牵头的以下2项整治任务');
    const dongMail = await mailTo(database.db, address('dongfuqing'), def);
    expect(dongMail.some((m) => m.subject.includes('关于“全力建设“美丽乡村””整治任务逾期未完成的通报'))).toBe(true);
  });

  it('plan 5 (hecheng): its three phases and the monthly spot check, no bulletin', async () => {
    // 2015 → 2043 (not a leap year), 2016 → 2044 (one): the phases keep their dates. 2043-01-01 is a Thursday.
    //   规划部署启动 2043-01-01 … 03-31; 深入推进攻坚克难 2043-04-01 … 2044-06-30; 巩固成果积极备检 2044-07-01 … 12-31
    // The campaign runs to the third phase's first day and ends there.
    const def = example('hecheng-2015', '2043-01-01', '鹤城示例');
    expect(def.phases.map((p) => [p.name, p.start, p.end])).toEqual([
      ['规划部署启动', '2043-01-01', '2043-03-31'],
      ['深入推进攻坚克难', '2043-04-01', '2044-06-30'],
      ['巩固成果积极备检', '2044-07-01', '2044-12-31'],
    ]);
    await run(def, '2044-07-01T12:00');

    const phases = await ofKind(def.id, 'phaseStart');
    expect(phases.map((n) => [at(n.issued_at), n.title])).toEqual([
      ['2043-01-01 09:00', '关于进入“规划部署启动”阶段的通知'],
      ['2043-04-01 09:00', '关于进入“深入推进攻坚克难”阶段的通知'],
      ['2044-07-01 09:00', '关于进入“巩固成果积极备检”阶段的通知'],
    ]);

    // 每月一抽查，进行结果通报 (第27行): on the 25th, 09:00, moved off weekends to the Monday:
    // 2043: Jan 25 Sun → 26, Apr 25 Sat → 27, Jul 25 Sat → 27, Oct 25 Sun → 26; 2044: Jun 25 Sat → 27. 18 months.
    const checks = await ofKind(def.id, 'monthlyCheck');
    expect(checks.map((n) => [day(n.issued_at), n.title])).toEqual([
      ['2043-01-26', '2043年1月抽查情况通报'],
      ['2043-02-25', '2043年2月抽查情况通报'],
      ['2043-03-25', '2043年3月抽查情况通报'],
      ['2043-04-27', '2043年4月抽查情况通报'],
      ['2043-05-25', '2043年5月抽查情况通报'],
      ['2043-06-25', '2043年6月抽查情况通报'],
      ['2043-07-27', '2043年7月抽查情况通报'],
      ['2043-08-25', '2043年8月抽查情况通报'],
      ['2043-09-25', '2043年9月抽查情况通报'],
      ['2043-10-26', '2043年10月抽查情况通报'],
      ['2043-11-25', '2043年11月抽查情况通报'],
      ['2043-12-25', '2043年12月抽查情况通报'],
      ['2044-01-25', '2044年1月抽查情况通报'],
      ['2044-02-25', '2044年2月抽查情况通报'],
      ['2044-03-25', '2044年3月抽查情况通报'],
      ['2044-04-25', '2044年4月抽查情况通报'],
      ['2044-05-25', '2044年5月抽查情况通报'],
      ['2044-06-27', '2044年6月抽查情况通报'],
    ]);
    // No monthly bulletin (the plan has the spot check's bulletin instead); the weekly check the importer
    // proposed runs on Mondays, 2043-01-05 … 2044-06-27 = 78.
    expect(await campaignKinds(def.id)).toEqual({ closingSummary: 1, monthlyCheck: 18, phaseStart: 3, weeklyCheck: 78 });
  });
});
