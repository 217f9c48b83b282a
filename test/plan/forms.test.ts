// How Chinese plans write who does what and by when: label pairs in any order, units in brackets, groups of
// units, leaders and persons, declared short names, deadlines in words, paragraphs run together, and actions
// that name no unit at all. Each plan here is small and written in one of those ways.
import { describe, expect, it } from 'vitest';
import { importPlan } from '../../plan/index.js';
import { definitionOf, taskUnits } from './support.js';

const load = async (text: string, name = 'plan.txt') => {
  const result = await importPlan(Buffer.from(text), name);
  return { result, def: definitionOf(result) };
};

describe('units as plans write them', () => {
  it('reads 牵头领导 as the responsible leader and 责任部门 as the lead unit', async () => {
    const { def } = await load(
      [
        '某县2023年背街小巷整治工作方案',
        '一、重点任务',
        '（一）背街小巷路面修复',
        '对城区破损路面进行修复。',
        '牵头领导：王建国',
        '责任部门：县住建局、县城管局',
        '完成时限：2023年10月底前',
      ].join('\n'),
    );
    expect(taskUnits(def)).toEqual([['背街小巷路面修复', '县住建局', ['县城管局']]]);
    const lead = def.units.find((u) => u.name === '县住建局');
    expect(def.leaders.find((l) => l.id === lead?.responsibleLeader)?.name).toBe('王建国');
    expect(def.tasks[0].deadline).toBe('2023-10-31');
  });

  it('takes the unit under 牵头单位 as the lead whichever label comes first', async () => {
    const { def } = await load(
      [
        '某区2022年创建文明城市实施方案',
        '三、主要任务',
        '1.整治农贸市场。责任单位：区市场监管局、各街道；牵头单位：区商务局。',
        '2.整治占道经营。牵头单位：区城管局；责任单位：各街道、区市场监管局。',
      ].join('\n'),
    );
    expect(taskUnits(def)).toEqual([
      ['整治农贸市场', '区商务局', ['区市场监管局', '各街道']],
      ['整治占道经营', '区城管局', ['各街道', '区市场监管局']],
    ]);
  });

  it('reads units in a bracket at the end of an item, a group such as 各县（市、区） kept whole', async () => {
    const { def } = await load(
      [
        '某市2021年文明城市创建重点工作安排',
        '一、重点任务',
        '1.开展公益广告提升行动，主次干道每200米设置公益广告。（市委宣传部、市城管局、各县（市、区））',
        '2.开展文明交通劝导，路口设文明劝导岗。由市公安局负责。',
        '3.开展窗口单位服务提升（市政务服务中心牵头，市直各单位配合）',
      ].join('\n'),
    );
    expect(taskUnits(def)).toEqual([
      ['开展公益广告提升行动', '市委宣传部', ['市城管局', '各县（市、区）']],
      ['开展文明交通劝导，路口设文明劝导岗', '市公安局', []],
      ['开展窗口单位服务提升', '市政务服务中心', ['市直各单位']],
    ]);
  });

  it('makes a person the owner where the plan names a person', async () => {
    const { def } = await load(['某社区2023年创文工作方案', '二、工作任务', '1.楼道清理。责任人：李红梅', '2.宣传栏更新。责任人：张志强、陈静'].join('\n'));
    expect(taskUnits(def)).toEqual([
      ['楼道清理', '李红梅', []],
      ['宣传栏更新', '张志强', ['陈静']],
    ]);
  });

  it('counts a declared short name and the full name as one unit', async () => {
    const { def } = await load(
      [
        '某县2023年市容整治实施方案',
        '县城市管理综合执法局（以下简称“县城管局”）负责统筹协调。',
        '一、整治任务',
        '1.清理乱堆乱放。责任单位：县城管局',
        '2.规范户外广告。责任单位：县城市管理综合执法局、县市场监管局',
        '3.整治流动摊贩。责任单位：城管局',
      ].join('\n'),
    );
    const lead = new Set(def.tasks.map((t) => t.leadUnit));
    expect(lead.size).toBe(1);
    expect(def.units.filter((u) => /城/.test(u.name))).toHaveLength(1);
  });
});

describe('actions whose unit the plan does not name', () => {
  it('are imported with the lead unit to be filled, reported in the warnings and the summary', async () => {
    const { result, def } = await load(
      [
        '某镇2024年人居环境整治方案',
        '一、指导思想',
        '以人民为中心。',
        '二、整治任务',
        '1.清理河道垃圾。6月30日前完成。',
        '2.拆除违章建筑。责任单位：镇综合执法队',
        '三、保障措施',
        '1.加强组织领导。',
      ].join('\n'),
    );
    expect(taskUnits(def)).toEqual([
      ['清理河道垃圾', '待明确责任单位', []],
      ['拆除违章建筑', '镇综合执法队', []],
    ]);
    expect(def.units.find((u) => u.id === 'unassigned')?.principal.name).toBe('待填写');
    expect(result.warnings.map((w) => w.message)).toContain('1 项任务方案未写明责任单位，已导入并暂列「待明确责任单位」，请在审核时填写（第5行）');
    expect(result.summary).toMatch(/方案未写明责任单位的任务 1 项[^\n]*\n {2}task-2-1 清理河道垃圾（第5行）/);
    expect(def.tasks[0].deadline).toBe('2024-06-30');
  });
});

