// The campaign definition: what an administrator writes (or imports from a plan) and starts.
// Pure data and its schema; workflows import only the types.
import { z } from 'zod';
import { calendarYearsSchema } from './calendar.js';
import { escalationOverrideSchema, escalationSchema } from './ladder.js';

const slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, '只能包含字母、数字、- 和 _，且以字母或数字开头（最长 64 位）');
const isoDate = z.iso.date({ message: '日期格式应为 YYYY-MM-DD' });
/** Imported plans carry placeholder addresses on the reserved .invalid domain until someone fills them in. */
export const PLACEHOLDER_EMAIL_DOMAIN = 'placeholder.invalid';
const email = z
  .email({ message: '邮箱地址无效' })
  .refine((value) => !value.toLowerCase().endsWith('.invalid'), '待填写：这是导入时生成的占位邮箱');
const nonEmpty = z.string().trim().min(1, '不能为空');

export const LEADER_ROLES = [
  'adviser', // 顾问
  'groupLeader', // 组长
  'executiveDeputy', // 常务副组长
  'deputyLeader', // 副组长
  'member', // 成员
  'responsibleLeader', // 责任领导 / 分管领导
] as const;
export type LeaderRole = (typeof LEADER_ROLES)[number];

export const LEADER_ROLE_NAMES: Record<LeaderRole, string> = {
  adviser: '顾问',
  groupLeader: '组长',
  executiveDeputy: '常务副组长',
  deputyLeader: '副组长',
  member: '成员',
  responsibleLeader: '责任领导',
};

export const UNIT_KINDS = ['department', 'community', 'enterprise', 'other'] as const;

const person = z.object({
  name: nonEmpty,
  title: z.string().trim().optional(),
  email,
});

export const leaderSchema = z.object({
  id: slug,
  role: z.enum(LEADER_ROLES),
  name: nonEmpty,
  title: z.string().trim().optional(),
  email,
});

export const unitSchema = z.object({
  id: slug,
  name: nonEmpty,
  kind: z.enum(UNIT_KINDS).default('department'),
  /** 主要负责人: the one summoned in an interview. */
  principal: person,
  /** 联系人: receives assignments and reminders. */
  contact: person,
  /** 责任领导: id of a leader. */
  responsibleLeader: slug.optional(),
});

export const taskSchema = z.object({
  id: slug,
  title: nonEmpty,
  description: z.string().trim().default(''),
  leadUnit: slug,
  cooperatingUnits: z.array(slug).default([]),
  start: isoDate,
  deadline: isoDate,
  indicators: z.array(z.string().trim().min(1)).default([]),
  /** This task's own grace periods, recipients, deductions or wording; merged into the campaign's ladder. */
  escalation: escalationOverrideSchema.optional(),
});

export const officeSchema = z.object({
  /** 创建办 full name, signs every notice. */
  name: nonEmpty,
  /** Prefix of document numbers, e.g. 北海创城 → 北海创城督办〔2021〕3号. */
  documentPrefix: nonEmpty.regex(/^[^\s〔〕]+$/, '不能包含空白或〔〕'),
  email,
  director: person.optional(),
  /** 纪检监察室: receives accountability referrals (追责建议) with the task's record. */
  discipline: person.partial({ name: true }).optional(),
});

export const phaseSchema = z.object({
  name: nonEmpty,
  start: isoDate,
  end: isoDate,
});

/** 项目区: a zone of the park with its responsible leader, bureaus and duties. */
export const areaSchema = z.object({
  name: nonEmpty,
  responsibleLeader: slug.optional(),
  units: z.array(slug).default([]),
  duties: z.string().trim().default(''),
});

/** A measurable indicator, e.g. 亮灯率≥96%. */
export const indicatorSchema = z.object({
  text: nonEmpty,
  metric: z.string().trim().optional(),
  operator: z.enum(['>=', '>', '<=', '<', '=']).optional(),
  value: z.number().optional(),
  unit: z.string().optional(),
});

/** Where the plan came from, when it was imported. */
export const planSourceSchema = z.object({
  title: z.string().trim().optional(),
  issuingBody: z.string().trim().optional(),
  period: z.string().trim().optional(),
  /** Superior documents the plan cites, e.g. 《…》（黔府办发〔2020〕12号） */
  references: z.array(z.string().trim()).default([]),
});

