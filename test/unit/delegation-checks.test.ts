// 转办 without a server: a definition's 上级单位 (`parent`) is checked with line and field, and the
// delegation's refusals are pure functions of the task, the input and the time.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DefinitionError, parseDefinition } from '../../domain/definition-yaml.js';
import { MAX_DELEGATIONS } from '../../domain/limits.js';
import type { DelegationEntry, TaskState } from '../../domain/task-state.js';
import { renderDocument } from '../../services/documents.js';
import { checkDelegate, checkDelegationReport, type TaskFacts } from '../../workflows/rectification/checks.js';

const EXAMPLE = readFileSync(new URL('../../examples/beihai-2021.yaml', import.meta.url), 'utf8');
const lineOf = (text: string, snippet: string) => text.slice(0, text.indexOf(snippet)).split('\n').length;

function problems(text: string) {
  try {
    parseDefinition(text, 'campaign.yaml');
  } catch (error) {
    if (error instanceof DefinitionError) return error.problems.map((p) => ({ line: p.line, field: p.field, message: p.message }));
    throw error;
  }
  return [];
}

describe('上级单位 in a definition', () => {
  it('takes a unit of the campaign, and names an unknown one or a cycle with line and field', () => {
    const below = (text: string, unit: string, parent: string) => text.replace(`  - id: ${unit}\n`, `  - id: ${unit}\n    parent: ${parent}\n`);
    expect(problems(below(EXAMPLE, 'service-center', 'law-enforcement'))).toEqual([]);
    expect(parseDefinition(below(EXAMPLE, 'service-center', 'law-enforcement')).units.find((u) => u.id === 'service-center')?.parent).toBe('law-enforcement');

    const unknown = below(EXAMPLE, 'service-center', 'street-office');
    expect(problems(unknown)).toEqual([
      { line: lineOf(unknown, 'parent: street-office'), field: 'units[2].parent', message: '未知上级单位：street-office（应为本活动的单位编号）' },
    ]);
    const cycle = below(below(EXAMPLE, 'service-center', 'law-enforcement'), 'law-enforcement', 'service-center');
    expect(problems(cycle)).toEqual([
      { line: lineOf(cycle, 'parent: service-center'), field: 'units[1].parent', message: '上级单位形成循环：law-enforcement → service-center → law-enforcement' },
      { line: lineOf(cycle, 'parent: law-enforcement'), field: 'units[2].parent', message: '上级单位形成循环：service-center → law-enforcement → service-center' },
    ]);
  });
});

const NOW = Date.parse('2035-01-02T02:00:00Z');
const delegation = (over: Partial<DelegationEntry> = {}): DelegationEntry => ({
  seq: 1,
  from: 'street',
  unitId: 'xingfu',
  part: '清理堆放物',
  due: '2035-01-10',
  dueAt: '2035-01-10T16:00:00Z',
  delegatedAt: '2035-01-02T02:00:00Z',
  status: 'open',
  reports: 0,
  ...over,
});
function facts(state: Partial<TaskState> = {}): TaskFacts {
  return {
    state: { leadUnit: 'street', status: 'acknowledged', deadline: '2035-01-26', delegations: [], ...state } as TaskState,
    units: [{ id: 'street' }, { id: 'xingfu', parent: 'street' }, { id: 'heping', parent: 'street' }, { id: 'utilities' }],
  };
}
const handOver = { unitId: 'street', subUnitId: 'xingfu', part: '清理堆放物', due: '2035-01-10' };

