// Tasks: numbered items (专项整治行动, 重点举措, 工作组, 创建内容) that name who is responsible
// (责任单位 / 牵头单位, 配合单位, 责任人, 责任领导), with their description and time node.
import { findDateRanges, findDeadline, isoDate, yearsMentioned } from './dates.js';
import { findIndicators } from './extract-indicators.js';
import type { LeaderBook } from './extract-organisation.js';
import { isAreaSection } from './extract-organisation.js';
import { ALL_ABOVE_KEY, labelWord, RESPONSIBILITY_KINDS, SUBJECT_KEY, withoutLabels, type Label, type LabelSet } from './labels.js';
import type { PlanPeriod, TaskDraft } from './model.js';
import { splitNames } from './names.js';
import { ancestry, descendants, inlineLabelsOf, sectionLabels, sectionRef, type PlanDocument, type Section } from './structure.js';
import { excerpt, prose, trimPunctuation, type Note } from './text.js';
import { splitUnits, UNASSIGNED_UNIT_NAME, type UnitEntry, type UnitMention, type UnitRegistry } from './units.js';

/** Sub-headings that say who is responsible for the heading above them. */
const LABEL_HEADING = /^(责任分工|职责分工|分工|责任单位|牵头单位|责任主体|实施主体|责任部门|牵头部门|完成时限|时间节点|时限要求)$/;

/** Headings under which numbered items are meant as tasks. */
const TASKISH = /任务|行动|举措|整治|工作组|创建内容|实事|重点工作|工程|项目|攻坚|专项/;

/** Work with no end but the campaign's. */
const ONGOING = /长期坚持|长期开展|长期推进|持续推进|持续开展|持续抓好|常态化|长效|长期|持续|全年/;
const ONGOING_IN_TEXT = /长期坚持|长期开展|常态化开展|常态化推进|常态长效/;

/** Headings whose items are the plan's actions, whether or not they name a unit. */
const ACTION_REGION = /任务|行动|举措|整治|整改|治理|创建内容|实事|重点|工程|项目|攻坚|专项|内容|主要工作|具体工作|工作安排|提升|建设/;
/** Headings whose items are not actions (principles, goals, organisation, steps, safeguards). */
const NOT_ACTIONS =
  /指导思想|基本原则|总体要求|总体思路|工作思路|工作目标|总体目标|具体目标|目标要求|^目标|组织|领导|保障|工作要求|有关要求|^要求|步骤|阶段|时间安排|实施时间|时间节点|范围|标准|职责|分工|考核|督查|督导|奖惩|背景|意义|原则|机构|办公室|工作组$|附则|说明/;
/** Headings of tasks with their units: 任务分工, 主要任务和责任分工, 工作任务分解, 重点任务及责任单位. */
const TASKS_WITH_UNITS = /任务.{0,4}(?:分工|分解)|(?:任务|措施|行动).{0,3}(?:责任单位|责任部门|牵头单位)/;
/** A top-level heading that is itself an action. */
const ACTION_TITLE = /行动|整治|工程|攻坚|专项/;
/** "环境卫生整治：加大对…": a short head of an action written as a run-in paragraph. */
const RUN_IN_HEAD = /^([^，。；：、（）“”]{2,14})：(.{6,})$/;

export interface TaskExtraction {
  tasks: TaskDraft[];
  /** Headings read as tasks that name their units, with everything below them. */
  taskSections: Set<Section>;
  /** Headings read as tasks whose unit the plan does not name (their rules and indicators stay the plan's). */
  unassignedSections: Set<Section>;
}