describe('deadlines in words', () => {
  it('reads 月底前, 日前, quarters, half-years, 年底前, blanks for the year and 长期坚持', async () => {
    const { result, def } = await load(
      [
        '某区2023年创建全国文明城市工作方案',
        '一、重点任务',
        '1.整治甲。5月底前完成摸排，12月底前全面完成。',
        '2.整治乙。6月30日前完成。',
        '3.整治丙。第一季度完成。',
        '4.整治丁。上半年完成。',
        '5.整治戊。年底前完成。',
        '6.整治己。____年9月底前完成。',
        '7.整治庚。完成时限：长期坚持',
        '8.整治辛。完成时限：第三季度',
      ].join('\n'),
    );
    expect(def.tasks.map((t) => t.deadline)).toEqual([
      '2023-12-31',
      '2023-06-30',
      '2023-03-31',
      '2023-06-30',
      '2023-12-31',
      '2023-09-30',
      '2023-12-31',
      '2023-09-30',
    ]);
    expect(result.yaml).toMatch(/deadline: 2023-12-31 # 方案写「长期坚持」，没有截止日期：取方案期末/);
  });
});

describe('structure from the text’s own markers', () => {
  it('reads a page copied without line breaks: headings, labels and numbering restarted per chapter', async () => {
    const text =
      '某县2023年巩固文明城市创建成果工作方案 为巩固创建成果，制定本方案。一、工作目标 全面提升城市管理水平。二、重点任务（一）市容环境整治1.清理卫生死角。牵头单位：县城管局 配合单位：各乡镇 完成时限：2023年6月底前 2.规范店招店牌。牵头单位：县市场监管局 完成时限：2023年9月底前（二）交通秩序整治1.规范停车秩序。牵头单位：县公安局交警大队 完成时限：2023年12月底前 三、保障措施（一）加强组织领导。成立领导小组。';
    const { result, def } = await load(text);
    expect(result.warnings.map((w) => w.message)).toContain('有些段落连写了几个标题或标注，已在标题和标注前断行后再读取');
    expect(taskUnits(def)).toEqual([
      ['清理卫生死角', '县城管局', ['各乡镇']],
      ['规范店招店牌', '县市场监管局', []],
      ['规范停车秩序', '县公安局交警大队', []],
    ]);
    expect(def.tasks.map((t) => t.deadline)).toEqual(['2023-06-30', '2023-09-30', '2023-12-31']);
  });

  it('joins lines a PDF wrapped in mid-sentence and drops page numbers and running headers', async () => {
    const header = '某区创建文明城市工作方案';
    const text = [
      header,
      '一、重点任务',
      '1.开展背街小巷综合整治，对辖区内破损路面、',
      '缺失井盖进行全面排查修复。（责任单位：区住',
      '建局）',
      '— 1 —',
      header,
      '2.开展农贸市场提升改造。（责任单位：区商务',
      '局、各街道）',
      '— 2 —',
      header,
      '3.开展公益广告提升。（责任单位：区委宣传部）',
      '— 3 —',
    ].join('\n');
    const { def } = await load(text);
    expect(taskUnits(def)).toEqual([
      ['开展背街小巷综合整治', '区住建局', []],
      ['开展农贸市场提升改造', '区商务局', ['各街道']],
      ['开展公益广告提升', '区委宣传部', []],
    ]);
  });
});

describe('an action written with its steps', () => {
  it('is one task, its steps in the description', async () => {
    const { def } = await load(
      [
        '某县2023年文明交通整治方案',
        '一、重点任务',
        '（一）开展电动车违规整治行动',
        '1.摸底排查。4月底前摸清底数。',
        '2.集中整治。6月底前集中查处。',
        '3.巩固提升。建立长效机制。',
        '（二）开展文明劝导行动',
        '⑴设置劝导岗。',
        '⑵组织志愿者上岗。',
      ].join('\n'),
    );
    expect(def.tasks.map((t) => [t.title, t.deadline])).toEqual([
      ['开展电动车违规整治行动', '2023-06-30'],
      ['设置劝导岗', '2023-12-31'],
      ['组织志愿者上岗', '2023-12-31'],
    ]);
    expect(def.tasks[0].description).toContain('1.摸底排查');
  });
});

describe('labels wherever they stand', () => {
  it('reads a label in 【】 before the item’s text', async () => {
    const { def } = await load(['某县2023年创文重点任务', '一、重点任务', '1.清理城区卫生死角。【牵头单位：县城管局；配合单位：各乡镇】5月底前完成。'].join('\n'));
    expect(taskUnits(def)).toEqual([['清理城区卫生死角', '县城管局', ['各乡镇']]]);
    expect(def.tasks[0].deadline).toBe('2023-05-31');
    expect(def.tasks[0].description).toBe('5月底前完成。');
  });
});
