// What the importer read from a plan, before it becomes a definition: every item with its line.
import type { LeaderRole } from '../domain/definition.js';
import type { PlanDocument } from './structure.js';
import type { Note } from './text.js';
import type { UnitEntry, UnitRegistry } from './units.js';

export interface PlanPeriod {
  start: string;
  end: string;
  /** As the plan says it: 2021年至2023年, 2020年. */
  label: string;
  line?: number;
  /** Where it came from. */
  how: 'range' | 'phases' | 'year' | 'fileName' | 'today';
  /** The plan's own year (the year most of it speaks of). */
  year: number;
}

export interface SourceInfo {
  title: string;
  titleLine?: number;
  titleDefaulted: boolean;
  issuingBody?: string;
  issuingBodyLine?: number;
  /** 创建全国文明城市, 创建省级文明城市 … */
  campaignName: string;
  period: PlanPeriod;
  references: { text: string; line: number }[];
  /** The plan's own document number, when it states one. */
  documentNumber?: { text: string; line: number };
  issueDate?: { date: string; line: number };
}

export interface LeaderDraft {
  name?: string;
  title?: string;
  role: LeaderRole;
  line: number;
  /** The group the role belongs to, when not the leadership group. */
  group?: string;
  /** Further roles of the same person (in other groups, the office). */
  alsoRoles: string[];
  id?: string;
}

export interface OfficeDraft {
  name: string;
  nameLine?: number;
  nameDefaulted: boolean;
  shortName?: string;
  /** The short name was declared (以下简称…), not just seen in use. */
  shortNameDeclared?: boolean;
  director?: { name: string; title: string; line: number };
  deputies: { name: string; line: number }[];
  location?: { text: string; line: number };
  documentPrefix: string;
}

export interface AreaDraft {
  name: string;
  line: number;
  leaderName?: string;
  leaderLine?: number;
  units: UnitEntry[];
  duties: string;
  notes: string[];
}

export interface TaskDraft {
  path: number[];
  ref: string;
  title: string;
  description: string;
  line: number;
  lead: UnitEntry;
  cooperating: UnitEntry[];
  /** 责任人 / 责任领导 named beside the units. */
  persons: { name: string; kind: 'person' | 'leader'; line: number }[];
  start: string;
  deadline: string;
  startNote?: string;
  deadlineNote?: string;
  indicators: string[];
  notes: string[];
  /** Lines of the labels the units were read from. */
  labelLines: number[];
  id?: string;
}

export interface PhaseDraft {
  name: string;
  start: string;
  end: string;
  line: number;
  text: string;
}

export interface IndicatorDraft {
  text: string;
  metric: string;
  operator?: '>=' | '>' | '<=' | '<' | '=';
  operatorDefaulted: boolean;
  value: number;
  unit?: string;
  line: number;
}

/** A loosely typed rule (cadence, escalation, assessment) with the line it was read from. */
export type RuleData = Record<string, unknown> & { line: number };

export interface Rules {
  cadences: Record<string, RuleData>;
  escalation: { ladder: (RuleData & { rung: string })[]; [key: string]: unknown };
  assessment: Record<string, RuleData>;
  /** Rules read that the engine does not carry out (不自动执行), with the reason. */
  manual: { rule: string; line?: number; reason: string }[];
  /** The superior body results are reported to (测评结果报送…), when the plan names one. */
  superior?: { name: string; line: number };
}

export interface PlanModel {
  fileName: string;
  encoding: string;
  converted: boolean;
  lineUnit: '行' | '段';
  doc: PlanDocument;
  source: SourceInfo;
  leaders: LeaderDraft[];
  /** What the plan says about group members without naming them (成员：各局室负责人). */
  leadershipNotes: Note[];
  office: OfficeDraft;
  areas: AreaDraft[];
  units: UnitRegistry;
  tasks: TaskDraft[];
  phases: PhaseDraft[];
  indicators: IndicatorDraft[];
  rules: Rules;
  warnings: Note[];
  unplaced: Note[];
}
