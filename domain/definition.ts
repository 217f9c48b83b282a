// The campaign definition: what an administrator writes (or imports from a plan) and starts.
// Pure data and its schema; workflows import only the types.
import { z } from 'zod';
import { calendarYearsSchema, DEFAULT_TIME_ZONE } from './calendar.js';
import { assessmentRulesSchema, ROUND_RULES } from './assessment-rules.js';
import { cadencesSchema } from './cadences.js';
import { deliveryProblems, deliverySchema, mobileSchema, unitRobotsSchema } from './channels.js';
import { inspectionSettingsSchema } from './inspections.js';
import { escalationOverrideSchema, escalationSchema } from './ladder.js';

// Every message a user reads is Chinese, those zod writes itself too (a list where text was
// expected, an unknown option): Chinese names for the types, the zh-CN locale for the rest.
const TYPE_NAMES: Record<string, string> = {
  string: '文字',
  number: '数字',
  int: '整数',
  boolean: '是或否（true / false）',
  array: '列表',
  object: '映射（键: 值）',
  date: '日期',
  null: '空值',
  nan: '非数字',
};
const typeOf = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isNaN(value) ? 'nan' : typeof value;
const zhCN = z.locales.zhCN().localeError;
z.config({
  localeError: (issue) => {
    if (issue.code === 'invalid_type') {
      if (issue.input === undefined) return '缺少此项';
      return `应为${TYPE_NAMES[issue.expected] ?? issue.expected}，实际是${TYPE_NAMES[typeOf(issue.input)] ?? typeOf(issue.input)}`;
    }
    if (issue.code === 'invalid_value') return `应为 ${issue.values.map((v) => String(v)).join('、')} 之一`;
    if (issue.code === 'unrecognized_keys') return `未知的键：${issue.keys.join('、')}`;
    return zhCN(issue);
  },
});

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

// ---------------------------------------------------------------------------------------------
// Text that reaches mail headers and pages
//
// Names become display names in To/Cc/From ("区综合执法分局 联络员" <…>) and titles become
// subjects: a line break there could forge a header (…\r\nBcc: …), an angle bracket could pass
// for an address. A replacement character (U+FFFD) means the file was not read as UTF-8.

/** Control characters: C0 (line breaks included), DEL, C1, and the Unicode line and paragraph separators. */
function hasControl(value: string, { breaks = false }: { breaks?: boolean } = {}): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (breaks && (c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029)) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}
const UNDECODED = '含有无法识别的字符（\uFFFD），文件可能不是 UTF-8 编码；请以 UTF-8 另存后重试';

export const MAX_NAME_LENGTH = 100;
export const MAX_TITLE_LENGTH = 200;
export const MAX_TEXT_LENGTH = 10_000;
/** A definition travels whole as the campaign workflow's input; Temporal refuses payloads over 2 MB. */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

/** One line of text (a title): no line breaks or other control characters. */
function singleLine(max: number) {
  return nonEmpty
    .max(max, `不能超过 ${max} 个字符`)
    .refine((v) => !hasControl(v), '不能包含换行符或其他控制字符（会写入邮件标题）')
    .refine((v) => !v.includes('\uFFFD'), UNDECODED);
}

/** A name shown as a mail display name: one line, and no angle brackets. */
const name = singleLine(MAX_NAME_LENGTH).refine((v) => !/[<>]/.test(v), '不能包含尖括号 < >（名称会作为邮件收件人的显示名）');
const optionalLine = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `不能超过 ${max} 个字符`)
    .refine((v) => !hasControl(v), '不能包含换行符或其他控制字符')
    .refine((v) => !v.includes('\uFFFD'), UNDECODED)
    .optional();
/** Multi-line text (a description): line breaks allowed, other control characters not. */
const text = z
  .string()
  .trim()
  .max(MAX_TEXT_LENGTH, `不能超过 ${MAX_TEXT_LENGTH} 个字符`)
  .refine((v) => !hasControl(v, { breaks: true }), '不能包含控制字符')
  .refine((v) => !v.includes('\uFFFD'), UNDECODED);

/** Bytes of a string in UTF-8, without Node's Buffer (this module is pure). */
function utf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

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
  name,
  title: optionalLine(MAX_NAME_LENGTH),
  email,
  /** For SMS and robot mentions (@), when the campaign sends by those channels. */
  mobile: mobileSchema.optional(),
});

