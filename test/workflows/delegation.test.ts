// 转办 down the hierarchy: a 街道 that leads a task hands part of it to one of its 社区. The 社区 gets
// its own 转办通知 with its own link and answers the 街道; the task, its deadline and its ladder stay
// the 街道's. A part past its due date shows in the 街道's weekly 催办, even when the 街道's own tasks
// all have progress. A 改派 or the campaign's end ends the part and withdraws the 社区's link.
// Fixed dates in 2035 (no holiday schedule: Monday–Friday; 2035-01-01 is a Monday).
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { registerTaskCommands } from '../../client/commands/task.js';
import { campaignHandle, runUpdate, startCampaign, taskHandle } from '../../client/campaigns.js';
import { definitionSchema } from '../../domain/definition.js';
import { startSimulation } from '../../stack/simulation.js';
import { currentLinkVersion, delegationLinkKey } from '../../db/unit-links.js';
import {
  acknowledgeUpdate,
  delegateUpdate,
  endCampaignUpdate,
  reassignUpdate,
  reportDelegationUpdate,
  reportProgressUpdate,
  taskStateQuery,
} from '../../workflows/messages.js';
import { createTestDatabase } from '../support/database.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { DAY, ladderDefinition, mailTo, startTask, terminateLeftovers, waitForEvent } from './helpers.js';

const database = await createTestDatabase();
const sim = await startSimulation({ db: database.db, links: { publicUrl: 'http://127.0.0.1:1', secret: 'delegation-test-secret-of-32-bytes!!!!!' } });
process.env.TEMPORAL_ADDRESS = sim.env.address;
afterEach(terminateLeftovers);

/** `chuangwen task …` in-process; what it printed. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command('chuangwen').exitOverride();
  registerTaskCommands(program);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await program.parseAsync(['node', 'chuangwen', ...args]);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}
afterAll(async () => {
  await sim.stop();
  await database.drop();
});

const at = (iso: string) => Date.parse(iso);
const sleepUntil = async (iso: string) => sim.env.sleep(at(iso) - (await sim.env.currentTimeMs()));

/** A 街道 leading the task, two of its 社区, and a unit that is not below it. */
function streetDefinition() {
  const base = testDefinition({
    start: '2035-01-02',
    end: '2035-03-30',
    tasks: [{ id: 'lanes', start: '2035-01-02', deadline: '2035-01-26', cooperatingUnits: [] }],
  });
  const person = (name: string, mailbox: string) => ({ name, email: `${mailbox}@test.example.org` });
  return definitionSchema.parse({
    ...base,
    units: [
      ...base.units,
      { id: 'street', name: '北海街道办事处', kind: 'other', principal: person('街道主任', 'jd-principal'), contact: person('街道联络员', 'jd') },
      { id: 'xingfu', name: '幸福社区居委会', kind: 'community', parent: 'street', principal: person('幸福社区主任', 'xf-principal'), contact: person('幸福社区联络员', 'xf') },
      { id: 'heping', name: '和平社区居委会', kind: 'community', parent: 'street', principal: person('和平社区主任', 'hp-principal'), contact: person('和平社区联络员', 'hp') },
    ],
    tasks: base.tasks.map((t) => ({ ...t, leadUnit: 'street' })),
  });
}

