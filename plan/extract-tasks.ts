// Tasks: numbered items (专项整治行动, 重点举措, 工作组, 创建内容) that name who is responsible
// (责任单位 / 牵头单位, 配合单位, 责任人, 责任领导), with their description and time node.
import { findDateRanges, findDeadline, isoDate, yearsMentioned } from './dates.js';
import { findIndicators } from './extract-indicators.js';
import type { LeaderBook } from './extract-organisation.js';
import { isAreaSection } from './extract-organisation.js';
import { labelWord, RESPONSIBILITY_KINDS, withoutLabels, type Label, type LabelSet } from './labels.js';
import type { PlanPeriod, TaskDraft } from './model.js';
import { splitNames } from './names.js';
import { ancestry, descendants, inlineLabelsOf, sectionLabels, sectionRef, type PlanDocument, type Section } from './structure.js';
import { excerpt, prose, trimPunctuation, type Note } from './text.js';
import { splitUnits, type UnitEntry, type UnitMention, type UnitRegistry } from './units.js';

/** Sub-headings that say who is responsible for the heading above them. */
const LABEL_HEADING = /^(责任分工|职责分工|分工|责任单位|牵头单位|责任主体|实施主体|责任部门|牵头部门|完成时限|时间节点|时限要求)$/;

/** Headings under which numbered items are meant as tasks. */
const TASKISH = /任务|行动|举措|整治|工作组|创建内容|实事|重点工作|工程|项目|攻坚|专项/;

export interface TaskExtraction {
  tasks: TaskDraft[];
  /** Headings read as tasks, with everything below them. */
  taskSections: Set<Section>;
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
  for (const s of doc.sections) labelsOf.set(s, areaSections.has(s) ? [] : sectionLabels(s));
  moveTrailingLabels(doc, labelsOf, warnings);

  const responsible = (s: Section) => (labelsOf.get(s) ?? []).some((l) => RESPONSIBILITY_KINDS.has(l.kind));
  const candidates = doc.sections.filter((s) => !areaSections.has(s) && responsible(s));
  const candidateSet = new Set(candidates);

  const tasks: TaskDraft[] = [];
  const taskSections = new Set<Section>();
  for (const section of candidates) {
    // A heading whose items carry their own units is a group: its labels are the items' defaults.
    if ([...descendants(section)].some((d) => candidateSet.has(d))) continue;
    const task = readTask(section, labelsOf, period, units, book, consumed, warnings, unplaced);
    if (!task) continue;
    tasks.push(task);
    taskSections.add(section);
    for (const d of descendants(section)) taskSections.add(d);
  }
  for (const section of candidates) {
    if (taskSections.has(section)) continue;
    for (const label of labelsOf.get(section) ?? []) consumed.add(label);
  }
  reportItemsWithoutUnits(doc, areaSections, taskSections, candidateSet, unplaced);
  return { tasks, taskSections };
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
      const mentions = splitUnits(label.value).map((m) => ({ ...m, line: label.line }));
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
  if (!leadMention) {
    unplaced.push({
      line: section.line,
      message: `「${excerpt(ref)}」只写了配合单位，没有责任单位，未导入为任务`,
    });
    return undefined;
  }

  const lead = units.add(leadMention.name, leadMention.line, leadMention.person);
  const cooperating: UnitEntry[] = [];
  const addCooperating = (m: { name: string; person: boolean; line: number }) => {
    const unit = units.add(m.name, m.line, m.person);
    if (unit !== lead && !cooperating.includes(unit)) cooperating.push(unit);
  };
  const otherLeads = leadMentions.filter((m) => m !== leadMention && m.mark !== 'cooperating');
  if (otherLeads.length > 0) {
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
