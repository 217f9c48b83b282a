// Inspections and their problem points (问题点位): the kinds of inspection, the severities and the
// working days each gives to fix a point, and how a problem list's 整改时限 cell is read.
import { z } from 'zod';
import { civilDateOf, halfWidth, type SheetColumn } from './directory.js';
import { resolveEscalation, type ResolvedRung } from './ladder.js';

export const INSPECTION_KINDS = ['superiorAssessment', 'selfCheck', 'patrol', 'unannounced', 'publicReport'] as const;
export type InspectionKind = (typeof INSPECTION_KINDS)[number];
export const INSPECTION_KIND_NAMES: Record<InspectionKind, string> = {
  superiorAssessment: '上级测评',
  selfCheck: '自查抽查',
  patrol: '日常巡查',
  unannounced: '暗访',
  publicReport: '群众反映',
};
/** Other words offices use for the same kinds. */
const KIND_ALIASES: Record<string, InspectionKind> = {
  实地测评: 'superiorAssessment',
  测评: 'superiorAssessment',
  抽查: 'selfCheck',
  自查: 'selfCheck',
  巡查: 'patrol',
  督查: 'patrol',
  媒体暗访: 'unannounced',
  群众投诉: 'publicReport',
  群众举报: 'publicReport',
  热线: 'publicReport',
};