export const leaderSchema = z.object({
  id: slug,
  role: z.enum(LEADER_ROLES),
  name,
  title: optionalLine(MAX_NAME_LENGTH),
  email,
  mobile: mobileSchema.optional(),
});

export const unitSchema = z.object({
  id: slug,
  name,
  kind: z.enum(UNIT_KINDS).default('department'),
  /** 主要负责人: the one summoned in an interview. */
  principal: person,
  /** 联系人: receives assignments and reminders. */
  contact: person,
  /** 责任领导: id of a leader. */
  responsibleLeader: slug.optional(),
  /** 通讯录编号: principal and contact are read from the directory when a notice is sent. */
  directoryId: z.number().int().positive().optional(),
  /** 上级单位: id of the unit this one is a sub-unit of (街道 → 社区), which may hand it part of a task (转办). */
  parent: slug.optional(),
  /** The unit's 企业微信 / 钉钉 group robots (domain/channels.ts). */
  robots: unitRobotsSchema.optional(),
});

export const taskSchema = z.object({
  id: slug,
  title: singleLine(MAX_TITLE_LENGTH),
  description: text.default(''),
  leadUnit: slug,
  cooperatingUnits: z.array(slug).default([]),
  start: isoDate,
  deadline: isoDate,
  indicators: z.array(singleLine(MAX_TITLE_LENGTH)).default([]),
  /** This task's own grace periods, recipients, deductions or wording; merged into the campaign's ladder. */
  escalation: escalationOverrideSchema.optional(),
});

export const officeSchema = z.object({
  /** 创建办 full name, signs every notice (and is the sender's display name). */
  name,
  /** Prefix of document numbers, e.g. 北海创城 → 北海创城督办〔2021〕3号. */
  documentPrefix: nonEmpty.regex(/^[^\s〔〕]+$/, '不能包含空白或〔〕'),
  email,
  director: person.optional(),
  /** 纪检监察室: receives accountability referrals (追责建议) with the task's record. */
  discipline: person.partial({ name: true }).optional(),
  /** 上级: the body the plan reports to (测评结果报送市创建办); recipient `superior`. */
  superior: person.partial({ title: true }).optional(),
});

/**
 * A rule the importer read that the engine does not carry out (不自动执行): kept in the definition,
 * with its line, so that the office sees it and does it by hand.
 */
export const manualRuleSchema = z.strictObject({
  rule: singleLine(MAX_TITLE_LENGTH),
  text: text.optional(),
  line: z.number().int().min(1).optional(),
  reason: optionalLine(MAX_TITLE_LENGTH),
});

export const phaseSchema = z.object({
  name: singleLine(MAX_TITLE_LENGTH),
  start: isoDate,
  end: isoDate,
});

