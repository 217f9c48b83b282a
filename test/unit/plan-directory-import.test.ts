// Plan import filled from a 通讯录 kept in PostgreSQL: the directory imported from its workbook, read
// back by the db/ query the CLI and the console use, and a seed-like Traditional plan imported with it.
// What the directory has is filled in with its addresses; what it lacks, what is only near and what is
// retired stay placeholders, and the summary says which plan name matched which entry and how.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPlanForReview } from '../../client/api/plan-import.js';
import { loadDirectorySnapshot } from '../../db/directory.js';
import type { DirectorySnapshot } from '../../domain/directory.js';
import { importPlan } from '../../plan/index.js';
import { importDirectoryWorkbook } from '../../services/directory-workbook.js';
import { SEED_PLAN, seedDirectoryWorkbook } from '../plan/directory-fixture.js';
import type { Def } from '../plan/support.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
let directory: DirectorySnapshot;
let plan: Buffer;
beforeAll(async () => {
  database = await createTestDatabase();
  await importDirectoryWorkbook(database.db, await seedDirectoryWorkbook(), '2021-03-01');
  directory = await loadDirectorySnapshot(database.db);
  plan = await readFile(SEED_PLAN);
});
afterAll(async () => {
  await database?.drop();
});

type Person = { name: string; title?: string; email: string };
type FullDef = Omit<Def, 'units'> & { units: { id: string; name: string; kind: string; principal: Person; contact: Person }[] };

const placeholders = (yaml: string) => [...yaml.matchAll(/[\w.-]+@placeholder\.invalid/g)].map((m) => m[0]);

