// A campaign's two months on the time-skipping server: cadence digests, the monthly materials,
// an assessment round with its last-place consequence, a complaint added while it runs, its end.
// Fixed dates in 2035 (no holiday schedule: Monday–Friday), so every count is worked out by hand.
import { describe, expect, it } from 'vitest';
import { campaignHandle, runUpdate, startCampaign } from '../../client/campaigns.js';
import { performanceForYear } from '../../db/reports.js';
import { definitionSchema } from '../../domain/definition.js';
import { addComplaintUpdate, addTaskUpdate, campaignStateQuery, endCampaignUpdate } from '../../workflows/messages.js';
import { BEIHAI_LAST_PLACE_RULES, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { campaignNoticeKinds, simulationForFile } from './helpers.js';

const { database, sim } = await simulationForFile();

const kinds = (campaignId: string) => campaignNoticeKinds(database.db, campaignId);

describe('CampaignWorkflow', () => {
  it('runs its cadences, materials and an assessment round, takes a complaint, and ends with a summary', async () => {
    const def = definitionSchema.parse({
      ...testDefinition({
        start: '2035-01-01',
        end: '2035-02-28',
        tasks: [{ id: 'lanes', start: '2035-01-02', deadline: '2035-01-19' }],
        cadences: {
          weeklyCheck: {},
          monthlyBulletin: {},
          dispatch: { office: 'weekly', leaders: 'monthly' },
          monthlyMaterials: {},
          bimonthlyAssessment: { everyMonths: 1 },
        },
        assessment: BEIHAI_LAST_PLACE_RULES,
      }),
      phases: [
        { name: '规划部署启动', start: '2035-01-01', end: '2035-01-31' },
        { name: '深入推进攻坚克难', start: '2035-02-01', end: '2035-02-28' },
      ],
    });

    await sim.withWorker(async () => {
      const handle = await startCampaign(sim.env.client, def);
      // Into the campaign: 2035-01-01 is a Monday.
      const untilJan15 = Date.parse('2035-01-15T02:00:00Z') - (await sim.env.currentTimeMs());
      await sim.env.sleep(untilJan15);

      // A complaint mid-way becomes an urgent task; a new task with an unknown unit is refused.
      const added = await runUpdate(handle, addComplaintUpdate, {
        id: 'hotline-1',
        title: '群众反映农贸市场占道经营',
        leadUnit: 'enforcement',
        source: 'citizen',
        reference: '12345热线 2035-0115-001',
      });
      expect(added.workflowId).toBe(`campaign/${def.id}/task/hotline-1`);
      await expect(
        runUpdate(handle, addTaskUpdate, { ...def.tasks[0], id: 'bad', leadUnit: 'nowhere' }),
      ).rejects.toThrow('未知单位：nowhere');

      // To the end of February, then the end of the campaign.
      await sim.env.sleep(Date.parse('2035-02-28T10:00:00Z') - (await sim.env.currentTimeMs()));
      const state = await handle.query(campaignStateQuery);
      expect(state.phase?.name).toBe('深入推进攻坚克难');
      expect(state.assessmentRounds).toBe(1);
      const ended = await runUpdate(handle, endCampaignUpdate, { reason: '测试结束' });
      expect(ended.ended?.reason).toBe('测试结束');
    });

    // By hand (Monday–Friday, 2035-01-01 00:00 to 2035-02-28 24:00):
    //  每周一检查 Mondays 09:00: Jan 1, 8, 15, 22, 29, Feb 5, 12, 19, 26 = 9
    //  每月一通报 day 1: Feb 1 = 1, and 主要领导调度 monthly: Feb 1 = 1 (Jan 1 09:00 is the first morning: nothing to
    //  report yet, so the first of each covers from the start); 创建办调度 Fridays: Jan 5 … Feb 23 = 8
    //  每月报送 reminders on Jan 25 and on Feb 25 (a Sunday, moved to Monday Feb 26): 3 units each = 6
    //  phases: 2; assessment round 1 on Feb 1: one results notice, one 通报批评 for the last unit; closing summary: 1
    expect(await kinds(def.id)).toEqual({
      weeklyCheck: 9,
      monthlyBulletin: 1,
      dispatch: 9,
      materialsReminder: 6,
      phaseStart: 2,
      assessmentResult: 1,
      criticism: 1,
      closingSummary: 1,
      // The unit's weekly 催办 for its silent tasks (the lane, then the complaint too): Mondays Jan 8 … Feb 26.
      reminder: 8,
    });

    // The round: the unit whose task lapsed and climbed is last, alone; the others tie at the top.
    const { rows: scores } = await database.db.query<{ unit_id: string; rank: number; last: boolean; consequence: string | null }>(
      'SELECT unit_id, rank, last, consequence FROM assessment_scores WHERE campaign_id = $1 ORDER BY rank, unit_id',
      [def.id],
    );
    expect(scores).toEqual([
      { unit_id: 'service', rank: 1, last: false, consequence: null },
      { unit_id: 'utilities', rank: 1, last: false, consequence: null },
      { unit_id: 'enforcement', rank: 3, last: true, consequence: 'criticism' },
    ]);
    const criticism = await database.db.query<{ title: string; recipients: { to: string[] } }>(
      `SELECT title, recipients FROM notices WHERE campaign_id = $1 AND kind = 'criticism'`,
      [def.id],
    );
    expect(criticism.rows[0].title).toBe('关于对区综合执法分局予以通报批评的通报');
    expect(criticism.rows[0].recipients.to.sort()).toEqual(['fw@test.example.org', 'gy@test.example.org', 'zf@test.example.org']);

    // Materials due Jan 25 (+3 working days to Jan 30): 3 units × 4 forms late; Feb's check falls after the end.
    const { rows: ledger } = await database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM performance_ledger WHERE campaign_id = $1 AND reason LIKE '%逾期未报'`,
      [def.id],
    );
    expect(ledger[0].n).toBe(12);

    // 年终绩效: the others scored 80 (their January materials all late: −20) and lost 4 × 0.5 in the ledger.
    const performance = await performanceForYear(database.db, 2035, def.id);
    expect(performance.map((p) => p.unitId)).toEqual(['enforcement', 'service', 'utilities']);
    expect(performance.slice(1).map((p) => [p.assessmentAverage, p.ledgerPoints, p.total])).toEqual([
      [80, -2, 78],
      [80, -2, 78],
    ]);
    expect(performance[0].total).toBeLessThan(78);

    // The complaint started at the 督办函; at the end, open tasks are closed out.
    const { rows: tasks } = await database.db.query<{ id: string; status: string }>(
      'SELECT id, status FROM tasks WHERE campaign_id = $1 ORDER BY id',
      [def.id],
    );
    expect(tasks).toEqual([
      { id: 'hotline-1', status: 'withdrawn' },
      { id: 'lanes', status: 'withdrawn' },
    ]);
    const { rows: complaintNotices } = await database.db.query<{ kind: string }>(
      `SELECT kind FROM notices WHERE campaign_id = $1 AND task_id = 'hotline-1' ORDER BY id LIMIT 1`,
      [def.id],
    );
    expect(complaintNotices[0].kind).toBe('supervisionLetter');
    await waitFor(async () => (await campaignHandle(sim.env.client, def.id).describe()).status.name === 'COMPLETED', 'campaign completed');
  });
});