export const definitionSchema = z
  .object({
    id: slug,
    title: nonEmpty,
    office: officeSchema,
    timeZone: z
      .string()
      .default('Asia/Shanghai')
      .refine(isKnownTimeZone, '未知时区（应为 IANA 名称，如 Asia/Shanghai）'),
    start: isoDate,
    end: isoDate,
    leaders: z.array(leaderSchema).default([]),
    units: z.array(unitSchema).min(1, '至少需要一个责任单位'),
    tasks: z.array(taskSchema).default([]),
    phases: z.array(phaseSchema).default([]),
    areas: z.array(areaSchema).default([]),
    indicators: z.array(indicatorSchema).default([]),
    /** Cadences, escalation ladder and assessment rules; shapes are owned by their modules. */
    cadences: z.record(z.string(), z.unknown()).optional(),
    /** The escalation ladder and its rules (domain/ladder.ts); `{}` or absent gives the seed plans' defaults. */
    escalation: escalationSchema.prefault({}),
    assessment: z.record(z.string(), z.unknown()).optional(),
    source: planSourceSchema.optional(),
    /** Official holiday schedules for years the bundled data lacks, keyed '2027'. */
    calendar: calendarYearsSchema.optional(),
  })
  .superRefine((def, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });

    const duplicates = (items: { id: string }[], field: string, label: string) => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        if (seen.has(item.id)) issue([field, i, 'id'], `${label}编号重复：${item.id}`);
        seen.add(item.id);
      });
      return seen;
    };
    const leaderIds = duplicates(def.leaders, 'leaders', '领导');
    const unitIds = duplicates(def.units, 'units', '单位');
    duplicates(def.tasks, 'tasks', '任务');

    if (def.end < def.start) issue(['end'], `结束日期 ${def.end} 早于开始日期 ${def.start}`);

    // Recipients of the ladder's rungs name leader roles that must exist.
    const roles = new Set<string>(LEADER_ROLES);
    const checkRecipients = (rungs: { recipients?: { to: string[]; cc: string[] } }[] | undefined, path: (string | number)[]) =>
      rungs?.forEach((rung, i) =>
        (['to', 'cc'] as const).forEach((field) =>
          rung.recipients?.[field].forEach((r, j) => {
            if (r.startsWith('leaders.') && !roles.has(r.slice('leaders.'.length))) {
              issue([...path, i, 'recipients', field, j], `未知领导角色：${r}（应为 ${LEADER_ROLES.map((x) => `leaders.${x}`).join('、')}）`);
            }
          }),
        ),
      );
    checkRecipients(def.escalation.ladder, ['escalation', 'ladder']);
    checkRecipients(def.escalation.enterprises.ladder, ['escalation', 'enterprises', 'ladder']);
    def.tasks.forEach((t, i) => checkRecipients(t.escalation?.ladder, ['tasks', i, 'escalation', 'ladder']));

    def.units.forEach((unit, i) => {
      if (unit.responsibleLeader && !leaderIds.has(unit.responsibleLeader)) {
        issue(['units', i, 'responsibleLeader'], `未知领导：${unit.responsibleLeader}`);
      }
    });
    def.tasks.forEach((task, i) => {
      if (!unitIds.has(task.leadUnit)) issue(['tasks', i, 'leadUnit'], `未知单位：${task.leadUnit}`);
      task.cooperatingUnits.forEach((unit, j) => {
        if (!unitIds.has(unit)) issue(['tasks', i, 'cooperatingUnits', j], `未知单位：${unit}`);
        if (unit === task.leadUnit) issue(['tasks', i, 'cooperatingUnits', j], `配合单位不能与责任单位相同：${unit}`);
      });
      if (task.deadline < task.start) {
        issue(['tasks', i, 'deadline'], `截止日期 ${task.deadline} 早于开始日期 ${task.start}`);
      }
    });
  });

export type CampaignDefinition = z.output<typeof definitionSchema>;
export type Unit = CampaignDefinition['units'][number];
export type Leader = CampaignDefinition['leaders'][number];
export type Task = CampaignDefinition['tasks'][number];
export type Office = CampaignDefinition['office'];

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
