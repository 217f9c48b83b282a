// The campaign definition: every problem reported with file, line and field.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DefinitionError, parseDefinition } from '../../domain/definition-yaml.js';
import { shiftDefinition } from '../../domain/shift.js';

const EXAMPLE = readFileSync(new URL('../../examples/beihai-2021.yaml', import.meta.url), 'utf8');

function problems(text: string) {
  try {
    parseDefinition(text, 'campaign.yaml');
  } catch (error) {
    if (error instanceof DefinitionError) return error.problems;
    throw error;
  }
  throw new Error('expected the definition to be refused');
}

/** The 1-based line of the first occurrence of a snippet in the text. */
const lineOf = (text: string, snippet: string) => text.slice(0, text.indexOf(snippet)).split('\n').length;

describe('campaign definition', () => {
  it('reads the Beihai example: eight actions with their lead and cooperating units', () => {
    const def = parseDefinition(EXAMPLE, 'examples/beihai-2021.yaml');
    expect(def.timeZone).toBe('Asia/Shanghai');
    expect(def.tasks.map((t) => t.title)).toEqual([
      '开展回迁楼小区环境治理行动',
      '开展广告牌匾和各类线路箱体综合整治美化行动',
      '开展背街小巷整治提升行动',
      '开展占道经营整治行动',
      '开展北海农贸市场综合整治行动',
      '开展交通秩序整治行动',
      '开展“清洁家园”环境提升行动',
      '启动“我为群众办实事”入户普及创建知识行动',
    ]);
    const unitName = (id: string) => def.units.find((u) => u.id === id)!.name;
    const backStreets = def.tasks.find((t) => t.id === 'back-streets')!;
    expect(unitName(backStreets.leadUnit)).toBe('区综合执法分局');
    expect(backStreets.cooperatingUnits.map(unitName)).toEqual(['区公用事业局', '北海服务中心', '北海交警队']);
    expect(def.units.every((u) => u.contact.email.endsWith('example.org'))).toBe(true);
  });

  it('reports a YAML syntax error with its line', () => {
    const text = EXAMPLE.replace('timeZone: Asia/Shanghai', 'timeZone: [Asia/Shanghai');
    const [first] = problems(text);
    expect(first.file).toBe('campaign.yaml');
    // The parser notices an unclosed flow sequence on its line or at the start of the next.
    expect(first.line! - lineOf(EXAMPLE, 'timeZone: Asia/Shanghai')).toBeOneOf([0, 1]);
    expect(first.message).toMatch(/^YAML 语法错误/);
  });

  it('reports an unknown unit, a deadline before the start and a bad email, each with line and field', () => {
    const text = EXAMPLE.replace('leadUnit: public-security', 'leadUnit: nobody')
      .replace('deadline: 2021-05-31', 'deadline: 2021-03-31')
      .replace('email: machao@beihai.example.org', 'email: machao-at-beihai');
    expect(problems(text)).toEqual([
      {
        file: 'campaign.yaml',
        line: lineOf(text, 'machao-at-beihai'),
        column: expect.any(Number),
        field: 'units[3].principal.email',
        message: '邮箱地址无效',
      },
      {
        file: 'campaign.yaml',
        line: lineOf(text, 'deadline: 2021-03-31'),
        column: 15,
        field: 'tasks[1].deadline',
        message: '截止日期 2021-03-31 早于开始日期 2021-04-01',
      },
      { file: 'campaign.yaml', line: lineOf(text, 'leadUnit: nobody'), column: 15, field: 'tasks[5].leadUnit', message: '未知单位：nobody' },
    ]);
  });

  it('reports a missing field at its parent, and placeholder emails until they are filled in', () => {
    const text = EXAMPLE.replace("  documentPrefix: 北海创城\n", '').replace('zhaoming@beihai.example.org', 'director@placeholder.invalid');
    const found = problems(text);
    expect(found.map((p) => p.field)).toEqual(['office.documentPrefix', 'office.director.email']);
    expect(found[0].line).toBe(lineOf(text, '  name: 北海经济开发区创城工作领导小组办公室'));
    expect(found[1].message).toContain('占位邮箱');
  });

  it('moves every date by the same number of days', () => {
    const def = shiftDefinition(parseDefinition(EXAMPLE), '2027-03-01');
    expect([def.start, def.end]).toEqual(['2027-03-01', '2027-11-30']);
    // 2021-04-01 → 2021-05-20 is 49 days; so is 2027-03-01 → 2027-04-19.
    expect(def.tasks.find((t) => t.id === 'traffic-order')).toMatchObject({ start: '2027-03-01', deadline: '2027-04-19' });
  });

  it('refuses an unknown cadence, an unknown field of a cadence or rule, and a bad audience, each with line and field', () => {
    const text = EXAMPLE.replace('  weeklyCheck: { weekday: 1, proposed: true }', '  weeklyCheck: { weekday: 1, dayOfWeek: 2 }\n  monthlyReport: { day: 5 }')
      .replace('  dispatch: { leaders: monthly,', '  dispatch: { leaders: yearly,')
      .replace('  stillFailing: { action: accountabilityReferral, line: 157 }', '  stillFailing: { action: dismissal, line: 157 }\n  lastPlaceFine: { amount: 500 }');
    const found = problems(text).map((p) => [p.line, p.field, p.message]);
    expect(found).toEqual(
      expect.arrayContaining([
        [lineOf(text, 'monthlyReport'), 'cadences', '未知的键：monthlyReport'],
        [lineOf(text, 'dayOfWeek'), 'cadences.weeklyCheck', '未知的键：dayOfWeek'],
        [lineOf(text, 'leaders: yearly'), 'cadences.dispatch.leaders', '应为 weekly、halfMonthly、monthly 之一'],
        [lineOf(text, 'action: dismissal'), 'assessment.stillFailing.action', expect.stringContaining('通报批评、约谈、追责')],
        [lineOf(text, 'lastPlaceFine'), 'assessment', '未知的键：lastPlaceFine'],
      ]),
    );
  });

  it('refuses rules that cannot run: a report to the superior body without its address, last-place rules without rounds', () => {
    const withoutSuperior = EXAMPLE.replace(/^ {2}superior: .*\n/m, '');
    expect(problems(withoutSuperior)).toEqual([
      expect.objectContaining({ field: 'assessment.reportTo', line: lineOf(withoutSuperior, 'reportTo:'), message: expect.stringContaining('office.superior') }),
    ]);
    const withoutRounds = EXAMPLE.replace(/^ {2}bimonthlyAssessment: .*\n/m, '');
    expect(problems(withoutRounds)).toEqual([
      expect.objectContaining({ field: 'assessment', message: expect.stringContaining('没有 bimonthlyAssessment') }),
    ]);
    const audience = withoutSuperior.replace('  weeklyCheck: { weekday: 1, proposed: true }', '  weeklyCheck: { recipients: { to: [leaders.chief, superior] } }');
    expect(problems(audience).map((p) => [p.field, p.message])).toEqual([
      ['cadences.weeklyCheck.recipients.to[0]', expect.stringContaining('未知领导角色：leaders.chief')],
      ['cadences.weeklyCheck.recipients.to[1]', expect.stringContaining('office.superior')],
      ['assessment.reportTo', expect.stringContaining('office.superior')],
    ]);
  });

  it('runs exactly what the definition names: no cadence unless listed', () => {
    const def = parseDefinition(EXAMPLE.replace(/^cadences:\n( {2}.*\n| {2}#.*\n)*/m, '').replace(/^assessment:\n( {2}.*\n)*/m, ''), 'campaign.yaml');
    expect(def.cadences).toBeUndefined();
    expect(def.assessment).toBeUndefined();
  });
});
