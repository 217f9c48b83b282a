// A campaign runs exactly what its definition names: the cadences the plan states with the
// audience it gives, the monthly spot check with its bulletin, patrol reminders, a year-end
// summary, where materials go, and the plan's own last-place rule; a definition that names no
// cadence runs none. Fixed dates in 2035 (no holiday schedule: Monday–Friday, 2035-01-01 a Monday).
import { describe, expect, it } from 'vitest';
import { startCampaign } from '../../client/campaigns.js';
import { definitionSchema, type CampaignDefinition } from '../../domain/definition.js';
import { testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { campaignNoticeKinds, simulationForFile } from './helpers.js';

const { database, sim } = await simulationForFile();

const kinds = (campaignId: string) => campaignNoticeKinds(database.db, campaignId);

interface NoticeRow {
  kind: string;
  title: string;
  body: string;
  recipients: { to: string[]; cc: string[] };
  issued_at: Date;
}
const notices = async (campaignId: string, kind: string) =>
  (
    await database.db.query<NoticeRow>(
      `SELECT kind, title, body, recipients, issued_at FROM notices WHERE campaign_id = $1 AND kind = $2 ORDER BY issued_at, id`,
      [campaignId, kind],
    )
  ).rows;
const shanghaiDay = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

const ended = async (campaignId: string) =>
  waitFor(async () => (await kinds(campaignId)).closingSummary === 1, 'closing summary issued', 120_000);

describe('a campaign runs its plan’s rules', () => {
  it('sends what the plan states, to whom it says, applies its own last-place rule, and runs nothing it does not name', { timeout: 180_000 }, async () => {
    const def = definitionSchema.parse({
      ...testDefinition({
        start: '2035-01-01',
        end: '2035-02-28',
        tasks: [{ id: 'lanes', start: '2035-01-02', deadline: '2035-01-19' }],
        cadences: {
          // 每周检查，结果报送组长 (the plan names the audience).
          weeklyCheck: { recipients: { to: ['leaders.groupLeader'], cc: ['office'] } },
          // 每月暗访一次，结果通报.
          monthlyCheck: { day: 20, method: '暗访', line: 12 },
          // 日常巡查, monthly on the 10th.
          routinePatrol: { frequency: 'monthly', day: 10 },
          yearEndSummary: { month: 2, day: 15 },
          monthlyMaterials: { recipient: '区党群工作部' },
          bimonthlyAssessment: { everyMonths: 1 },
        },
        // 排名末位的，约谈主要负责人 (no 通报批评 first).
        assessment: { lastPlace: { action: 'interview' } },
      }),
      office: {
        name: '测试园区创城办',
        documentPrefix: '规则创城',
        email: 'office@test.example.org',
        superior: { name: '县创建办', email: 'county@test.example.org' },
      },
    });
    def.assessment = { ...def.assessment, reportTo: { to: '县创建办' } };
    // Beside it, over the same months, a definition that names no cadence.
    // (Its task lapses before the end: the time-skipping server never answers a cancel that meets a task finishing.)
    const rest: Partial<CampaignDefinition> = testDefinition({ start: '2035-01-01', end: '2035-02-28', tasks: [{ id: 'lanes', start: '2035-01-02', deadline: '2035-02-15' }] });
    delete rest.cadences;
    const bare = definitionSchema.parse({ ...rest, office: { ...rest.office, documentPrefix: '无节奏创城' } });
    expect(bare.cadences).toBeUndefined();

    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, def);
      await startCampaign(sim.env.client, bare);
      await sim.env.sleep(Date.parse('2035-03-01T02:00:00Z') - (await sim.env.currentTimeMs()));
      await ended(def.id);
      await ended(bare.id);
    });

    // By hand: weekly checks Mondays Jan 1 … Feb 26 = 9; spot checks on the 20th (Jan 20 a Saturday → Mon Jan 22;
    // Feb 20) = 2; patrol reminders on the 10th (Jan 10; Feb 10 a Saturday → Mon Feb 12) = 2; the year-end
    // summary Feb 15 = 1; materials reminders Jan 25 and Feb 26, 3 units each = 6; one round on Feb 1 with its
    // results and one 约谈; the closing summary. No bulletin, no dispatch, no quarterly or half-year report.
    expect(await kinds(def.id)).toEqual({
      weeklyCheck: 9,
      monthlyCheck: 2,
      patrolReminder: 2,
      yearEndSummary: 1,
      materialsReminder: 6,
      assessmentResult: 1,
      interview: 1,
      closingSummary: 1,
      // The unit's weekly 催办 of its silent task: Mondays Jan 8 … Feb 26 (Jan 1: not yet assigned).
      reminder: 8,
    });

    const [weekly] = await notices(def.id, 'weeklyCheck');
    expect(weekly.recipients).toEqual({ to: ['chief@test.example.org'], cc: ['office@test.example.org'] });

    const checks = await notices(def.id, 'monthlyCheck');
    expect(checks.map((n) => [shanghaiDay(n.issued_at), n.title])).toEqual([
      ['2035-01-22', '2035年1月暗访情况通报'],
      ['2035-02-20', '2035年2月暗访情况通报'],
    ]);
    // The task lapsed on Jan 19: the January check lists it among the problems found.
    expect(checks[0].body).toContain('二、发现的问题（已逾期）（1 项）：“整治任务lanes”（区综合执法分局');
    expect(checks[0].recipients.to.sort()).toEqual(['fw@test.example.org', 'gy@test.example.org', 'zf@test.example.org']);

    const patrols = await notices(def.id, 'patrolReminder');
    expect(patrols.map((n) => shanghaiDay(n.issued_at))).toEqual(['2035-01-10', '2035-02-12']);
    expect(patrols[0].body).toContain('请各单位对责任区域开展日常巡查');
    expect(patrols[0].body).toContain('区综合执法分局 1 项');

    const [yearEnd] = await notices(def.id, 'yearEndSummary');
    expect(shanghaiDay(yearEnd.issued_at)).toBe('2035-02-15');

    const materials = await notices(def.id, 'materialsReminder');
    expect(materials.every((n) => n.body.includes('报送至区党群工作部'))).toBe(true);

    // The plan's rule: last place brings 约谈 at once; the results are copied to the superior body.
    const { rows: scores } = await database.db.query<{ unit_id: string; consequence: string | null }>(
      'SELECT unit_id, consequence FROM assessment_scores WHERE campaign_id = $1 AND last',
      [def.id],
    );
    expect(scores).toEqual([{ unit_id: 'enforcement', consequence: 'interview' }]);
    const [results] = await notices(def.id, 'assessmentResult');
    expect(results.recipients.cc).toContain('county@test.example.org');
    expect(results.body).toContain('区综合执法分局排名末位，约谈主要负责人');

    // No cadence named, none run: only the closing summary and the tasks' own mail — the unit's weekly
    // 催办 for its silent task included (Mondays Jan 8 … Feb 26).
    expect(await kinds(bare.id)).toEqual({ closingSummary: 1, reminder: 8 });
    const { rows } = await database.db.query<{ kind: string }>(
      `SELECT DISTINCT kind FROM notices WHERE campaign_id = $1 AND task_id IS NOT NULL ORDER BY kind`,
      [bare.id],
    );
    expect(rows.map((r) => r.kind)).toContain('assignment');
  });
});
