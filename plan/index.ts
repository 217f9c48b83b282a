// Plan import: an implementation plan (实施方案) → a campaign definition (YAML) an administrator reviews and starts.
//
//   decode      bytes → text (UTF-8, GB18030/GBK, Big5, UTF-16, Word .docx)
//   normalise   Traditional → Simplified, widths, punctuation, scraping noise (line numbers kept)
//   structure   heading levels, paragraphs, label lines
//   extract-*   source, phases, organisation, tasks, rules, indicators
//   to-definition  → YAML with comments; summary → the Chinese report
import { DefinitionError, parseDefinition, type DefinitionProblem } from '../domain/definition-yaml.js';
import { PLACEHOLDER_EMAIL_DOMAIN } from '../domain/definition.js';
import type { DirectorySnapshot } from '../domain/directory.js';
import { decodeInput, PlanInputError } from './decode.js';
import { matchDirectory, type DirectoryMatches } from './directory.js';
import { findIndicators } from './extract-indicators.js';
import { extractOrganisation, orderedLeaders } from './extract-organisation.js';
import { extractPhases } from './extract-phases.js';
import { fitRules } from './engine-rules.js';
import { extractRules } from './extract-rules.js';
import { detectYear, extractSource } from './extract-source.js';
import { extractTasks, unitLedRuns } from './extract-tasks.js';
import { LabelSet, RESPONSIBILITY_KINDS } from './labels.js';
import type { IndicatorDraft, PlanModel } from './model.js';
import { normaliseText } from './normalise.js';
import { paragraphs, parseStructure, sectionLabels } from './structure.js';
import { summarise } from './summary.js';
import { excerpt, type Note } from './text.js';
import { buildDefinition, TO_FILL } from './to-definition.js';
import { declaredShortNames, UNASSIGNED_UNIT_NAME, UnitRegistry } from './units.js';

export { checkFileSize, PlanInputError } from './decode.js';
export type { PlanModel } from './model.js';
export type { DirectoryMatches } from './directory.js';
export type { Note } from './text.js';

export interface PlanImport {
  /** The campaign definition, YAML with comments. */
  yaml: string;
  /** The definition's id. */
  id: string;
  /** The Chinese report for the administrator. */
  summary: string;
  warnings: Note[];
  /** What could not be placed in the definition, with line numbers. */
  unplaced: Note[];
  /** Problems of the definition other than the placeholder addresses (none when the importer did its job). */
  problems: DefinitionProblem[];
  placeholderEmails: number;
  model: PlanModel;
  /** What the 通讯录 answered for each unit and leader, when one was given. */
  directory?: DirectoryMatches;
}

export interface ImportOptions {
  /** Name of the file the YAML is written to (for the comments and the validation report). */
  outputName?: string;
  /**
   * The office's 通讯录: units and leaders found in it are filled in (name, kind, principal and contact
   * with their addresses; a leader's name, title and address); near names are proposed in the comments only.
   */
  directory?: DirectorySnapshot;
}

/** Reads a plan (text in any common Chinese encoding, or .docx) and writes a campaign definition. */
export async function importPlan(input: Buffer, fileName: string, options: ImportOptions = {}): Promise<PlanImport> {
  const decoded = await decodeInput(input, fileName);
  const model = readPlan(decoded.text, fileName, decoded.encoding, decoded.kind === 'text' ? '行' : '段');
  model.warnings.unshift(...decoded.notes);

  const matches = options.directory ? matchDirectory(model, options.directory, TO_FILL) : undefined;
  if (matches) noteFilledPosts(model, matches);
  const built = buildDefinition(model, options.outputName, matches);
  const problems = validate(built.yaml, options.outputName ?? `${built.id}.yaml`);
  return {
    yaml: built.yaml,
    id: built.id,
    summary: summarise(model, built, matches),
    warnings: model.warnings,
    unplaced: model.unplaced,
    problems,
    placeholderEmails: built.placeholderEmails,
    model,
    ...(matches ? { directory: matches } : {}),
  };
}

/** A post the plan names without a name, filled in from the 通讯录: its warning says so instead of 姓名待填写. */
function noteFilledPosts(model: PlanModel, matches: DirectoryMatches): void {
  for (const leader of model.leaders) {
    const hit = matches.leaders.get(leader)?.hit;
    if (leader.name || hit?.how !== 'post') continue;
    const warning = model.warnings.find((w) => w.line === leader.line && w.message.endsWith('姓名待填写') && w.message.includes(`「${leader.title}」`));
    if (warning) warning.message = warning.message.replace(/姓名待填写$/, `已按通讯录的${hit.planName}填写为「${hit.entry.name}」`);
  }
}