describe('the checks of 转办', () => {
  it('lets the lead unit hand part of an open task to its sub-unit, due within the task\'s deadline', () => {
    expect(checkDelegate(facts(), handOver, NOW)).toBeUndefined();
    expect(checkDelegate(facts(), { ...handOver, due: '2035-01-26' }, NOW)).toBeUndefined();
  });

  it('refuses another unit acting, a unit not below the lead, a date past the deadline or gone, an empty part, a closed task, too many', () => {
    const refused = (f: TaskFacts, input: typeof handOver) => checkDelegate(f, input, NOW)?.message;
    expect(refused(facts(), { ...handOver, unitId: 'xingfu' })).toBe('单位 xingfu 不是该任务的责任单位');
    expect(refused(facts(), { ...handOver, subUnitId: 'utilities' })).toBe('单位 utilities 不是责任单位 street 的下级单位，不能转办');
    expect(refused(facts(), { ...handOver, subUnitId: 'nobody' })).toBe('未知单位：nobody');
    expect(refused(facts(), { ...handOver, due: '2035-01-27' })).toBe('办理期限 2035-01-27 不能晚于本任务的完成时限 2035-01-26');
    expect(refused(facts(), { ...handOver, due: '2034-12-30' })).toBe('办理期限 2034-12-30 已过');
    expect(refused(facts(), { ...handOver, due: '10日' })).toBe('办理期限应为 YYYY-MM-DD 格式的日期：10日');
    expect(refused(facts(), { ...handOver, part: '  ' })).toBe('转办事项不能为空');
    expect(refused(facts({ status: 'evidenceSubmitted' }), handOver)).toBe('任务当前状态为“待核查”，不能转办');
    const full = Array.from({ length: MAX_DELEGATIONS }, (_, i) => delegation({ seq: i + 1 }));
    expect(refused(facts({ delegations: full }), handOver)).toBe(`每项任务最多转办 ${MAX_DELEGATIONS} 次`);
  });

  it('takes a report on a part from the sub-unit it went to, while it is open', () => {
    const report = { unitId: 'xingfu', seq: 1, text: '已清理' };
    const refused = (d: DelegationEntry[], input: typeof report) => checkDelegationReport(facts({ delegations: d }), input, NOW)?.message;
    expect(refused([delegation()], report)).toBeUndefined();
    expect(refused([delegation()], { ...report, unitId: 'street' })).toBe('单位 street 不是该转办事项的承办单位');
    expect(refused([delegation()], { ...report, seq: 2 })).toBe('该任务没有编号为 2 的转办事项');
    expect(refused([delegation({ status: 'completed' })], report)).toBe('该转办事项已办结，不能再报送');
    expect(refused([delegation({ status: 'ended' })], report)).toBe('该转办事项已终止，不能再报送');
    expect(refused([delegation()], { ...report, text: ' ' })).toBe('办理情况不能为空');
  });
});

describe('the weekly 催办 of a task that reminds on its own', () => {
  const facts = {
    campaignTitle: '测试园区创建文明城市实施方案',
    officeName: '测试园区创城办',
    timeZone: 'Asia/Shanghai',
    issuedAt: '2035-01-15T01:00:00Z',
    taskTitle: '背街小巷整治',
    leadUnitName: '北海街道办事处',
    deadline: '2035-01-26',
  };
  const overdueDelegations = [{ seq: 1, unitId: 'xingfu', unitName: '幸福社区居委会', part: '清理堆放物', due: '2035-01-10' }];
  const line = '1. “背街小巷整治”中转交幸福社区居委会的“清理堆放物”，办理期限2035年1月10日。';

  it('reminds a task that reported of its sub-unit\'s overdue part only', () => {
    const doc = renderDocument('reminder', { ...facts, details: { overdueDelegations } });
    expect(doc.title).toBe('关于督促下级单位办结转办事项的催办通知');
    expect(doc.paragraphs).toContain(line);
    expect(doc.paragraphs.join('')).not.toContain('未报送工作进展');
  });

  it('reminds a silent task of its silence, and lists its overdue part too', () => {
    const doc = renderDocument('reminder', { ...facts, details: { silentSince: '2035-01-08T01:00:00Z', overdueDelegations } });
    expect(doc.title).toBe('关于督促报送“背街小巷整治”工作进展的催办通知');
    expect(doc.paragraphs[0]).toBe('你单位牵头的“背街小巷整治”整治任务，自2035年1月8日以来未报送工作进展。');
    expect(doc.paragraphs).toContain(line);
    expect(renderDocument('reminder', { ...facts, details: { silentSince: '2035-01-08T01:00:00Z' } }).paragraphs).toHaveLength(2);
  });
});
