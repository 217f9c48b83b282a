// `chuangwen campaign start` against today's date, and `chuangwen campaign preview`, run as the real
// command against the time-skipping server, a test database and the SMTP sink: an ended period is
// refused with nothing written or sent; a past start lists its catch-up; a preview runs in a sandbox
// of its own and leaves nothing in the test's database or mailbox.
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { CampaignPreview } from '../../client/preview.js';
import { listMailbox } from '../../db/mailbox.js';
import { shanghaiDate, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { cliStackForFile } from './support.js';

const { database, sim, chuangwen, file } = await cliStackForFile();

const count = async (sql: string, params: unknown[] = []) => (await database.db.query<{ n: number }>(sql, params)).rows[0].n;

describe('chuangwen campaign start: dates that make sense', () => {
  it('refuses a plan whose period ended: exit 2, the --shift-to hint, nothing written, no mail', async () => {
    const result = await chuangwen('campaign', 'start', 'examples/beihai-2021.yaml');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('活动期 2021-04-01 至 2021-12-31 已经结束');
    expect(result.stderr).toContain('--shift-to YYYY-MM-DD');
    expect(await count('SELECT count(*)::int AS n FROM campaigns')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM notices')).toBe(0);
    expect(await listMailbox(database.db)).toEqual([]);
    // The same plan moved to tomorrow is not refused by its dates.
    const tomorrow = shanghaiDate(await sim.now(), 1);
    const preview = await chuangwen('campaign', 'preview', 'examples/beihai-2021.yaml', '--shift-to', tomorrow, '--months', '1', '--json');
    expect(preview.code, preview.stderr).toBe(0);
  });

  it('refuses tasks already past their deadline without --catch-up, listing them and the catch-up notices', async () => {
    const today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -30),
      end: shanghaiDate(today, 60),
      tasks: [
        { id: 'lanes', start: shanghaiDate(today, -30), deadline: shanghaiDate(today, -3) },
        { id: 'parks', start: shanghaiDate(today, -30), deadline: shanghaiDate(today, 30) },
      ],
      cadences: { weeklyCheck: {} },
    });
    const result = await chuangwen('campaign', 'start', await file('lapsed.yaml', stringify(def)));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`活动开始日期 ${def.start} 早于今天`);
    expect(result.stderr).toMatch(/已过日期的例行通知共 [45] 份（每周检查情况 [45] 份；/);
    expect(result.stderr).toContain(`lanes 整治任务lanes：${shanghaiDate(today, -3)} 截止，已过 3 天`);
    expect(result.stderr).toContain('--shift-to');
    expect(result.stderr).toContain('--catch-up');
    expect(await count('SELECT count(*)::int AS n FROM campaigns')).toBe(0);
  });

  it('starts a past start as of today: says which catch-up notices it leaves out and sends none of them', async () => {
    const today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, -30),
      end: shanghaiDate(today, 60),
      tasks: [{ id: 'parks', start: shanghaiDate(today, -30), deadline: shanghaiDate(today, 30) }],
      cadences: { weeklyCheck: {} },
    });
    const result = await chuangwen('campaign', 'start', await file('past.yaml', stringify(def)));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/已过日期的例行通知共 [45] 份（每周检查情况 [45] 份；/);
    expect(result.stdout).toContain(`未选择补发：活动自今天（${shanghaiDate(today)}）起施行`);
    await waitFor(async () => (await count('SELECT count(*)::int AS n FROM notices WHERE campaign_id = $1 AND kind = $2', [def.id, 'assignment'])) === 1, 'parks assigned');
    const { rows } = await database.db.query<{ start_date: string }>('SELECT start_date::text FROM campaigns WHERE id = $1', [def.id]);
    expect(rows[0].start_date).toBe(shanghaiDate(today));
    expect(await count('SELECT count(*)::int AS n FROM notices WHERE campaign_id = $1 AND kind = $2', [def.id, 'weeklyCheck'])).toBe(0);
    // Its 交办通知 delivered: the only mail of the campaign so far.
    await waitFor(async () => (await count('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL')) === 0 && (await listMailbox(database.db)).length > 0, 'the assignment delivered');
  });
});