/** 项目区: a zone of the park with its responsible leader, bureaus and duties. */
export const areaSchema = z.object({
  name: singleLine(MAX_TITLE_LENGTH),
  responsibleLeader: slug.optional(),
  units: z.array(slug).default([]),
  duties: text.default(''),
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
    title: singleLine(MAX_TITLE_LENGTH),
    office: officeSchema,
    timeZone: z
      .string()
      .default(DEFAULT_TIME_ZONE)
      .refine(isKnownTimeZone, '未知时区（应为 IANA 名称，如 Asia/Shanghai）'),
    start: isoDate,
    end: isoDate,
    leaders: z.array(leaderSchema).default([]),
    units: z.array(unitSchema).min(1, '至少需要一个责任单位'),
    tasks: z.array(taskSchema).default([]),
    phases: z.array(phaseSchema).default([]),
    areas: z.array(areaSchema).default([]),
    indicators: z.array(indicatorSchema).default([]),
    /** The cadences that run (domain/cadences.ts); none unless named. */
    cadences: cadencesSchema.optional(),
    /** The escalation ladder and its rules (domain/ladder.ts); `{}` or absent gives the seed plans' defaults. */
    escalation: escalationSchema.prefault({}),
    /** The plan's rules for assessment rounds (domain/assessment-rules.ts). */
    assessment: assessmentRulesSchema.optional(),
    /** 不自动执行: rules of the plan the engine does not carry out, for the office to do by hand. */
    manual: z.array(manualRuleSchema).optional(),
    source: planSourceSchema.optional(),
    /** Official holiday schedules for years the bundled data lacks, keyed '2027'. */
    calendar: calendarYearsSchema.optional(),
    /** Problem points of inspections: working days to fix by severity (domain/inspections.ts). */
    inspections: inspectionSettingsSchema.optional(),
    /** Which notices also go by SMS and the units' group robots (domain/channels.ts); absent: e-mail only. */
    delivery: deliverySchema.optional(),
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

    const bytes = utf8Length(JSON.stringify(def));
    if (bytes > MAX_DEFINITION_BYTES) {
      issue(
        [],
        `定义过大：约 ${(bytes / 1048576).toFixed(1)} MB，一个创建活动的定义最多 ${MAX_DEFINITION_BYTES / 1048576} MB` +
          `（${def.tasks.length} 项任务、${def.units.length} 个单位）；请精简任务说明，或拆分为几个创建活动`,
      );
    }

    // Recipients (of the ladder's rungs, of digests) name leader roles that must exist, and
    // `superior` (上级) needs its address in office.superior.
    const roles = new Set<string>(LEADER_ROLES);
    type Listed = { to: string[]; cc: string[] } | undefined;
    const checkList = (list: Listed, path: (string | number)[]) =>
      (['to', 'cc'] as const).forEach((field) =>
        list?.[field].forEach((r, j) => {
          if (r.startsWith('leaders.') && !roles.has(r.slice('leaders.'.length))) {
            issue([...path, field, j], `未知领导角色：${r}（应为 ${LEADER_ROLES.map((x) => `leaders.${x}`).join('、')}）`);
          }
          if (r === 'superior' && !def.office.superior) issue([...path, field, j], '收件人 superior（上级）需要在 office.superior 写明名称和邮箱');
        }),
      );
    const checkRecipients = (rungs: { recipients?: Listed }[] | undefined, path: (string | number)[]) =>
      rungs?.forEach((rung, i) => checkList(rung.recipients, [...path, i, 'recipients']));
    checkRecipients(def.escalation.ladder, ['escalation', 'ladder']);
    checkRecipients(def.escalation.enterprises.ladder, ['escalation', 'enterprises', 'ladder']);
    def.tasks.forEach((t, i) => checkRecipients(t.escalation?.ladder, ['tasks', i, 'escalation', 'ladder']));
    for (const [key, cadence] of Object.entries(def.cadences ?? {})) {
      checkList((cadence as { recipients?: Listed } | undefined)?.recipients, ['cadences', key, 'recipients']);
    }
    if (!def.office.superior) {
      if (def.escalation.reportToSuperior) issue(['escalation', 'reportToSuperior'], '向上级报告：请在 office.superior 写明上级的名称和邮箱');
      if (def.assessment?.reportTo) issue(['assessment', 'reportTo'], `测评结果报送${def.assessment.reportTo.to}：请在 office.superior 写明其名称和邮箱`);
    }
    if (def.assessment && ROUND_RULES.some((k) => k in def.assessment!) && !def.cadences?.bimonthlyAssessment) {
      issue(['assessment'], '定义了测评规则，但 cadences 中没有 bimonthlyAssessment（测评轮次），规则不会执行：请补上测评周期，或删去这些规则');
    }

    def.units.forEach((unit, i) => {
      if (unit.responsibleLeader && !leaderIds.has(unit.responsibleLeader)) {
        issue(['units', i, 'responsibleLeader'], `未知领导：${unit.responsibleLeader}`);
      }
    });
    // 上级单位: a unit of the campaign, and no unit its own ancestor.
    const parentOf = new Map(def.units.filter((u) => u.parent).map((u) => [u.id, u.parent!]));
    def.units.forEach((unit, i) => {
      if (!unit.parent) return;
      if (!unitIds.has(unit.parent)) return issue(['units', i, 'parent'], `未知上级单位：${unit.parent}（应为本活动的单位编号）`);
      const seen = new Set([unit.id]);
      for (let up: string | undefined = unit.parent; up; up = parentOf.get(up)) {
        if (seen.has(up)) return issue(['units', i, 'parent'], `上级单位形成循环：${[...seen, up].join(' → ')}`);
        seen.add(up);
      }
    });
    for (const problem of deliveryProblems(def.delivery, def)) issue(problem.path, problem.message);
    def.inspections?.unitRules?.forEach((rule, i) => {
      if (!unitIds.has(rule.unit)) issue(['inspections', 'unitRules', i, 'unit'], `未知单位：${rule.unit}`);
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
