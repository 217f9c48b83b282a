// `chuangwen campaign add-task`, `add-complaint` and `end`, run as the real command (a process,
// its exit code and what it prints) against the time-skipping server, a test database and the
// SMTP sink: what they leave in PostgreSQL and in the mailbox, and what they refuse with exit 2.
import path from 'node:path';
import { DateTime } from 'luxon';
import { stringify } from 'yaml';
import { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { endCampaign } from '../../client/api/actions.js';
import { campaignHandle } from '../../client/campaigns.js';
import { listMailbox } from '../../db/mailbox.js';
import { definitionSchema } from '../../domain/definition.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { cliStackForFile } from './support.js';

const { database, sim, dir, chuangwen, file } = await cliStackForFile();

const query = async <T extends Record<string, unknown>>(sql: string, params: unknown[]) => (await database.db.query<T>(sql, params)).rows;

describe('chuangwen campaign add-task, add-complaint and end', () => {
  let id: string;
  let today: Date;

  beforeAll(async () => {
    today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -1),
      end: shanghaiDate(today, 90),
      tasks: [{ id: 'lanes', start: shanghaiDate(today, -1), deadline: shanghaiDate(today, 20) }],
    });
    id = def.id;
    const started = await chuangwen('campaign', 'start', await file('campaign.yaml', stringify(def)));
    expect(started.code, started.stderr).toBe(0);
    await waitFor(async () => (await query<{ status: string }>('SELECT status FROM tasks WHERE campaign_id = $1', [id]))[0]?.status === 'assigned', 'lanes assigned');
  });

  it('adds a task from a YAML file: recorded, and its assignment mailed to the lead unit', async () => {
    // Started yesterday, so it is assigned at once rather than at 09:00 of its start day.
    const task = await file(
      'night-market.yaml',
      stringify({
        id: 'night-market',
        title: '整治夜市占道经营',
        description: '夜市摊点越线经营，油烟扰民。',
        leadUnit: 'utilities',
        cooperatingUnits: ['service'],
        start: shanghaiDate(today, -1),
        deadline: shanghaiDate(today, 25),
      }),
    );
    const added = await chuangwen('campaign', 'add-task', id, task);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('已新增任务「整治夜市占道经营」（night-market）：责任单位 utilities');
    expect(added.stdout).toContain(`工作流：campaign/${id}/task/night-market`);
    expect(await query('SELECT title, lead_unit, cooperating_units, deadline FROM tasks WHERE campaign_id = $1 AND id = $2', [id, 'night-market'])).toEqual([
      { title: '整治夜市占道经营', lead_unit: 'utilities', cooperating_units: ['service'], deadline: shanghaiDate(today, 25) },
    ]);

    const [assignment] = await waitFor(
      async () => {
        const rows = await query<{ document_number: string }>(`SELECT document_number FROM notices WHERE campaign_id = $1 AND task_id = 'night-market' AND kind = 'assignment'`, [id]);
        return rows.length > 0 && rows;
      },
      'the new task assigned',
    );
    const mail = await waitFor(
      async () => (await listMailbox(database.db, { to: 'gy@test.example.org' })).find((m) => m.subject.includes(assignment.document_number)),
      'the assignment mail in the sink',
    );
    expect(mail.subject).toContain('交办');
  });

  it('refuses a bad task file with file, line and field, and a task the campaign refuses with its reason (exit 2)', async () => {
    const bad = await file('bad-task.yaml', ['id: late-one', 'leadUnit: utilities', 'start: 2030-01-01', 'deadline: 下周五', ''].join('\n'));
    const refused = await chuangwen('campaign', 'add-task', id, bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('任务文件有 2 处错误');
    expect(refused.stderr).toContain(`${bad}:1:1 title: 缺少此项`);
    expect(refused.stderr).toContain(`${bad}:4:11 deadline: 日期格式应为 YYYY-MM-DD`);

    const list = await file('list.yaml', '- id: a\n- id: b\n');
    expect((await chuangwen('campaign', 'add-task', id, list)).stderr).toContain(`${list}:1: 任务文件应为一项任务的 YAML 映射`);
    const missing = await chuangwen('campaign', 'add-task', id, path.join(dir, 'no-such-file.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('无法读取文件');

    const unknown = await file(
      'unknown-unit.yaml',
      stringify({ id: 'nowhere-task', title: '未知单位的任务', leadUnit: 'nowhere', start: shanghaiDate(today, 1), deadline: shanghaiDate(today, 20) }),
    );
    const rejected = await chuangwen('campaign', 'add-task', id, unknown);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toContain('操作被拒绝：未知单位：nowhere');
    const twice = await chuangwen('campaign', 'add-task', id, path.join(dir, 'night-market.yaml'));
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('操作被拒绝：任务编号重复：night-market');
    expect(await query('SELECT id FROM tasks WHERE campaign_id = $1 ORDER BY id', [id])).toEqual([{ id: 'lanes' }, { id: 'night-market' }]);
  });

  it('registers a complaint, whose first notice is a 督办函', async () => {
    const wrongSource = await chuangwen('campaign', 'add-complaint', id, '--title', '群众反映夜市油烟扰民', '--unit', 'enforcement', '--source', 'hotline');
    expect(wrongSource.code).toBe(2);
    expect(wrongSource.stderr).toContain('投诉来源应为 citizen（群众来信来访）、media（媒体曝光） 之一：hotline');
    const noTitle = await chuangwen('campaign', 'add-complaint', id, '--unit', 'enforcement', '--source', 'citizen');
    expect(noTitle.code).toBe(2);

    const added = await chuangwen(
      'campaign', 'add-complaint', id,
      '--id', 'hotline-1',
      '--title', '群众反映夜市油烟扰民',
      '--unit', 'enforcement',
      '--source', 'citizen',
      '--reference', '12345热线工单 0001',
      '--description', '夜间油烟和噪声影响周边居民休息。',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('已登记投诉「群众反映夜市油烟扰民」（hotline-1）');

    // Its letter goes out at 09:00 (campaign time) of the day it was registered.
    const nine = DateTime.fromJSDate(await sim.now()).setZone('Asia/Shanghai').set({ hour: 9, minute: 1, second: 0, millisecond: 0 });
    const wait = nine.toMillis() - (await sim.env.currentTimeMs());
    if (wait > 0) await sim.env.sleep(wait);
    const [first] = await waitFor(
      async () => {
        const rows = await query<{ kind: string; document_number: string }>(
          `SELECT kind, document_number FROM notices WHERE campaign_id = $1 AND task_id = 'hotline-1' ORDER BY issued_at, id`,
          [id],
        );
        return rows.length > 0 && rows;
      },
      "the complaint's first notice",
    );
    expect(first.kind).toBe('supervisionLetter');
    const [event] = await query<{ detail: Record<string, unknown> }>(`SELECT detail FROM task_events WHERE campaign_id = $1 AND task_id = 'hotline-1' AND kind = 'complaint'`, [id]);
    expect(event.detail).toMatchObject({ source: 'citizen', reference: '12345热线工单 0001', text: '夜间油烟和噪声影响周边居民休息。' });
    await waitFor(
      async () => (await listMailbox(database.db, { to: 'zf@test.example.org' })).some((m) => m.subject.includes(first.document_number)),
      'the 督办函 in the sink',
    );
  });

  it('ends the campaign: open tasks withdrawn, the closing summary issued; a second end is refused (exit 2)', async () => {
    const noReason = await chuangwen('campaign', 'end', id);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
    const blank = await chuangwen('campaign', 'end', id, '--reason', '  ');
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('请写明结束原因');
    const nowhere = await chuangwen('campaign', 'end', 'nowhere', '--reason', '无此活动');
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('未找到创建活动的工作流：nowhere');

    const ended = await chuangwen('campaign', 'end', id, '--reason', '专项行动提前完成', '--by', '赵明');
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`已结束创建活动「测试园区创建文明城市实施方案」（${id}），原因：专项行动提前完成。`);
    expect(ended.stdout).toContain('未完成的 3 项任务已撤销，不再督办：');
    expect(ended.stdout).toMatch(/已印发总结（测试创城总结〔\d{4}〕1号）：关于《测试园区创建文明城市实施方案》工作结束的总结，发往各责任单位和领导。/);

    expect(await query('SELECT id, status FROM tasks WHERE campaign_id = $1 ORDER BY id', [id])).toEqual([
      { id: 'hotline-1', status: 'withdrawn' },
      { id: 'lanes', status: 'withdrawn' },
      { id: 'night-market', status: 'withdrawn' },
    ]);
    expect(await query(`SELECT task_id, detail FROM task_events WHERE campaign_id = $1 AND kind = 'campaignEnded' ORDER BY task_id`, [id])).toEqual(
      ['hotline-1', 'lanes', 'night-market'].map((task_id) => ({ task_id, detail: { reason: '专项行动提前完成' } })),
    );
    const summaries = await query<{ document_number: string; body: string }>(`SELECT document_number, body FROM notices WHERE campaign_id = $1 AND kind = 'closingSummary'`, [id]);
    expect(summaries).toHaveLength(1);
    expect(summaries[0].body).toContain('专项行动提前完成');
    expect((await query<{ status: string }>('SELECT status FROM campaigns WHERE id = $1', [id]))[0].status).toBe('ended');
    await waitFor(
      async () => (await listMailbox(database.db, { to: 'zf@test.example.org' })).some((m) => m.subject.includes(summaries[0].document_number)),
      'the closing summary in the sink',
    );

    const again = await chuangwen('campaign', 'end', id, '--reason', '再结束一次');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`操作被拒绝：创建活动已结束（已印发总结 ${summaries[0].document_number}），不能再次结束`);
    const late = await chuangwen('campaign', 'add-complaint', id, '--title', '结束后的投诉', '--unit', 'enforcement', '--source', 'media');
    expect(late.code).toBe(2);
    expect(late.stderr).toContain('操作被拒绝：创建活动已结束');
    expect(await query(`SELECT count(*)::int AS n FROM notices WHERE campaign_id = $1 AND kind = 'closingSummary'`, [id])).toEqual([{ n: 1 }]);
  });

  // Last: it moves the clock to 2035 (no holiday schedule: Monday–Friday).
  it('ends a campaign in the middle of an assessment round once the round is over, and says so at once', async () => {
    const def = definitionSchema.parse(
      testDefinition({
        start: '2035-01-01',
        end: '2035-06-30',
        tasks: [{ id: 'lanes', start: '2035-01-02', deadline: '2035-05-31' }],
        cadences: { bimonthlyAssessment: { everyMonths: 1 } },
      }),
    );
    const started = await chuangwen('campaign', 'start', await file('round.yaml', stringify(def)));
    expect(started.code, started.stderr).toBe(0);
    // Into round 1's scoring window: it opens Thursday 2035-02-01 09:00 for five working days.
    await sim.env.sleep(Date.parse('2035-02-01T02:00:00Z') - (await sim.env.currentTimeMs()));
    await waitFor(async () => (await query('SELECT 1 FROM assessment_rounds WHERE campaign_id = $1', [def.id])).length > 0, 'round 1 open');

    // A plain client: the test environment's own would let time skip while it waits.
    const client = new Client({ connection: sim.env.connection });
    const end = await endCampaign(database.db, client, def.id, { reason: '提前结束' }, { waitMs: 1000 });
    expect(end).toMatchObject({ campaignId: def.id, status: 'ending', reason: '提前结束', closedOutTasks: [] });
    const again = await chuangwen('campaign', 'end', def.id, '--reason', '再结束一次');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('操作被拒绝：创建活动已在结束中，不能重复提交');
    expect((await query<{ status: string }>('SELECT status FROM tasks WHERE campaign_id = $1', [def.id]))[0].status).not.toBe('withdrawn');

    // Past the window: the round is published, then the campaign ends as asked.
    await sim.env.sleep(Date.parse('2035-02-10T02:00:00Z') - (await sim.env.currentTimeMs()));
    await waitFor(async () => (await campaignHandle(client, def.id).describe()).status.name === 'COMPLETED', 'the campaign completed');
    expect(await query('SELECT id, status FROM tasks WHERE campaign_id = $1', [def.id])).toEqual([{ id: 'lanes', status: 'withdrawn' }]);
    expect(await query(`SELECT kind FROM notices WHERE campaign_id = $1 AND kind IN ('assessmentResult', 'closingSummary') ORDER BY issued_at, id`, [def.id])).toEqual([
      { kind: 'assessmentResult' },
      { kind: 'closingSummary' },
    ]);
  });
});