/** Reads decoded plan text into the model. */
export function readPlan(text: string, fileName: string, encoding = 'utf-8', lineUnit: '行' | '段' = '行'): PlanModel {
  const normalised = normaliseText(text);
  const doc = parseStructure(normalised.lines, normalised.lineNumbers);
  const warnings: Note[] = [...normalised.notes];
  const unplaced: Note[] = [];
  const consumed = new LabelSet();
  const units = new UnitRegistry();
  for (const { short, full } of declaredShortNames(normalised.lines.join('\n'))) units.alias(short, full);

  const hasStructure = doc.sections.length > 0 || [...paragraphs(doc)].some((p) => p.block?.label) || unitLedRuns(doc.root).length > 0;
  if (!hasStructure) {
    throw new PlanInputError(
      `${fileName}：没有找到实施方案的结构（没有“一、”“（一）”“1.”这样的标题层级，也没有“责任单位：”“组长：”这样的标注）`,
    );
  }

  const year = detectYear(normalised.lines.join('\n'), fileName);
  const phases = extractPhases(doc, year.year);
  const source = extractSource(doc, fileName, phases, year, warnings);
  const organisation = extractOrganisation(doc, source, units, consumed, warnings);
  const { tasks, taskSections } = extractTasks(doc, source.period, units, organisation.book, consumed, warnings, unplaced);
  const leaders = orderedLeaders(organisation.book, warnings);
  if (tasks.length === 0) {
    warnings.push({ message: '方案没有列出写明责任单位或责任人的任务，定义中的任务为空，请在审核时补充' });
  }
  const unassigned = tasks.filter((t) => t.lead.name === UNASSIGNED_UNIT_NAME);
  if (unassigned.length > 0) {
    warnings.push({
      message:
        `${unassigned.length} 项任务方案未写明责任单位，已导入并暂列「${UNASSIGNED_UNIT_NAME}」，请在审核时填写` +
        `（${unassigned.map((t) => `第${t.line}${lineUnit}`).join('、')}）`,
    });
  }
  if (units.size === 0) {
    warnings.push({ message: '方案没有列出任何责任单位，定义中暂以创建办作为唯一单位，请补充' });
  }
  if (leaders.length === 0) warnings.push({ message: '方案没有列出领导小组成员' });
  const rules = extractRules(doc, taskSections, unplaced);
  fitRules(rules);

  // Indicators outside tasks belong to the campaign; those inside are the task's.
  const indicators: IndicatorDraft[] = [];
  for (const p of paragraphs(doc)) {
    if (taskSections.has(p.section) || p.block?.label) continue;
    const seen = new Set(indicators.filter((i) => i.line === p.line).map((i) => i.text));
    for (const found of findIndicators(p.text, p.line)) {
      if (!seen.has(found.text)) indicators.push(found);
      seen.add(found.text);
    }
  }

  // Responsibility labels that no task or area took.
  for (const section of [doc.root, ...doc.sections]) {
    for (const label of sectionLabels(section)) {
      if (consumed.has(label) || !RESPONSIBILITY_KINDS.has(label.kind)) continue;
      unplaced.push({ line: label.line, message: `「${label.key}：${excerpt(label.value)}」没有归入任何任务或项目区` });
    }
  }
  for (const section of [doc.root, ...doc.sections]) {
    for (const block of section.blocks) {
      const l = block.label;
      if (!l || consumed.has(l) || RESPONSIBILITY_KINDS.has(l.kind)) continue;
      if (['role', 'officeDirector', 'officeDeputy', 'location', 'deadline', 'contact'].includes(l.kind)) {
        const what = l.kind === 'deadline' || l.kind === 'contact' ? '没有归入任何任务' : '未能读出姓名或归属';
        unplaced.push({ line: l.line, message: `「${l.key}：${excerpt(l.value)}」${what}` });
      }
    }
  }

  unplaced.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return {
    fileName,
    encoding,
    converted: normalised.converted,
    lineUnit,
    doc,
    source,
    leaders,
    leadershipNotes: organisation.leadershipNotes,
    office: organisation.office,
    areas: organisation.areas,
    units,
    tasks,
    phases,
    indicators,
    rules,
    warnings,
    unplaced,
  };
}

/** The problems of a generated definition that are not the intended placeholder addresses. */
function validate(yaml: string, file: string): DefinitionProblem[] {
  try {
    parseDefinition(yaml, file);
    return [];
  } catch (error) {
    if (error instanceof DefinitionError) return error.problems.filter((p) => !isPlaceholderProblem(p));
    throw error;
  }
}

/** A problem that only says an imported placeholder address is still to be filled in. */
export function isPlaceholderProblem(problem: DefinitionProblem): boolean {
  return /email$/.test(problem.field ?? '') && /占位/.test(problem.message);
}

export { PLACEHOLDER_EMAIL_DOMAIN };