export const SEVERITIES = ['immediate', 'general', 'complex'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_NAMES: Record<Severity, string> = { immediate: '立行立改', general: '一般', complex: '复杂' };
const SEVERITY_ALIASES: Record<string, Severity> = {
  立即整改: 'immediate',
  即知即改: 'immediate',
  当日整改: 'immediate',
  一般问题: 'general',
  复杂问题: 'complex',
  限期整改: 'complex',
};

/** Working days to fix a point, by severity (0: the same day), unless the campaign says otherwise. */
export const DEFAULT_FIX_DAYS: Record<Severity, number> = { immediate: 0, general: 3, complex: 15 };

/** The categories of a 测评体系 most plans share; the problem list may name others. */
export const COMMON_CATEGORIES = [
  '公共场所秩序',
  '背街小巷',
  '农贸市场',
  '公益广告',
  '交通秩序',
  '环境卫生',
  '居民小区',
  '窗口单位',
  '建筑工地',
  '校园周边',
  '其他',
] as const;

/** A campaign's own settings for points (definition `inspections:`). */
export const inspectionSettingsSchema = z
  .object({
    /** Working days to fix a point of each severity. */
    fixDays: z
      .object({
        immediate: z.number().int().min(0).max(60).optional(),
        general: z.number().int().min(0).max(60).optional(),
        complex: z.number().int().min(0).max(120).optional(),
      })
      .strict()
      .optional(),
    /**
     * Who answers for a point the list leaves without 责任单位: the first rule whose area (a street,
     * a road, a market, as the 点位 names it) is in the point's place and whose category, if it names
     * one, is the point's. The office keeps them here as its streets and categories are shared out.
     */
    unitRules: z
      .array(
        z
          .object({
            area: z.string().trim().min(1, '请写区域（点位中出现的街道、路段或场所名）').max(50),
            category: z.string().trim().min(1).max(50).optional(),
            unit: z.string().trim().min(1),
          })
          .strict(),
      )
      .max(500)
      .optional(),
    /**
     * 点位测评: the assessment rounds count the units' points (domain/assessment.ts computedScore):
     * off in proportion to the share not fixed on time, and per point returned on re-check.
     */
    scoring: z
      .object({
        latePoints: z.number().min(0).max(100).default(30),
        returnedPoint: z.number().min(0).max(100).default(1),
        returnedCap: z.number().min(0).max(100).default(10),
      })
      .strict()
      .optional(),
  })
  .strict();
export type InspectionSettings = z.output<typeof inspectionSettingsSchema>;

export function fixDaysOf(settings: InspectionSettings | undefined): Record<Severity, number> {
  return { ...DEFAULT_FIX_DAYS, ...settings?.fixDays };
}

export function inspectionKindOf(value: string): InspectionKind | undefined {
  const text = value.replace(/\s/g, '');
  if ((INSPECTION_KINDS as readonly string[]).includes(text)) return text as InspectionKind;
  return INSPECTION_KINDS.find((k) => INSPECTION_KIND_NAMES[k] === text) ?? KIND_ALIASES[text];
}

export function inspectionKindProblem(value: string): string {
  return `未知的检查类别：${value}（应为 ${INSPECTION_KINDS.map((k) => INSPECTION_KIND_NAMES[k]).join('、')} 之一）`;
}

export function severityOf(value: string): Severity | undefined {
  const text = value.replace(/\s/g, '');
  if ((SEVERITIES as readonly string[]).includes(text)) return text as Severity;
  return SEVERITIES.find((s) => SEVERITY_NAMES[s] === text) ?? SEVERITY_ALIASES[text];
}

/** What a 整改时限 cell asks for: a severity's days, a number of working days, or a date. */
export type FixTerm = { severity: Severity } | { workingDays: number } | { date: string };

/**
 * Reads 整改时限 as offices write it: 立行立改 / 一般 / 复杂, 3, 3个工作日, 3日内, 当日, or a date
 * (2027-03-01, 2027年3月1日). Undefined when it is none of these.
 */
export function fixTermOf(value: string): FixTerm | undefined {
  const text = halfWidth(value).replace(/\s/g, '');
  if (text === '') return undefined;
  const severity = severityOf(text);
  if (severity) return { severity };
  if (/^(当日|当天|即时|立即)(整改|完成)?$/.test(text)) return { workingDays: 0 };
  const days = /^(\d{1,3})(个工作日|工作日|个?工作日内|日内|天内|天|日)?$/.exec(text);
  if (days) return { workingDays: Number(days[1]) };
  const date = civilDateOf(text);
  return date ? { date } : undefined;
}

export const MAX_POINT_TEXT = 2000;

/** The problem list (问题清单) as offices keep it: one point a row. */
export const POINT_SHEET = {
  name: '问题清单',
  columns: [
    { field: 'number', header: '序号', aliases: ['编号', '点位编号', '问题编号'], required: true, width: 7, note: '问题的序号，正整数，同一次检查中不重复' },
    { field: 'location', header: '点位', aliases: ['点位名称', '问题点位', '地点', '位置', '具体位置'], required: true, width: 28, note: '问题所在的地点，如 北海大道与云南路交叉口东北角' },
    { field: 'description', header: '问题描述', aliases: ['存在问题', '问题', '问题情况'], required: true, width: 40, note: '发现的问题' },
    { field: 'category', header: '类别', aliases: ['问题类别', '测评项目', '分类', '点位类别'], width: 14, note: `测评体系中的类别，如 ${COMMON_CATEGORIES.slice(0, 4).join('、')}` },
    { field: 'unit', header: '责任单位', aliases: ['整改单位', '责任部门'], required: true, width: 18, note: '负责整改的单位：创建活动中的单位全称、简称或编号' },
    { field: 'term', header: '整改时限', aliases: ['时限', '整改期限', '完成时限'], width: 12, note: '立行立改、一般、复杂，或工作日数（如 3 个工作日），或日期；空白时按严重程度' },
    { field: 'severity', header: '严重程度', aliases: ['问题等级', '等级', '问题性质'], width: 10, note: '立行立改、一般 或 复杂；空白时为一般（或按整改时限所写）' },
    { field: 'photos', header: '照片文件名', aliases: ['照片', '整改前照片', '问题照片'], width: 24, note: '照片包（.zip）中的文件名，多张以顿号（、）分隔' },
    { field: 'latitude', header: '纬度', width: 11, note: '可选，如 21.4733' },
    { field: 'longitude', header: '经度', width: 11, note: '可选，如 109.1192' },
  ] as SheetColumn[],
};

/**
 * The rungs points climb: the campaign's ladder for the unit's kind, as far as its letters are per
 * unit and day (逾期通报, 督办函, 全园区通报); 约谈 and 追责 are about a task and its record.
 */
export function pointLadder(escalation: unknown, unitKind: string): ResolvedRung[] {
  const ladder = resolveEscalation(escalation, unitKind).ladder;
  const end = ladder.findIndex((r) => r.batch !== 'unitDay');
  return end < 0 ? ladder : ladder.slice(0, end);
}

export const POINT_STATUSES = ['open', 'answered', 'returned', 'disputed', 'closed'] as const;
export type PointStatus = (typeof POINT_STATUSES)[number];
export const POINT_STATUS_NAMES: Record<PointStatus, string> = {
  open: '待整改',
  answered: '待复查',
  returned: '复查未通过',
  disputed: '有异议',
  closed: '已销号',
};

export type UnitRule = NonNullable<InspectionSettings['unitRules']>[number];

/** The unit the office's rules give a point: the first whose area is in its place and whose category (if any) is its own. */
export function unitByRules(rules: readonly UnitRule[] | undefined, location: string, category: string): string | undefined {
  return rules?.find((r) => location.includes(r.area) && (!r.category || r.category === category))?.unit;
}