describe('转办 to a sub-unit', () => {
  it('the 社区 gets its own mail and link, its lapse shows in the 街道\'s 催办, and the 街道\'s deadline governs the ladder', { timeout: 180_000 }, async () => {
    const def = streetDefinition();
    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, def);
      await sleepUntil('2035-01-02T02:00:00Z'); // Tue Jan 2, 10:00 in Shanghai
      const task = taskHandle(sim.env.client, def.id, 'lanes');
      await waitFor(async () => (await task.describe().catch(() => undefined)) !== undefined, 'lanes started');
      await waitFor(async () => (await task.query(taskStateQuery)).status === 'assigned', 'lanes assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'street', by: '周敏' });
      await runUpdate(task, reportProgressUpdate, { unitId: 'street', text: '已部署背街小巷整治。' });

      // Refused, nothing written: a unit that is not below the 街道, a date past the task's deadline, a 社区 acting as the lead.
      await expect(
        runUpdate(task, delegateUpdate, { unitId: 'street', subUnitId: 'utilities', part: '管网排查', due: '2035-01-10' }),
      ).rejects.toThrow('单位 utilities 不是责任单位 street 的下级单位，不能转办');
      await expect(
        runUpdate(task, delegateUpdate, { unitId: 'street', subUnitId: 'xingfu', part: '清理堆放物', due: '2035-01-29' }),
      ).rejects.toThrow('办理期限 2035-01-29 不能晚于本任务的完成时限 2035-01-26');
      await expect(
        runUpdate(task, delegateUpdate, { unitId: 'xingfu', subUnitId: 'heping', part: '清理堆放物', due: '2035-01-10' }),
      ).rejects.toThrow('单位 xingfu 不是该任务的责任单位');

      await runUpdate(task, delegateUpdate, { unitId: 'street', subUnitId: 'xingfu', part: '清理幸福里背街小巷堆放物', due: '2035-01-10', by: '周敏' });
      // The 社区 reports once (not done); the 街道 reports on its own task too, so only the 社区's lapse is left to remind.
      await sleepUntil('2035-01-09T02:00:00Z');
      await expect(
        runUpdate(task, reportDelegationUpdate, { unitId: 'heping', seq: 1, text: '已清理' }),
      ).rejects.toThrow('单位 heping 不是该转办事项的承办单位');
      await runUpdate(task, reportDelegationUpdate, { unitId: 'xingfu', seq: 1, text: '已清理幸福里3号楼前堆放物，其余正在清理。', by: '陈芳' });
      await runUpdate(task, reportProgressUpdate, { unitId: 'street', text: '幸福社区正在清理，街道已督查2次。' });
      // The weekly check of Mon Jan 15, then the deadline's lapse (Fri Jan 26 24:00).
      await sleepUntil('2035-01-16T02:00:00Z');
      await sleepUntil('2035-01-29T02:00:00Z');
      // The office ends the campaign: the 社区's part ends with it (and its timers leave the clock to the next test).
      await runUpdate(campaignHandle(sim.env.client, def.id), endCampaignUpdate, { reason: '专项行动提前完成' });
      await waitFor(async () => (await campaignHandle(sim.env.client, def.id).describe()).status.name === 'COMPLETED', 'the campaign ended');
    });

    // The 社区: the 转办通知 with its own link to its part, and nothing of the ladder.
    const community = await mailTo(database.db, 'xf@test.example.org', def);
    expect(community.map((m) => m.subject)).toEqual([
      expect.stringContaining('关于转办“整治任务lanes”整治任务部分事项的通知'),
      expect.stringContaining('总结'), // the campaign's closing summary, to every unit
    ]);
    expect(community[0].text_body).toContain('北海街道办事处牵头的“整治任务lanes”整治任务');
    expect(community[0].text_body).toContain('清理幸福里背街小巷堆放物');
    expect(community[0].text_body).toContain('办理期限：2035年1月10日前');
    expect(community[0].text_body).toMatch(/转办事项办理链接（[^）]+）：http:\/\/127\.0\.0\.1:1\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
    expect((await mailTo(database.db, 'hp@test.example.org', def)).filter((m) => !m.subject.includes('总结'))).toEqual([]);

    // The 街道: the 社区's report, the 催办 of Jan 15 listing the overdue part, the 逾期通报; the office gets none of the 社区's report.
    const street = await mailTo(database.db, 'jd@test.example.org', def);
    const report = street.find((m) => m.subject.includes('幸福社区居委会报送转办事项办理进展'));
    expect(report?.text_body).toContain('已清理幸福里3号楼前堆放物，其余正在清理。');
    const reminders = street.filter((m) => m.subject.includes('催办'));
    // Jan 15: the 街道 reported, only the 社区's part is late; Jan 22 and 29: the 街道 silent too, both listed.
    expect(reminders.map((m) => m.subject)).toEqual([
      expect.stringContaining('关于督促下级单位办结转办事项的催办通知'),
      expect.stringContaining('关于督促报送“整治任务lanes”工作进展的催办通知'),
      expect.stringContaining('关于督促报送“整治任务lanes”工作进展的催办通知'),
    ]);
    const lateLine = '1. “整治任务lanes”中转交幸福社区居委会的“清理幸福里背街小巷堆放物”，办理期限2035年1月10日。';
    expect(reminders[0].text_body).toContain('你单位转办下级单位的以下1项事项已超过办理期限，尚未办结');
    expect(reminders[0].text_body).toContain(lateLine);
    expect(reminders[0].text_body).not.toContain('未报送工作进展');
    expect(reminders[1].text_body).toContain('自2035年1月15日以来未报送工作进展');
    expect(reminders[1].text_body).toContain(lateLine);
    const office = await mailTo(database.db, 'office@test.example.org', def);
    expect(office.some((m) => m.subject.includes('转办'))).toBe(false);

    // The ladder runs on the 街道's deadline: nothing of it before Jan 26 lapsed, the 逾期通报 to the 街道 alone.
    const { rows: ladder } = await database.db.query<{ kind: string; document_number: string; issued_at: Date; recipients: { to: string[]; cc: string[] } }>(
      `SELECT kind, document_number, issued_at, recipients FROM notices WHERE campaign_id = $1 AND rung IS NOT NULL ORDER BY issued_at`,
      [def.id],
    );
    expect(ladder.map((n) => n.kind)).toEqual(['overdue']);
    expect(ladder[0].issued_at.getTime()).toBeGreaterThanOrEqual(at('2035-01-26T16:00:00Z'));
    const addressed = [...ladder[0].recipients.to, ...ladder[0].recipients.cc];
    expect(addressed.filter((a) => a.startsWith('jd'))).not.toEqual([]);
    expect(addressed.filter((a) => a.startsWith('xf') || a.startsWith('hp'))).toEqual([]);
    const streetPeople = [...street, ...(await mailTo(database.db, 'jd-principal@test.example.org', def))];
    expect(streetPeople.some((m) => m.subject.includes(ladder[0].document_number))).toBe(true);

    // The record says who did what.
    const { rows: events } = await database.db.query<{ kind: string; actor: string | null; detail: Record<string, unknown> }>(
      `SELECT kind, actor, detail FROM task_events WHERE campaign_id = $1 AND task_id = 'lanes' AND kind IN ('delegated', 'delegationProgress', 'progress') ORDER BY occurred_at, id`,
      [def.id],
    );
    expect(events.map((e) => [e.kind, e.actor])).toEqual([
      ['progress', 'street'],
      ['delegated', 'street'],
      ['delegationProgress', 'xingfu'],
      ['progress', 'street'],
    ]);
    expect(events[1].detail).toMatchObject({ seq: 1, from: 'street', to: 'xingfu', part: '清理幸福里背街小巷堆放物', due: '2035-01-10', by: '周敏' });
    expect(events[2].detail).toMatchObject({ seq: 1, text: '已清理幸福里3号楼前堆放物，其余正在清理。', by: '陈芳' });
    const { rows: delegations } = await database.db.query(
      'SELECT lead_unit, sub_unit, part, due, status, last_report_at IS NOT NULL AS reported FROM task_delegations WHERE campaign_id = $1',
      [def.id],
    );
    expect(delegations).toEqual([{ lead_unit: 'street', sub_unit: 'xingfu', part: '清理幸福里背街小巷堆放物', due: '2035-01-10', status: 'ended', reported: true }]);
    // Ended with the campaign, and the 社区's link with it.
    expect(await currentLinkVersion(database.db, delegationLinkKey(def.id, 'lanes', 'xingfu'))).toBe(1);
  });

  it('a task that reminds on its own lists the overdue part; a reassignment ends the delegation and withdraws its link', { timeout: 120_000 }, async () => {
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
    const due = shanghaiDate(today, 2);
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      await runUpdate(task, acknowledgeUpdate, { unitId: 'enforcement' });
      // The office hands it down for the lead unit from the command line.
      await expect(cli('task', 'delegate', def.id, 'lanes', '--unit', 'enforcement', '--to', 'tourism', '--part', '夜间巡查', '--due', due)).rejects.toThrow(
        '操作被拒绝：单位 tourism 不是责任单位 enforcement 的下级单位，不能转办',
      );
      expect(await cli('task', 'delegate', def.id, 'lanes', '--unit', 'enforcement', '--to', 'squad', '--part', '夜间巡查占道经营', '--due', due)).toContain('任务 lanes：已签收');
      await sim.env.sleep(9 * DAY);
      await waitFor(async () => (await task.query(taskStateQuery)).notices.some((n) => n.kind === 'reminder'), 'a weekly reminder');
      const state = await runUpdate(task, reassignUpdate, { unitId: 'utilities', reason: '职能调整' });
      expect(state.delegations?.map((d) => d.status)).toEqual(['ended']);
      await expect(runUpdate(task, reportDelegationUpdate, { unitId: 'squad', seq: 1, text: '已巡查' })).rejects.toThrow('该转办事项已终止，不能再报送');
    });

    const { rows: reminders } = await database.db.query<{ unit_id: string; body: string }>(
      `SELECT unit_id, body FROM notices WHERE campaign_id = $1 AND kind = 'reminder' ORDER BY issued_at`,
      [def.id],
    );
    expect(reminders[0].unit_id).toBe('enforcement');
    expect(reminders[0].body).toContain('转交执法一中队的“夜间巡查占道经营”');
    const { rows } = await database.db.query('SELECT status, ended_reason FROM task_delegations WHERE campaign_id = $1', [def.id]);
    expect(rows).toEqual([{ status: 'ended', ended_reason: 'reassigned' }]);
    // The 转办通知 carried version 0 of the squad's link; the reassignment withdrew it.
    expect(await currentLinkVersion(database.db, delegationLinkKey(def.id, 'lanes', 'squad'))).toBe(1);
    expect((await mailTo(database.db, 'zd@test.example.org', def)).map((m) => m.subject)).toEqual([expect.stringContaining('关于转办“整治任务lanes”整治任务部分事项的通知')]);
  });
});
