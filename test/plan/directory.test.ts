// Plan import against the 通讯录, as data: which names are found and how (精确, 简称, 繁简或后缀, 职务),
// which are only proposed (模糊匹配, never filled in), and that retired entries are not taken.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { DirectoryContact, DirectorySnapshot, DirectorySnapshotUnit } from '../../domain/directory.js';
import { nearness, oneEditApart } from '../../plan/directory.js';
import { importPlan } from '../../plan/index.js';
import { unitMatchKey } from '../../plan/units.js';
import type { Def } from './support.js';

const contact = (name: string, email: string, post = ''): DirectoryContact => ({ name, post, email, mobile: '' });
let nextId = 1;
function unit(name: string, more: Partial<DirectorySnapshotUnit> = {}): DirectorySnapshotUnit {
  const id = nextId++;
  return {
    id,
    name,
    shortNames: [],
    kind: 'department',
    principal: contact(`负责人${id}`, `principal${id}@example.gov.cn`, '局长'),
    contact: contact(`联系人${id}`, `contact${id}@example.gov.cn`),
    retiredOn: null,
    ...more,
  };
}

const PLAN = `东湖区2022年创建全国文明城市工作实施方案
一、组织机构
  成立东湖区创建全国文明城市工作领导小组，区委副书记为副组长。
  组　长：张伟（区委书记）
  常务副组长：李明（区长）
  领导小组下设办公室，办公室设在党政综合办公室。
二、重点任务
  1.开展背街小巷整治。（牵头单位：区城管局；配合单位：区公用事业局、党政综合办；完成时限：2022年6月底前）
  2.开展农贸市场整治。（牵头单位：区市场监管局；配合单位：区住建局；完成时限：2022年8月底前）
  3.开展窗口单位整治。（牵头单位：区文明办；配合单位：城西街道、区交通局；完成时限：2022年9月底前）
`;

const DIRECTORY: DirectorySnapshot = {
  units: [
    unit('东湖区城市管理局', { shortNames: ['区城管局', '城管局'] }), // 简称
    unit('区公用事业局（分局）', { kind: 'other' }), // 后缀
    unit('黨政綜合辦公室'), // 繁体 + 办公室 / 办
    unit('区住建局', { kind: 'department', contact: contact('吴联', '') }), // 精确; no contact address
    unit('东湖区市场监督管理局'), // 模糊 (abbreviation)
    unit('区文明办', { retiredOn: '2021-12-31' }), // 停用
    unit('城东街道办事处', { kind: 'street' }), // 城西街道 is another street, not a misspelling
    unit('区交通运输局', { shortNames: [] }), // 模糊 (one name inside the other is not it: 交通局 ⊂ 交通运输局 as an abbreviation)
  ],
  people: [
    { id: 1, name: '張偉', post: '区委书记', unitId: null, email: 'zhangwei@example.gov.cn', mobile: '', retiredOn: null },
    { id: 2, name: '李明', post: '区长', unitId: null, email: 'liming@example.gov.cn', mobile: '', retiredOn: '2022-01-01' },
    { id: 3, name: '王芳', post: '区委副书记', unitId: null, email: 'wangfang@example.gov.cn', mobile: '', retiredOn: null },
  ],
  posts: [
    { id: 1, role: 'groupLeader', personId: 1, unitIds: [], retiredOn: null },
    { id: 2, role: 'deputyLeader', personId: 3, unitIds: [], retiredOn: null },
  ],
};

async function imported(directory?: DirectorySnapshot) {
  const result = await importPlan(Buffer.from(PLAN), 'donghu-2022.txt', directory ? { directory } : {});
  const def = parse(result.yaml) as Omit<Def, 'units'> & {
    units: { id: string; name: string; kind: string; principal: { name: string; title?: string; email: string }; contact: { name: string; title?: string; email: string } }[];
  };
  return { result, def, unit: (id: string) => def.units.find((u) => u.id === id)! };
}

