// The escalation ladder as data: defaults, what plan import writes, campaign and task overrides,
// and the Chinese errors of a wrong definition. Pure: no server.
import { describe, expect, it } from 'vitest';
import { definitionSchema } from '../../domain/definition.js';
import { escalationSchema, resolveEscalation } from '../../domain/ladder.js';
import { testDefinition } from '../support/definitions.js';

const base = () => testDefinition({ start: '2027-03-01', end: '2027-12-31' });

describe('escalation schema', () => {
  it('defaults to the seed plans: 逾期通报 → 督办函 → 约谈 → 追责, one working day to acknowledge, two extensions', () => {
    const def = base();
    expect(def.escalation).toMatchObject({
      acknowledgement: { workingDays: 1, deduction: 0.5 },
      extensions: { max: 2 },
      onRefusal: 'interview',
      enterprises: { onRefusal: 'parkWideNotice', noticeScope: '全园区', interviewPrincipal: true, refusalAfterFailures: 2 },
      complaints: { rectificationDays: 3 },
    });
    const plan = resolveEscalation(def.escalation, 'department');
    expect(plan.ladder.map((r) => [r.name, r.graceDays, r.rectificationDays, r.deduction])).toEqual([
      ['逾期通报', 0, 0, 2],
      ['督办函', 3, 5, 0],
      ['约谈', 0, 5, 0],
      ['追责', 0, 0, 0],
    ]);
    expect(plan.ladder[0].recipients).toEqual({ to: ['leadUnit.principal', 'leadUnit.responsibleLeader'], cc: ['office'] });
    expect(plan.ladder[1].recipients.to).toEqual(['leadUnit.principal']);
    expect(plan.ladder[2].recipients.cc).toEqual(['leaders.groupLeader', 'leaders.executiveDeputy', 'office']);
    expect(plan.ladder[2].meeting).toEqual({ inWorkingDays: 2, time: '09:00' });
    expect(plan.ladder[3]).toMatchObject({ recipients: { to: ['office.discipline'], cc: ['leaders.groupLeader'] }, attachRecord: true });
    expect(plan).toMatchObject({ onRefusal: 3, refusalAfterFailures: 0, complaints: { rectificationDays: 3, startAt: 2 } });

    const enterprise = resolveEscalation(def.escalation, 'enterprise');
    expect(enterprise.ladder.map((r) => r.name)).toEqual(['逾期通报', '督办函', '全园区通报', '约谈']);
    expect(enterprise).toMatchObject({ onRefusal: 3, refusalAfterFailures: 2 });
    expect(enterprise.ladder[3].interviewTarget).toBe('企业主要负责人');
  });

  it('gathers the lapse notices per unit and day by default, 约谈 and 追责 per task; a plan or a task may say otherwise', () => {
    const def = base();
    const batches = (unitKind: string, escalation: unknown = def.escalation, override?: unknown) =>
      resolveEscalation(escalation, unitKind, override).ladder.map((r) => [r.name, r.batch ?? 'task']);
    expect(batches('department')).toEqual([['逾期通报', 'unitDay'], ['督办函', 'unitDay'], ['约谈', 'task'], ['追责', 'task']]);
    expect(batches('enterprise')).toEqual([['逾期通报', 'unitDay'], ['督办函', 'unitDay'], ['全园区通报', 'unitDay'], ['约谈', 'task']]);
    const perTask = escalationSchema.parse({ ladder: [{ rung: 'overdueNotice', batch: 'task' }, { rung: 'interview', batch: 'unitDay' }] });
    expect(batches('department', perTask)).toEqual([['逾期通报', 'task'], ['约谈', 'unitDay']]);
    expect(batches('department', def.escalation, { ladder: [{ rung: 'supervisionLetter', batch: 'task' }] })[1]).toEqual(['督办函', 'task']);
    const wrong = escalationSchema.safeParse({ ladder: [{ rung: 'overdueNotice', batch: 'daily' }] });
    expect(wrong.error!.issues.map((i) => i.message)).toEqual(['发文方式应为 unitDay、task 之一']);
  });

  it('accepts what plan import writes (line numbers, 限期整改 flags, enterprise and complaint rules)', () => {
    const imported = {
      ladder: [
        { rung: 'supervisionLetter', rectificationDeadline: true, line: 45 },
        { rung: 'accountabilityReferral', line: 47 },
      ],
      enterprises: { noticeScope: '全工业园', interviewPrincipal: false, line: 79 },
      complaints: { sources: ['citizen', 'media'], action: 'supervisionLetter', line: 45, lines: [45, 51] },
      reportToSuperior: { line: 47 },
    };
    const plain = base();
    // 向上级报告 needs the superior body's address.
    const def = definitionSchema.parse({ ...plain, office: { ...plain.office, superior: { name: '市创建领导小组', email: 'shi@test.example.org' } }, escalation: imported });
    const plan = resolveEscalation(def.escalation, 'department');
    expect(plan.ladder.map((r) => r.name)).toEqual(['督办函', '追责']);
    expect(plan.ladder[1].recipients.cc).toContain('superior');
    expect(plan.complaints.startAt).toBe(1);
    expect(plan.onRefusal).toBeUndefined();
    const enterprise = resolveEscalation(def.escalation, 'enterprise');
    expect(enterprise.ladder.map((r) => r.name)).toEqual(['逾期通报', '督办函', '全园区通报']);
    expect(enterprise.ladder[2].noticeScope).toBe('全工业园');
  });

  it('merges a task override into the campaign ladder by kind: change, insert, skip', () => {
    const def = definitionSchema.parse({
      ...base(),
      escalation: { ladder: [{ rung: 'overdueNotice', deduction: 3 }, { rung: 'supervisionLetter', graceDays: 2 }, { rung: 'interview' }] },
      tasks: [
        {
          ...base().tasks[0],
          escalation: {
            acknowledgement: { workingDays: 2 },
            extensions: { max: 1 },
            ladder: [
              { rung: 'criticismNotice', graceDays: 1, wording: { title: '关于{责任单位}的通报批评' } },
              { rung: 'supervisionLetter', rectificationDays: 3 },
              { rung: 'interview', skip: true },
            ],
          },
        },
      ],
    });
    const plan = resolveEscalation(def.escalation, 'department', def.tasks[0].escalation);
    expect(plan.ladder.map((r) => [r.kind, r.graceDays, r.rectificationDays, r.deduction])).toEqual([
      ['overdueNotice', 0, 0, 3],
      ['criticismNotice', 1, 0, 2],
      ['supervisionLetter', 2, 3, 0],
    ]);
    expect(plan.ladder[1].wording).toEqual({ title: '关于{责任单位}的通报批评' });
    expect(plan.acknowledgement).toEqual({ workingDays: 2, deduction: 0.5 });
    expect(plan.extensions).toEqual({ max: 1 });
  });

  it('reports wrong rungs, recipients and roles in Chinese, with the field', () => {
    const result = definitionSchema.safeParse({
      ...base(),
      escalation: {
        ladder: [
          { rung: 'overdueNotice', recipients: { to: ['leaders.mayor'] } },
          { rung: 'overdueNotice' },
          { rung: 'warning' },
          { rung: 'interview', graceDays: -1, recipients: { to: ['somebody'] } },
        ],
      },
    });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^escalation\.ladder\.2\.rung: 督办层级应为 overdueNotice、/),
        'escalation.ladder.3.graceDays: 工作日数不能为负',
        expect.stringMatching(/^escalation\.ladder\.3\.recipients\.to\.0: 未知收件人/),
      ]),
    );
    const duplicate = escalationSchema.safeParse({ ladder: [{ rung: 'interview' }, { rung: 'interview' }] });
    expect(duplicate.error!.issues.map((i) => i.message)).toEqual(['督办层级重复：interview']);
    const role = definitionSchema.safeParse({ ...base(), escalation: { ladder: [{ rung: 'overdueNotice', recipients: { to: ['leaders.mayor'] } }] } });
    expect(role.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      expect.stringMatching(/^escalation\.ladder\.0\.recipients\.to\.0: 未知领导角色：leaders\.mayor/),
    ]);
  });
});