export function extractTasks(
  doc: PlanDocument,
  period: PlanPeriod,
  units: UnitRegistry,
  book: LeaderBook,
  consumed: LabelSet,
  warnings: Note[],
  unplaced: Note[],
): TaskExtraction {
  const areaSections = new Set(doc.sections.filter(isAreaSection));
  const labelsOf = new Map<Section, Label[]>();
  for (const s of doc.sections) {
    const labels = areaSections.has(s) ? [] : sectionLabels(s);
    // A unit as the subject of a sentence ("区城管局负责…") names who does an action only among actions: under
    // principles, organisation or safeguards it says who does what in general.
    const subjects = labels.filter((l) => l.key === SUBJECT_KEY);
    if (subjects.length > 0 && (!subjectMayLead(s) || labels.some((l) => l.key !== SUBJECT_KEY && RESPONSIBILITY_KINDS.has(l.kind)))) {
      for (const l of subjects) consumed.add(l);
      labelsOf.set(s, labels.filter((l) => l.key !== SUBJECT_KEY));
    } else labelsOf.set(s, labels);
  }
  moveTrailingLabels(doc, labelsOf, warnings);

  const responsible = (s: Section) => (labelsOf.get(s) ?? []).some((l) => RESPONSIBILITY_KINDS.has(l.kind));
  const candidates = doc.sections.filter((s) => !areaSections.has(s) && responsible(s));
  const candidateSet = new Set(candidates);

  const tasks: TaskDraft[] = [];
  const taskSections = new Set<Section>();
  let unassigned: UnitEntry | undefined;
  const placeholder = (line: number) => (unassigned ??= units.add(UNASSIGNED_UNIT_NAME, line));
  for (const section of candidates) {
    // A heading whose items carry their own units is a group: its labels are the items' defaults.
    if ([...descendants(section)].some((d) => candidateSet.has(d))) continue;
    const task = readTask(section, labelsOf, period, units, book, consumed, warnings, unplaced, placeholder);
    if (!task) continue;
    tasks.push(task);
    taskSections.add(section);
    for (const d of descendants(section)) taskSections.add(d);
  }
  for (const section of candidates) {
    if (taskSections.has(section)) continue;
    for (const label of labelsOf.get(section) ?? []) consumed.add(label);
  }

  // Every action is a task: the items of the plan's action headings that name no unit are kept, with a lead
  // unit to be filled in on review.
  const unassignedSections = new Set<Section>();
  const taken = (x: Section) => taskSections.has(x) || unassignedSections.has(x);
  // An item whose parts are only its steps (摸底排查, 集中整治, 巩固提升) is one action.
  const stepped = new Set(doc.sections.filter((x) => x.children.length >= 2 && x.children.every(isStep)));
  for (const section of doc.sections) {
    if (taken(section) || areaSections.has(section) || candidateSet.has(section)) continue;
    if ((section.children.length > 0 && !stepped.has(section)) || [...ancestry(section)].some((a) => taken(a) || areaSections.has(a))) continue;
    const heads = runInHeads(section);
    if (heads.length >= 2 && (inActionRegion(section, candidateSet) || regionTitle(section.title) === true)) {
      heads.forEach((head, k) => {
        const lead = placeholder(head.line);
        tasks.push(unassignedTask(section, head.title, head.body, head.line, [...section.path, k + 1], lead, period));
      });
      unassignedSections.add(section);
      continue;
    }
    if (!isAction(section, candidateSet)) continue;
    const task = readTask(section, labelsOf, period, units, book, consumed, warnings, unplaced, placeholder);
    if (!task) continue;
    tasks.push(task);
    unassignedSections.add(section);
  }
  // Paragraphs without numbers, each led by its unit: "区住建局负责…。" / "区环保局要…。" after "…任务作如下明确：".
  for (const section of [doc.root, ...doc.sections]) {
    if (taken(section) || areaSections.has(section) || candidateSet.has(section) || [...ancestry(section)].some((a) => taken(a))) continue;
    for (const run of unitLedRuns(section)) {
      run.forEach(({ block, subjects }, k) => {
        const lead = units.add(splitUnits(subjects[0].value)[0]?.name ?? subjects[0].value, block.line);
        for (const l of subjects) consumed.add(l);
        tasks.push(paragraphTask(section, block, lead, [...section.path, k + 1], subjects.slice(1), units, period));
      });
      unassignedSections.add(section);
    }
  }
  tasks.sort((a, b) => a.line - b.line || compareSections(a.path, b.path));
  reportItemsWithoutUnits(doc, areaSections, new Set([...taskSections, ...unassignedSections]), candidateSet, unplaced);
  return { tasks, taskSections, unassignedSections };
}