describe('plan import with the 通讯录', () => {
  it('fills exact, short-name, Traditional and suffix-variant matches; proposes near names without filling them; skips retired entries', async () => {
    const { result, def, unit: u } = await imported(DIRECTORY);
    expect(result.problems).toEqual([]);

    // Ids stay the importer's; names, kinds and contacts are the directory's.
    expect(u('chengguanju')).toMatchObject({
      name: '东湖区城市管理局',
      principal: { name: '负责人1', title: '局长', email: 'principal1@example.gov.cn' },
      contact: { name: '联系人1', email: 'contact1@example.gov.cn' },
    });
    expect(u('gongyongshiyeju')).toMatchObject({ name: '区公用事业局（分局）', kind: 'other', contact: { email: 'contact2@example.gov.cn' } });
    expect(u('dangzhengzongheban')).toMatchObject({ name: '党政综合办公室', contact: { email: 'contact3@example.gov.cn' } });
    // An address the directory lacks stays a placeholder.
    expect(u('zhujianju')).toMatchObject({ name: '区住建局', contact: { name: '吴联', email: 'zhujianju@placeholder.invalid' } });

    // Fuzzy: proposed, not filled.
    expect(u('shichangjianguanju')).toMatchObject({
      name: '区市场监管局',
      principal: { name: '待填写', email: 'shichangjianguanju.principal@placeholder.invalid' },
    });
    expect(u('jiaotongju').contact.email).toBe('jiaotongju@placeholder.invalid');
    // Retired: not taken.
    expect(u('wenmingban')).toMatchObject({ name: '区文明办', contact: { name: '待填写', email: 'wenmingban@placeholder.invalid' } });
    // 城西街道 is not 城东街道 one character off.
    expect(u('chengxijiedao').contact.email).toBe('chengxijiedao@placeholder.invalid');

    // Leaders: by name (Traditional in the directory), by post; a retired person is not taken.
    const leader = (role: string) => def.leaders.find((l) => l.role === role)!;
    expect(leader('groupLeader')).toMatchObject({ name: '张伟', title: '区委书记', email: 'zhangwei@example.gov.cn' });
    expect(leader('deputyLeader')).toMatchObject({ id: 'wangfang', name: '王芳', title: '区委副书记', email: 'wangfang@example.gov.cn' });
    expect(leader('executiveDeputy')).toMatchObject({ name: '李明', email: 'liming@placeholder.invalid' });

    const y = result.yaml;
    expect(y).toContain('# 通讯录：「东湖区城市管理局」（编号 1，按简称「区城管局」）');
    expect(y).toContain('# 通讯录：「区公用事业局（分局）」（编号 2，繁简或后缀：方案写作「区公用事业局」，通讯录写作「区公用事业局（分局）」）');
    expect(y).toContain('# 通讯录：「黨政綜合辦公室」（编号 3，繁简或后缀：方案写作「党政综合办」，通讯录写作「黨政綜合辦公室」）');
    expect(y).toContain('# 通讯录：「区住建局」（编号 4，精确）；名称、类别、主要负责人与联系人取自通讯录，通讯录未写联系人邮箱，仍待填写');
    expect(y).toContain('# 可能是通讯录中的『东湖区市场监督管理局』（模糊匹配），请核对后填写');
    expect(y).toContain('# 可能是通讯录中的『区交通运输局』（模糊匹配），请核对后填写');
    expect(y).toContain('# 通讯录中的「区文明办」已于 2021-12-31 停用，未采用');
    expect(y).toContain('# 通讯录：「王芳」（人员编号 3，按职务「副组长」）');
    expect(y).toContain('# 通讯录中的「李明」已于 2022-01-01 停用，未采用');
    expect(y).toMatch(/^# 通讯录：已填写单位 4 个、领导 2 人（精确 1、简称 1、繁简或后缀 3、职务 1）；模糊匹配 2 处未采用，请核对（见注释）；其余仍为占位。$/m);

    const s = result.summary;
    expect(s).toContain('通讯录（在用单位 7 个、人员 2 人）：已填写单位 4 个、领导 2 人');
    expect(s).toContain('  单位「区城管局」→「东湖区城市管理局」（简称）');
    expect(s).toContain('  单位「区公用事业局」→「区公用事业局（分局）」（繁简或后缀）');
    expect(s).toContain('  单位「党政综合办」→「黨政綜合辦公室」（繁简或后缀）');
    expect(s).toContain('  单位「区住建局」→「区住建局」（精确）');
    expect(s).toContain('  单位「区市场监管局」（模糊，未采用）：可能是通讯录中的『东湖区市场监督管理局』（模糊匹配），请核对后填写');
    expect(s).toContain('  单位「区文明办」（未采用）：通讯录中的「区文明办」已于 2021-12-31 停用，未采用');
    expect(s).toContain('  领导「张伟」→「張偉」（繁简或后缀）');
    expect(s).toContain('  领导（副组长，区委副书记）→「王芳」（职务）');
    expect(s).toContain('  通讯录中没有：单位 城西街道');
    expect(s).toContain('第3行：副组长只写了职务「区委副书记」，已按通讯录的副组长填写为「王芳」');
    expect(s).not.toContain('姓名待填写');
  });

  it('without a directory the import is as before, and an empty directory fills nothing', async () => {
    const without = await imported();
    expect(without.result.yaml).not.toContain('通讯录');
    expect(without.result.summary).not.toContain('通讯录');
    expect(without.result.directory).toBeUndefined();

    const empty = await imported({ units: [], people: [], posts: [] });
    expect(empty.result.summary).toContain('通讯录：为空');
    // The same definition apart from the comments.
    expect(empty.def).toEqual(without.def);
  });

  it('takes a directory entry once: a second unit of the plan that finds it is not filled', async () => {
    const { result, unit: u } = await imported({
      units: [unit('城市管理局', { shortNames: ['区城管局', '区公用事业局'] })],
      people: [],
      posts: [],
    });
    expect(u('chengguanju').name).toBe('城市管理局');
    expect(u('gongyongshiyeju').contact.email).toBe('gongyongshiyeju@placeholder.invalid');
    expect(result.yaml).toContain('与「区城管局」是通讯录中的同一单位，未重复填写，请核对');
  });

  it('does not take a name two units answer to', async () => {
    const { result, unit: u } = await imported({
      units: [unit('东湖区住建局', { shortNames: ['住建局'] }), unit('西湖区住建局', { shortNames: ['住建局 '] })],
      people: [],
      posts: [],
    });
    expect(u('zhujianju').contact.email).toBe('zhujianju@placeholder.invalid');
    expect(result.yaml).toContain('可能是通讯录中的『东湖区住建局』或『西湖区住建局』（模糊匹配），请核对后填写');
  });
});

describe('near names', () => {
  it('one character apart, one name inside another, abbreviations; not places told apart by one character', () => {
    expect(oneEditApart('公用事业局', '公共事业局')).toBe(true);
    expect(oneEditApart('公用事业局', '公用事业管理局')).toBe(false);
    expect(oneEditApart('城东街道', '城西街道')).toBe(false);
    expect(oneEditApart('第一社区', '第二社区')).toBe(false);
    expect(nearness('城管局', '东湖区城管局')).toBe(0);
    expect(nearness('公用事业局', '公共事业局')).toBe(1);
    expect(nearness('市场监管局', '市场监督管理局')).toBe(3);
    expect(nearness('政府', '区政府')).toBeUndefined(); // too short to say
    expect(nearness('城建局', '城管局')).toBeUndefined();
  });

  it('the key a plan and a directory share: level in front, bracketed qualifier, 办公室 / 办, 街道办事处 / 街道', () => {
    const one = (...names: string[]) => expect(new Set(names.map(unitMatchKey)).size).toBe(1);
    one('区公用事业局', '公用事业局', '区公用事业局（分局）');
    one('党政综合办公室', '党政综合办');
    one('城东街道', '城东街道办事处', '城东街道办');
    expect(unitMatchKey('市场监管局')).toBe('市场监管局');
  });
});
