// What the console lists for a campaign: every cadence that runs with its coming dates and where it
// was read, every rule, and what is left to the office (不自动执行).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../domain/definition-yaml.js';
import { cadencesOf, rulesOf } from '../../domain/schedule.js';

const EXAMPLE = readFileSync(new URL('../../examples/beihai-2021.yaml', import.meta.url), 'utf8');

describe('the schedule of a campaign', () => {
  const def = parseDefinition(EXAMPLE, 'examples/beihai-2021.yaml');

  it('lists the cadences the definition names, with the plan line or as proposed, and their next dates', () => {
    const view = cadencesOf(def, '2021-04-07', 2);
    expect(view.map((c) => [c.key, c.source, c.line])).toEqual([
      ['weeklyCheck', 'proposed', undefined],
      ['taskReminder', 'tasks', undefined],
      ['dispatch.office', 'plan', 155],
      ['dispatch.deputies', 'plan', 155],
      ['dispatch.leaders', 'plan', 155],
      ['monthlyMaterials', 'plan', 95],
      ['assessment', 'plan', 157],
    ]);
    const at = (key: string) => view.find((c) => c.key === key)!;
    expect(at('weeklyCheck').next).toEqual(['2021-04-12', '2021-04-19']);
    expect(at('dispatch.office').next).toEqual(['2021-04-09', '2021-04-16']); // Fridays
    expect(at('dispatch.deputies').next).toEqual(['2021-04-16', '2021-05-01']);
    expect(at('monthlyMaterials').rule).toContain('报送至区党群工作部');
    expect(at('monthlyMaterials').next).toEqual(['2021-04-25', '2021-05-25']);
    // Rounds every two months from the start (April): the first a whole period after it.
    expect(at('assessment').next).toEqual(['2021-06-01', '2021-08-01']);
  });

  it('lists the ladder, the plan’s last-place rules, and what the engine leaves to the office', () => {
    const withManual = parseDefinition(
      `${EXAMPLE}\nmanual:\n  - { rule: 建议上级给予相应处罚, line: 47, reason: 需由创建办研判 }\n`,
      'examples/beihai-2021.yaml',
    );
    const rules = rulesOf(withManual);
    expect(rules.filter((r) => r.group === 'assessment').map((r) => [r.name, r.rule, r.line])).toEqual([
      ['排名末位', '通报批评', 157],
      ['连续2次末位', '约谈主要负责人（部门主要领导）', 157],
      ['仍整改不力', '追究责任', 157],
      ['结果报送', '测评结果通报抄送区党工委、管委会主要领导', 157],
    ]);
    expect(rules.filter((r) => !r.automated)).toEqual([
      { group: 'manual', name: '建议上级给予相应处罚', rule: '需由创建办研判', automated: false, line: 47 },
    ]);
    expect(rules.filter((r) => r.group === 'ladder')).toHaveLength(4);
  });
});