describe('chuangwen campaign preview', () => {
  it('prints every notice month by month in a sandbox of its own; the real database and mailbox receive nothing', async () => {
    const today = await sim.now();
    const def = testDefinition({
      start: shanghaiDate(today, 1),
      end: shanghaiDate(today, 75),
      tasks: [{ id: 'lanes', start: shanghaiDate(today, 1), deadline: shanghaiDate(today, 20) }],
      cadences: { weeklyCheck: {} },
    });
    const before = {
      campaigns: await count('SELECT count(*)::int AS n FROM campaigns'),
      notices: await count('SELECT count(*)::int AS n FROM notices'),
      mails: (await listMailbox(database.db)).length,
    };
    const at = await file('preview.yaml', stringify(def));

    const json = await chuangwen('campaign', 'preview', at, '--months', '2', '--json');
    expect(json.code, json.stderr).toBe(0);
    const preview = JSON.parse(json.stdout) as CampaignPreview;
    expect(preview.version).toBe(1);
    expect(preview.period).toMatchObject({ from: def.start, months: 2 });
    expect(preview.months.length).toBeGreaterThanOrEqual(2);
    const notices = preview.months.flatMap((m) => m.notices);
    // The 交办通知 on the start day, the first of its year, to the lead unit's contact, copied to the cooperating units.
    const assignment = notices.find((n) => n.kind === 'assignment')!;
    expect(assignment).toMatchObject({ date: def.start, word: '交办', documentNumber: `测试创城交办〔${def.start.slice(0, 4)}〕1号` });
    expect(assignment.to).toEqual([{ address: 'zf@test.example.org', name: '区综合执法分局（联系人 区综合执法分局联络员）' }]);
    expect(assignment.cc.map((r) => r.address)).toEqual(['gy@test.example.org', 'fw@test.example.org']);
    // Nobody answers: the deadline lapses and the 逾期通报 goes to the lead unit.
    const overdue = notices.find((n) => n.kind === 'overdue')!;
    expect(overdue.documentNumber).toMatch(/^测试创城通报〔\d{4}〕1号$/);
    expect(overdue.date > shanghaiDate(today, 20)).toBe(true);
    const kinds = Object.fromEntries(preview.counts.byKind.map((k) => [k.kind, k.count]));
    expect(kinds.assignment).toBe(1);
    expect(kinds.overdue).toBe(1);
    expect(kinds.weeklyCheck).toBeGreaterThanOrEqual(8);
    expect(preview.counts.total).toBe(notices.length);
    expect(preview.counts.byUnit.find((u) => u.unitId === 'enforcement')!.count).toBeGreaterThan(2);
    // Each month's notices in that month.
    for (const m of preview.months) for (const n of m.notices) expect(n.date.slice(0, 7)).toBe(m.month);

    const text = await chuangwen('campaign', 'preview', at, '--months', '1');
    expect(text.code, text.stderr).toBe(0);
    const [year, month] = def.start.split('-').map(Number);
    expect(text.stdout).toContain(`${year}年${month}月（`);
    expect(text.stdout).toContain(`${def.start} 09:00  测试创城交办〔${year}〕1号  交办通知`);
    expect(text.stdout).toMatch(/按类别：交办通知 1 份/);

    // Nothing reached the test's database or its SMTP sink, and no sandbox database is left behind.
    expect(await count('SELECT count(*)::int AS n FROM campaigns')).toBe(before.campaigns);
    expect(await count('SELECT count(*)::int AS n FROM notices')).toBe(before.notices);
    expect(await count('SELECT count(*)::int AS n FROM campaigns WHERE id = $1', [def.id])).toBe(0);
    expect((await listMailbox(database.db)).length).toBe(before.mails);
    expect(await count("SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'chuangwen_preview_%'")).toBe(0);
  });

  it('refuses an ended period as start does', async () => {
    const result = await chuangwen('campaign', 'preview', 'examples/beihai-2021.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shift-to YYYY-MM-DD');
  });
});