type UnitLed = { block: Section['blocks'][number]; subjects: Label[] };

/**
 * Runs of three or more paragraphs that each begin with the unit that does them ("区城管局负责…"), where the
 * heading above them, or the paragraph that leads into them ("…任务作如下明确："), speaks of tasks.
 */
export function unitLedRuns(section: Section): UnitLed[][] {
  const runs: UnitLed[][] = [];
  let run: UnitLed[] = [];
  let intro: string | undefined;
  const inActions = () => {
    if (intro !== undefined && /[：:]$/.test(intro)) {
      const verdict = regionTitle(intro.replace(/^.*[。；]/, ''));
      if (verdict !== undefined) return verdict;
    }
    return section.marker ? subjectMayLead(section) : false;
  };
  const close = () => {
    if (run.length >= 3 && inActions()) runs.push(run);
    run = [];
  };
  for (const block of section.blocks) {
    const subjects = block.label ? [] : inlineLabelsOf(block).filter((l) => l.key === SUBJECT_KEY);
    if (subjects.length > 0 && subjects[0].start === 0) {
      run.push({ block, subjects });
      continue;
    }
    close();
    if (!block.label) intro = block.text;
  }
  close();
  return runs;
}

/** A task from a paragraph that its unit leads: its first clause is the title. */
function paragraphTask(
  section: Section,
  block: Section['blocks'][number],
  lead: UnitEntry,
  path: number[],
  others: Label[],
  units: UnitRegistry,
  period: PlanPeriod,
): TaskDraft {
  const text = prose(block.text);
  const first = text.split(/[，。；]/)[0];
  const years = sectionYear(section, period);
  const due = findDeadline(text, Number(years.start.slice(0, 4)), false);
  const cooperating = others.flatMap((l) => splitUnits(l.value)).map((m) => units.add(m.name, block.line, m.person)).filter((u) => u !== lead);
  return {
    path,
    ref: `${sectionRef(section)}第${block.line}行`,
    title: trimPunctuation(first),
    description: /[。！？；]$/.test(text) ? text : `${text}。`,
    line: block.line,
    lead,
    cooperating: [...new Set(cooperating)],
    persons: [],
    start: due && due.date < years.start ? due.date : years.start,
    deadline: due?.date ?? years.end,
    startNote: years.note,
    deadlineNote: due ? `取自正文「${due.text}」` : years.note,
    indicators: [...new Set(findIndicators(text, block.line).map((i) => i.text))],
    notes: [`责任单位取自段首「${lead.name}」`],
    labelLines: [block.line],
  };
}