describe('plan import with the 通讯录 in PostgreSQL', () => {
  it('reads the directory, retired entries marked, posts by their holders', () => {
    expect(directory.units).toHaveLength(7);
    expect(directory.units.find((u) => u.name === '区城管局')?.retiredOn).toBe('2020-12-31');
    expect(directory.units.find((u) => u.name === '北海经济开发区北海服务中心')?.shortNames).toEqual(['北海服务中心', '区北海服务中心']);
    const holder = (role: string) => directory.people.find((p) => p.id === directory.posts.find((q) => q.role === role)?.personId)?.name;
    expect([holder('groupLeader'), holder('deputyLeader')]).toEqual(['劉洪', '孙立']);
  });

  it('fills matched units and leaders with their addresses, leaves the rest as placeholders, and says how each was matched', async () => {
    const result = await importPlan(plan, 'beihai-directory.txt', { directory });
    expect(result.problems).toEqual([]);
    const def = parse(result.yaml) as FullDef;
    const unit = (id: string) => def.units.find((u) => u.id === id)!;

    expect(def.office.email).toBe('chuangjianban@beihai.gov.cn');
    expect(def.leaders.map((l) => [l.id, l.role, l.name, l.title, l.email])).toEqual([
      ['sunli', 'deputyLeader', '孙立', '管委会副主任', 'sunli@beihai.gov.cn'],
      ['liuhong', 'groupLeader', '刘洪', '区党工委书记', 'liuhong@beihai.gov.cn'],
    ]);
    expect(unit('gongyongshiyeju')).toEqual({
      id: 'gongyongshiyeju',
      name: '区公用事业局（分局）',
      kind: 'department',
      principal: { name: '郭勇', title: '局长', email: 'guoyong@beihai.gov.cn' },
      contact: { name: '马丽', title: '办公室主任', email: 'mali@beihai.gov.cn' },
      // Read from the directory again at send time (its 编号).
      directoryId: expect.any(Number),
    });
    expect(unit('dangzhengzongheban')).toMatchObject({
      name: '党政综合办公室',
      principal: { name: '周正', email: 'zhouzheng@beihai.gov.cn' },
      contact: { name: '何平', email: 'heping@beihai.gov.cn' },
    });
    expect(unit('zonghezhifafenju')).toMatchObject({
      name: '区综合执法分局',
      principal: { email: 'wanggang@beihai.gov.cn' },
      contact: { name: '郑丽', email: 'zonghezhifafenju@placeholder.invalid' },
    });
    expect(unit('beihaifuwuzhongxin')).toMatchObject({ name: '北海经济开发区北海服务中心', kind: 'other', contact: { email: 'qianjin@beihai.gov.cn' } });

    // Only what is unmatched stays a placeholder: the near 区市场监管局, the retired 区城管局, the unknown 北海交警队,
    // the address the directory lacks, and the discipline office (追责建议) the plan does not name.
    expect(placeholders(result.yaml).sort()).toEqual(
      [
        'zonghezhifafenju@placeholder.invalid',
        'shichangjianguanju.principal@placeholder.invalid',
        'shichangjianguanju@placeholder.invalid',
        'chengguanju.principal@placeholder.invalid',
        'chengguanju@placeholder.invalid',
        'beihaijiaojingdui.principal@placeholder.invalid',
        'beihaijiaojingdui@placeholder.invalid',
        'discipline@placeholder.invalid',
      ].sort(),
    );
    expect(result.placeholderEmails).toBe(8);
    expect(unit('shichangjianguanju')).toMatchObject({ name: '区市场监管局', principal: { name: '待填写' }, contact: { name: '待填写' } });
    expect(unit('chengguanju')).toMatchObject({ name: '区城管局', principal: { name: '待填写' } });

    expect(result.yaml).toContain('# 待填写：8 处占位邮箱（@placeholder.invalid）、6 处「待填写」的姓名。');
    expect(result.yaml).toContain('# 通讯录：已填写单位 4 个、领导 2 人（精确 1、简称 1、繁简或后缀 3、职务 1）；模糊匹配 1 处未采用，请核对（见注释）；其余仍为占位。');
    expect(result.yaml).toContain('# 可能是通讯录中的『区市场监督管理局』（模糊匹配），请核对后填写');
    expect(result.yaml).toContain('# 通讯录中的「区城管局」已于 2020-12-31 停用，未采用');

    const summary = result.summary.split('\n');
    const from = summary.findIndex((l) => l.startsWith('通讯录（'));
    expect(summary.slice(from, from + 12)).toEqual([
      '通讯录（在用单位 6 个、人员 2 人）：已填写单位 4 个、领导 2 人（精确 1、简称 1、繁简或后缀 3、职务 1）；模糊匹配 1 处未采用，请核对（见注释）；其余仍为占位。',
      '  创建办「北海经济开发区创建全国文明城市工作领导小组办公室」→「北海经济开发区创建办公室」（简称）',
      '  单位「区公用事业局」→「区公用事业局（分局）」（繁简或后缀）',
      '  单位「区综合执法分局」→「区综合执法分局」（精确）',
      '  单位「北海服务中心」→「北海经济开发区北海服务中心」（简称）',
      '  单位「区市场监管局」（模糊，未采用）：可能是通讯录中的『区市场监督管理局』（模糊匹配），请核对后填写',
      '  单位「党政综合办」→「黨政綜合辦公室」（繁简或后缀）',
      '  单位「区城管局」（未采用）：通讯录中的「区城管局」已于 2020-12-31 停用，未采用',
      '  领导（副组长，管委会副主任）→「孙立」（职务）',
      '  领导「刘洪」→「劉洪」（繁简或后缀）',
      '  通讯录中没有：单位 北海交警队（仍为占位）',
      expect.stringMatching(/^工作节奏：/),
    ]);
    expect(result.summary).toContain('待填写：占位邮箱 8 处，姓名 6 处');
  });

  it('the console import (and POST /api/plans/import) always fills from the directory', async () => {
    const review = await importPlanForReview(database.db, { buffer: plan, fileName: 'beihai-directory.txt' });
    expect(review.placeholderEmails).toBe(8);
    expect(review.summary).toContain('  单位「区公用事业局」→「区公用事业局（分局）」（繁简或后缀）');
    // The problems left are the eight placeholder addresses, each with its line.
    expect(review.problems).toHaveLength(8);
    expect(review.problems.every((p) => /email$/.test(p.field ?? '') && p.line)).toBe(true);
  });
});