function compareSections(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const STEP = /^(?:第[一二三四五六七八九十]+步|动员部署|宣传发动|宣传动员|摸底排查|调查摸底|排查摸底|集中整治|全面整治|集中攻坚|巩固提升|巩固成果|总结验收|检查验收|总结提升|督查考核|自查自纠|整改落实|长效管理|启动部署|部署启动)/;

/** A part of an item that is one of its steps, not an action of its own. */
function isStep(section: Section): boolean {
  return section.children.length === 0 && (section.marker?.startsWith('stage:') || STEP.test(section.title) || /阶段$/.test(section.title));
}

/** true: the heading gathers actions; false: it gathers something else; undefined: it does not say. */
function regionTitle(title: string): boolean | undefined {
  // 任务分工 / 主要任务及责任分工 / 工作任务分解: the tasks with who does them.
  if (TASKS_WITH_UNITS.test(title)) return true;
  if (NOT_ACTIONS.test(title)) return false;
  if (ACTION_REGION.test(title)) return true;
  return undefined;
}

/** An item whose sentences may name its unit as their subject: the nearest heading that says so (the item's own
 * title or one above it) calls it an action. */
function subjectMayLead(section: Section): boolean {
  if (!section.marker || section.marker.startsWith('stage:')) return false;
  for (const a of ancestry(section)) {
    const verdict = regionTitle(a.title);
    if (verdict !== undefined) return verdict;
  }
  return false;
}

/** Under a heading of actions (the nearest heading that says decides), or beside items that are tasks. */
function inActionRegion(section: Section, candidates: Set<Section>): boolean {
  for (const a of [...ancestry(section)].slice(1)) {
    const verdict = regionTitle(a.title);
    if (verdict !== undefined) return verdict;
  }
  const siblings = section.parent?.children ?? [];
  return siblings.some((s) => s !== section && candidates.has(s));
}

/** An item of the plan that is an action: a leaf heading in a region of actions. */
function isAction(section: Section, candidates: Set<Section>): boolean {
  if (!section.marker || section.marker.startsWith('stage:') || LABEL_HEADING.test(section.title)) return false;
  if (!section.title || /^[\d\s.、]+$/.test(section.title)) return false;
  if (!section.parent?.marker) {
    // A top-level heading is an action only when it says so (一、开展背街小巷整治行动) and has no parts.
    return ACTION_TITLE.test(section.title) && !NOT_ACTIONS.test(section.title) && !section.body.startsWith('：');
  }
  return inActionRegion(section, candidates);
}

/** Paragraphs of a section written as "短标题：正文". */
function runInHeads(section: Section): { title: string; body: string; line: number }[] {
  const out: { title: string; body: string; line: number }[] = [];
  for (const block of section.blocks) {
    if (block.label) continue;
    const m = RUN_IN_HEAD.exec(block.text);
    if (!m || labelWord(m[1])) continue;
    out.push({ title: m[1], body: m[2], line: block.line });
  }
  return out;
}

/** A task from a run-in paragraph of an action heading, with the lead to be filled in. */
function unassignedTask(
  section: Section,
  title: string,
  body: string,
  line: number,
  path: number[],
  lead: UnitEntry,
  period: PlanPeriod,
): TaskDraft {
  const years = sectionYear(section, period);
  const due = findDeadline(prose(body), Number(years.start.slice(0, 4)), false);
  const description = prose(body);
  return {
    path,
    ref: `${sectionRef(section)}${section.title}「${title}」`,
    title: trimPunctuation(title),
    description: /[。！？；：]$/.test(description) ? description : `${description}。`,
    line,
    lead,
    cooperating: [],
    persons: [],
    start: due && due.date < years.start ? due.date : years.start,
    deadline: due?.date ?? years.end,
    startNote: years.note,
    deadlineNote: due ? `取自正文「${due.text}」` : years.note,
    indicators: [...new Set(findIndicators(body, line).map((i) => i.text))],
    notes: ['方案未写明此项的责任单位：暂列「待明确责任单位」，请在审核时填写'],
    labelLines: [],
  };
}

/**
 * Labels written after a heading's last sub-item belong to the heading:
 *   （一）背街小巷整治 / 1.… / 2.… / 牵头单位：区城管局
 * Moved when the last item alone carries label lines and its siblings none.
 */
function moveTrailingLabels(doc: PlanDocument, labelsOf: Map<Section, Label[]>, warnings: Note[]): void {
  // A sub-heading that only says who (3.责任分工：由A牵头，B配合) speaks for its parent.
  for (const section of doc.sections) {
    const parent = section.parent;
    if (!parent?.marker || !LABEL_HEADING.test(section.title) || section.children.length > 0) continue;
    const own = labelsOf.get(section) ?? [];
    if (!own.some((l) => RESPONSIBILITY_KINDS.has(l.kind))) continue;
    labelsOf.set(parent, [...(labelsOf.get(parent) ?? []), ...own]);
    labelsOf.set(section, []);
  }
  // "以上工作由…牵头" closing a list: every item of the list has that unit (or person).
  for (const parent of [doc.root, ...doc.sections]) {
    const kids = parent.children;
    if (kids.length < 2) continue;
    const last = kids[kids.length - 1];
    const above = (labelsOf.get(last) ?? []).filter((l) => l.key === ALL_ABOVE_KEY);
    if (above.length === 0 || kids.slice(0, -1).some((k) => (labelsOf.get(k) ?? []).some((l) => RESPONSIBILITY_KINDS.has(l.kind)))) continue;
    for (const k of kids.slice(0, -1)) labelsOf.set(k, [...(labelsOf.get(k) ?? []), ...above]);
  }
  for (const parent of [doc.root, ...doc.sections]) {
    const kids = parent.children;
    if (kids.length < 2 || kids.some((k) => isAreaSection(k))) continue;
    if (parent.marker && (labelsOf.get(parent) ?? []).some((l) => RESPONSIBILITY_KINDS.has(l.kind))) continue;
    const last = kids[kids.length - 1];
    if (last.children.length > 0) continue;
    const isResp = (l: Label) => RESPONSIBILITY_KINDS.has(l.kind);
    if (kids.slice(0, -1).some((k) => (labelsOf.get(k) ?? []).some(isResp))) continue;
    const own = labelsOf.get(last) ?? [];
    const lineLabels = last.blocks.filter((b) => b.label).map((b) => b.label!);
    if (!lineLabels.some(isResp) || own.some((l) => isResp(l) && l.start !== undefined)) continue;
    if (!parent.marker) continue;
    labelsOf.set(last, own.filter((l) => !lineLabels.includes(l)));
    labelsOf.set(parent, [...(labelsOf.get(parent) ?? []), ...lineLabels]);
    last.blocks = last.blocks.filter((b) => !b.label);
    parent.blocks.push(...lineLabels.map((label) => ({ line: label.line, lines: [label.line], kind: 'label' as const, text: label.value, label })));
    warnings.push({
      line: lineLabels[0].line,
      message: `「${lineLabels.map((l) => l.key).join('、')}」写在「${sectionRef(parent)}${parent.title}」最后一个小项之后，按该项整体的责任处理`,
    });
  }
}

function readTask(
  section: Section,
  labelsOf: Map<Section, Label[]>,
  period: PlanPeriod,
  units: UnitRegistry,
  book: LeaderBook,
  consumed: LabelSet,
  warnings: Note[],
  unplaced: Note[],
  placeholder?: (line: number) => UnitEntry,
): TaskDraft | undefined {
  const labels = labelsOf.get(section) ?? [];
  const ref = `${sectionRef(section)}${section.title}`;
  const notes: string[] = [];
  const leadMentions: (UnitMention & { line: number })[] = [];
  const coopMentions: (UnitMention & { line: number })[] = [];
  const persons: TaskDraft['persons'] = [];
  const deadlineLabels: Label[] = [];
  const contactLabels: Label[] = [];

  for (const label of labels) {
    if (label.kind === 'lead' || label.kind === 'cooperating') {
      // 牵头单位：A、B beside 责任单位：C — A leads whichever label comes first.
      const keyLeads = label.kind === 'lead' && /牵头|主责/.test(label.key);
      const mentions = splitUnits(label.value).map((m, i) => ({
        ...m,
        mark: m.mark ?? (keyLeads && i === 0 ? ('lead' as const) : undefined),
        line: label.line,
      }));
      if (mentions.length > 0 && mentions.every((m) => m.person)) {
        warnings.push({
          line: label.line,
          message: `「${label.key}」后写的是人名（${mentions.map((m) => m.name).join('、')}），按责任人处理`,
        });
        for (const m of mentions) persons.push({ name: m.name, kind: 'person', line: label.line });
      } else {
        (label.kind === 'lead' ? leadMentions : coopMentions).push(...mentions);
      }
    } else if (label.kind === 'person' || label.kind === 'leader') {
      const { names, others } = splitNames(label.value);
      for (const n of names) persons.push({ name: n.name, kind: label.kind, line: label.line });
      if (others.length > 0) {
        // 责任人：各社区主任 — not names; maybe units.
        const asUnits = splitUnits(others.join('、')).filter((m) => !m.person);
        if (asUnits.length > 0 && names.length === 0) leadMentions.push(...asUnits.map((m) => ({ ...m, line: label.line })));
        else notes.push(`${label.key}：${others.join('、')}（不是姓名，未导入）`);
      }
    } else if (label.kind === 'deadline') {
      deadlineLabels.push(label);
    } else if (label.kind === 'contact') {
      contactLabels.push(label);
    }
  }

  // Defaults from an enclosing group heading (牵头单位 written once for several items).
  if (leadMentions.length === 0 && persons.length === 0) {
    for (const a of [...ancestry(section)].slice(1)) {
      const inherited = (labelsOf.get(a) ?? []).filter((l) => l.kind === 'lead');
      if (inherited.length > 0) {
        for (const l of inherited) leadMentions.push(...splitUnits(l.value).map((m) => ({ ...m, line: l.line })));
        notes.push(`责任单位沿用上级标题「${sectionRef(a)}${a.title}」的写法（第${inherited[0].line}行）`);
        break;
      }
    }
  }

  // Who leads: one marked 牵头, else the first unit named as responsible, else the first person.
  const all = [...leadMentions, ...coopMentions];
  let leadMention = all.find((m) => m.mark === 'lead') ?? leadMentions.find((m) => m.mark !== 'cooperating');
  let personLed = false;
  if (!leadMention && persons.length > 0) {
    const first = persons[0];
    leadMention = { name: first.name, person: true, line: first.line };
    personLed = true;
  }
  let lead: UnitEntry;
  if (leadMention) {
    lead = units.add(leadMention.name, leadMention.line, leadMention.person);
  } else if (placeholder) {
    lead = placeholder(section.line);
    notes.push(
      coopMentions.length > 0
        ? '方案只写了配合单位，没有写牵头（责任）单位：暂列「待明确责任单位」，请在审核时填写'
        : '方案未写明此项的责任单位：暂列「待明确责任单位」，请在审核时填写',
    );
  } else {
    unplaced.push({
      line: section.line,
      message: `「${excerpt(ref)}」只写了配合单位，没有责任单位，未导入为任务`,
    });
    return undefined;
  }
  const cooperating: UnitEntry[] = [];
  const addCooperating = (m: { name: string; person: boolean; line: number }) => {
    const unit = units.add(m.name, m.line, m.person);
    if (unit !== lead && !cooperating.includes(unit)) cooperating.push(unit);
  };
  const otherLeads = leadMentions.filter((m) => m !== leadMention && m.mark !== 'cooperating');
  if (leadMention && otherLeads.length > 0) {
    const names = [leadMention, ...otherLeads].map((m) => m.name).join('、');
    notes.push(
      leadMention.mark === 'lead'
        ? `责任单位写了 ${otherLeads.length + 1} 个（${names}），「${leadMention.name}」标明牵头，其余作为配合单位`
        : `责任单位写了 ${otherLeads.length + 1} 个（${names}），首个作为责任单位，其余作为配合单位`,
    );
  }
  for (const m of [...otherLeads, ...all.filter((m) => m !== leadMention && !otherLeads.includes(m))]) addCooperating(m);

  if (personLed) {
    for (const p of persons.slice(1)) addCooperating({ name: p.name, person: true, line: p.line });
    notes.push(
      `方案只写了${persons.some((p) => p.kind === 'leader') ? '责任领导' : '责任人'}（${persons.map((p) => p.name).join('、')}），` +
        `按个人建为责任单位${persons.length > 1 ? '：首位负责，其余配合' : ''}`,
    );
  } else {
    for (const p of persons) {
      if (p.kind !== 'leader') continue;
      const existing = book.find(p.name);
      if (existing) existing.alsoRoles.push(`「${trimPunctuation(section.title)}」责任领导`);
      else book.add({ name: p.name, role: 'responsibleLeader', line: p.line });
      lead.responsibleLeaderName ??= p.name;
    }
  }

  // 联系人：张三（电话…） is the lead unit's contact.
  const contact = contactLabels.map((l) => splitNames(l.value.replace(/[，,；\s]*(电话|手机|联系电话)?[：:]?[\d\-—\s]{7,}.*$/, '')).names[0]).find(Boolean);
  if (contact && !lead.person) lead.contactName ??= contact.name;
  for (const label of labels) consumed.add(label);
  for (const d of descendants(section)) for (const l of sectionLabels(d)) consumed.add(l);

  const description = describe(section, labels);
  const years = sectionYear(section, period);
  let start = years.start;
  let deadline = years.end;
  let startNote: string | undefined;
  let deadlineNote: string | undefined = years.note;
  const dueLabel = deadlineLabels[0];
  // 完成时限：2021年4月—6月 gives both ends.
  const range = dueLabel ? findDateRanges(prose(dueLabel.value), Number(years.start.slice(0, 4)))[0] : undefined;
  if (range) {
    start = range.start;
    startNote = `取自第${dueLabel.line}行「${dueLabel.key}：${prose(dueLabel.value)}」`;
  }
  const due = range
    ? { date: range.end, text: range.text }
    : dueLabel
    ? /长期|持续|常态|全年/.test(dueLabel.value) && !/\d{1,2} ?月/.test(dueLabel.value)
      ? { date: period.end, text: dueLabel.value }
      : findDeadline(prose(dueLabel.value), Number(years.start.slice(0, 4)), true)
    : findDeadline(description, Number(years.start.slice(0, 4)), false);
  if (due) {
    deadline = due.date;
    deadlineNote = dueLabel ? `取自第${dueLabel.line}行「${dueLabel.key}：${prose(dueLabel.value)}」` : `取自正文「${due.text}」`;
    if (deadline < start) {
      start = deadline < period.start ? deadline : period.start;
      startNote = `截止日期早于默认开始日期，开始日期改为 ${start}`;
    }
  } else if (dueLabel) {
    notes.push(`第${dueLabel.line}行「${dueLabel.key}：${prose(dueLabel.value)}」读不出日期，截止日期取默认值`);
  }
  // 长期坚持 / 持续推进 / 常态化: no end date but the campaign's.
  const ongoing = dueLabel
    ? !range && due?.date === period.end
      ? ONGOING.exec(dueLabel.value)
      : null
    : due
      ? null
      : ONGOING_IN_TEXT.exec(description);
  if (ongoing) {
    deadline = period.end;
    deadlineNote = `方案写「${ongoing[0]}」，没有截止日期：取方案期末（${period.label}）${dueLabel ? `；见第${dueLabel.line}行` : ''}`;
  }
  startNote ??= years.note;

  const indicators = [section, ...descendants(section)]
    .flatMap((s) => [s.title + '。' + s.body, ...s.blocks.filter((b) => !b.label).map((b) => b.text)])
    .flatMap((t) => findIndicators(t, section.line))
    .map((i) => i.text);

  return {
    path: section.path,
    ref,
    title: trimPunctuation(section.title),
    description,
    line: section.line,
    lead,
    cooperating,
    persons: personLed ? [] : persons,
    start,
    deadline,
    startNote,
    deadlineNote,
    indicators: [...new Set(indicators)],
    notes,
    labelLines: [...new Set(labels.filter((l) => RESPONSIBILITY_KINDS.has(l.kind)).map((l) => l.line))],
  };
}

/** The task's text without its labels (the duties and goals written under labels are kept). */
function describe(section: Section, labels: Label[]): string {
  const keep = (l: Label) => l.kind === 'duties' || l.kind === 'goal';
  const parts: string[] = [];
  if (section.body) parts.push(withoutLabels(section.body, section.bodyLabels, keep));
  for (const block of section.blocks) {
    if (block.label) {
      if (keep(block.label) && labels.includes(block.label)) parts.push(block.label.value);
      continue;
    }
    parts.push(withoutLabels(block.text, inlineLabelsOf(block), keep));
  }
  for (const child of descendants(section)) {
    if (LABEL_HEADING.test(child.title)) continue; // read as the task's responsibility
    const body = child.body ? withoutLabels(child.body, child.bodyLabels, keep) : '';
    const text = body ? `${child.title}${labelWord(child.title) ? '：' : '。'}${body}` : child.title;
    parts.push(`${child.markerText}${text}`);
    for (const block of child.blocks) if (!block.label) parts.push(withoutLabels(block.text, inlineLabelsOf(block), keep));
  }
  return parts
    .map((p) => prose(p))
    .filter(Boolean)
    .map((p) => (/[。！？；：]$/.test(p) ? p : `${p}。`))
    .join('');
}

/** A year the task's heading (or its parent's opening line) gives: 五、2021年北海开展8大项专项整治提升行动. */
function sectionYear(section: Section, period: PlanPeriod): { start: string; end: string; note: string } {
  for (const s of ancestry(section)) {
    // The task's own title; an enclosing heading's title and opening line (2016年集中力量突出抓好六件实事).
    const texts = s === section ? [s.title] : [s.title, s.body, s.blocks.find((b) => !b.label)?.text ?? ''];
    for (const text of texts) {
      const years = [...new Set(yearsMentioned(prose(text)))];
      if (years.length !== 1) continue;
      const y = years[0];
      const start = isoDate(y, 1, 1) < period.start && y === Number(period.start.slice(0, 4)) ? period.start : isoDate(y, 1, 1);
      const end = isoDate(y, 12, 31) > period.end && y === Number(period.end.slice(0, 4)) ? period.end : isoDate(y, 12, 31);
      return { start, end, note: `方案未写时限，按「${sectionRef(s)}${excerpt(s.title, 20)}」取 ${y} 年` };
    }
  }
  return { start: period.start, end: period.end, note: `方案未写时限，取方案期间（${period.label}）` };
}

/** Items under task headings that name nobody responsible: listed, never dropped silently. */
function reportItemsWithoutUnits(
  doc: PlanDocument,
  areaSections: Set<Section>,
  taskSections: Set<Section>,
  candidates: Set<Section>,
  unplaced: Note[],
): void {
  const reported = new Set<Section>();
  for (const section of doc.sections) {
    if (reported.has(section) || !TASKISH.test(section.title) || taskSections.has(section) || areaSections.has(section)) continue;
    const below = [...descendants(section)];
    for (const d of below) reported.add(d);
    const leaves = below.filter(
      (d) => d.children.length === 0 && !taskSections.has(d) && !areaSections.has(d) && !candidates.has(d),
    );
    if (leaves.length === 0) continue;
    const hasTasks = below.some((d) => taskSections.has(d));
    if (hasTasks && leaves.length <= 3) {
      for (const leaf of leaves) {
        unplaced.push({ line: leaf.line, message: `「${sectionRef(leaf)}${excerpt(leaf.title, 24)}」没有写责任单位，未导入为任务` });
      }
    } else {
      unplaced.push({
        line: section.line,
        message:
          `「${sectionRef(section)}${excerpt(section.title, 24)}」下 ${leaves.length} 条事项没有写责任单位，未导入为任务` +
          `（第${leaves.map((l) => l.line).join('、')}行）`,
      });
    }
  }
}
