// The structure of a plan: its heading levels (一、 （一） 1. （1） ① 第一阶段), the paragraphs under each
// heading, and the label lines (责任单位：, 组　长：) with the name lines that continue them.
import { firstLabelAt, inlineLabels, leadingResponsibility, parseLabelLine, type Label } from './labels.js';
import { splitNames } from './names.js';
import { parseNumeral, prose, trimPunctuation } from './text.js';

export type MarkerType = 'cnComma' | 'cnParen' | 'num' | 'numBracket' | 'numParen' | 'circled' | 'bullet' | `stage:${string}`;

export interface Block {
  /** First line (1-based). */
  line: number;
  /** Every line the block was read from (continuations, joined broken lines). */
  lines: number[];
  kind: 'paragraph' | 'label';
  text: string;
  label?: Label;
}

export interface Section {
  id: number;
  /** Undefined for the root (the text before the first heading). */
  marker?: MarkerType;
  ordinal: number;
  /** Ordinals from the top level down to this heading, e.g. [5, 1] for 五、…1. */
  path: number[];
  line: number;
  /** The marker as written, e.g. （一） or 1. */
  markerText: string;
  /** The heading's first sentence, e.g. 开展回迁楼小区环境治理行动. */
  title: string;
  /** The rest of the heading's paragraph. */
  body: string;
  /** Labels inside the heading's paragraph. */
  bodyLabels: Label[];
  blocks: Block[];
  children: Section[];
  parent?: Section;
}

export interface PlanDocument {
  lines: string[];
  root: Section;
  /** All headings in document order (without the root). */
  sections: Section[];
}

interface Marker {
  type: MarkerType;
  ordinal: number;
  text: string;
  rest: string;
}

const CN = '[一二三四五六七八九十百零〇两]+';
const MARKERS: { type: (m: RegExpExecArray) => MarkerType; re: RegExp }[] = [
  { type: () => 'cnComma', re: new RegExp(`^(${CN}) ?(?:、|\\.(?!\\d))`) },
  { type: () => 'cnParen', re: new RegExp(`^（ ?(${CN}) ?）`) },
  { type: () => 'numParen', re: /^（ ?(\d{1,2}) ?）/ },
  { type: () => 'num', re: /^(\d{1,2}) ?(?:、|\.(?!\d))/ },
  { type: () => 'numBracket', re: /^(\d{1,2}) ?）/ },
  { type: () => 'circled', re: /^([①-⑳])/ },
  { type: (m) => `stage:${m[2]}`, re: new RegExp(`^第 ?(${CN}|\\d{1,2}) ?(阶段|部分|章|节|步|条)`) },
];

/** The official order of heading levels (GB/T 9704): 第一部分 > 一、 > （一） > 1. > （1） > ①. */
const RANK: Partial<Record<MarkerType, number>> = {
  'stage:部分': 0,
  'stage:章': 0,
  cnComma: 1,
  cnParen: 2,
  num: 3,
  numParen: 4,
  numBracket: 4,
  circled: 5,
  bullet: 6,
};

export function parseMarker(line: string): Marker | undefined {
  for (const { type, re } of MARKERS) {
    const m = re.exec(line);
    if (!m) continue;
    const ordinal = /[①-⑳]/.test(m[1]) ? m[1].charCodeAt(0) - 0x2460 + 1 : parseNumeral(m[1]);
    if (ordinal === undefined) continue;
    const rest = line.slice(m[0].length).replace(/^[\s：:，、.]+/, '');
    if (!rest) continue;
    return { type: type(m), ordinal, text: m[0].trim(), rest };
  }
  return undefined;
}

/** Splits a heading's paragraph into its title (first sentence) and the rest. */
export function splitHeading(rest: string): { title: string; body: string } {
  const text = rest.trim();
  // "开展窗口单位服务提升（市政务服务中心牵头，市直各单位配合）": a bracket closing a one-line item is its body.
  const bracket = /^([^。（）]{4,60})(（[^（）]*(?:（[^（）]*）[^（）]*)*）)[。；]?$/.exec(text);
  if (bracket && /[、，；：]|牵头|负责|配合/.test(bracket[2])) return { title: bracket[1], body: bracket[2] };
  const stop = text.indexOf('。');
  // "开展“牛皮癣”清理，责任单位：区城管局": a label in the heading's first sentence ends its title.
  const label = firstLabelAt(text);
  if (label > 2 && (stop < 0 || label < stop) && /[，、；\s]$/.test(text.slice(0, label))) {
    return { title: text.slice(0, label).replace(/[，、；\s]+$/, ''), body: text.slice(label) };
  }
  // "责任分工：县住建局牵头…" / "工作目标：…": a short heading word before a colon.
  const early = text.indexOf('：');
  if (early > 0 && early <= 12 && (stop < 0 || early < stop) && early < text.length - 1) {
    return { title: text.slice(0, early), body: text.slice(early + 1).trim() };
  }
  if (stop >= 0 && stop <= 80) return shorten(text.slice(0, stop), text.slice(stop + 1).trim(), 6);
  const colon = text.indexOf('：');
  if (colon > 0 && colon <= 25 && colon < text.length - 1) {
    return { title: text.slice(0, colon), body: text.slice(colon + 1).trim() };
  }
  if (stop > 80) return shorten(text.slice(0, stop), text.slice(stop + 1).trim());
  return shorten(text.replace(/[。；]$/, ''), '');
}

/** A title that runs on for a whole sentence ends at its first comma; the rest goes to the body. */
function shorten(title: string, body: string, minHead = 4): { title: string; body: string } {
  const comma = title.indexOf('，');
  if (title.length <= 20 || comma < minHead) return { title, body };
  return { title: title.slice(0, comma), body: `${title.slice(comma + 1)}。${body}`.replace(/。。$/, '。') };
}

/** Kinds of label whose value may go on over the next lines as bare names. */
const NAME_LISTS = new Set(['role', 'person', 'leader', 'officeDirector', 'officeDeputy']);
const ENDS_SENTENCE = /[。！？；：”’）…]$/;
/** Lines that end without punctuation and are still whole: titles, document numbers, signatures. */
const STANDS_ALONE = /(》|号|通知|方案|意见|办法|计划|要点|规划|日|委员会|领导小组|办公室|政府)$/;

export function parseStructure(lines: string[], lineNumbers?: number[]): PlanDocument {
  let nextId = 0;
  const root: Section = {
    id: nextId++,
    ordinal: 0,
    path: [],
    line: 1,
    markerText: '',
    title: '',
    body: '',
    bodyLabels: [],
    blocks: [],
    children: [],
  };
  const sections: Section[] = [];
  const stack: Section[] = [root];
  let previous: Block | Section | undefined;

  lines.forEach((input, index) => {
    const line = lineNumbers?.[index] ?? index + 1;
    if (!input.trim()) return;
    const current = stack[stack.length - 1];

    // A bullet (●、◆、★, read as ●) starts an item, unless what follows it is a label line.
    let text = input;
    let marker = parseMarker(text);
    if (text.startsWith('●')) {
      text = text.slice(1).trim();
      const rest = text;
      if (!parseLabelLine(rest) && !(inlineLabels(rest, line)[0]?.start === 0)) {
        const open = stack.find((s) => s.marker === 'bullet');
        const siblings = (open?.parent ?? current).children.filter((c) => c.marker === 'bullet');
        marker = { type: 'bullet', ordinal: siblings.length + 1, text: '●', rest };
      } else marker = parseMarker(text);
    }
    if (marker) {
      const at = stack.findIndex((s) => s.marker === marker.type);
      if (at > 0) stack.length = at;
      else {
        // A level not open yet: close the deeper levels the official order puts below it
        // (一、 > （一） > 1. > （1） > ①), so that （二） after "5、…" is not read as its child.
        const rank = RANK[marker.type];
        while (stack.length > 1 && rank !== undefined && (RANK[stack[stack.length - 1].marker!] ?? -1) >= rank) stack.pop();
      }
      const parent = stack[stack.length - 1];
      // "2、区总工会牵头，团区委共同组织，广泛宣传…": who does it first, then the item.
      const opening = leadingResponsibility(marker.rest, line);
      const { title, body } = splitHeading(opening?.rest ?? marker.rest);
      const section: Section = {
        id: nextId++,
        marker: marker.type,
        ordinal: marker.ordinal,
        path: [...parent.path, marker.ordinal],
        line,
        markerText: marker.text,
        title: trimPunctuation(prose(title)),
        body,
        bodyLabels: [...(opening?.labels ?? []), ...inlineLabels(body, line)],
        blocks: [],
        children: [],
        parent,
      };
      parent.children.push(section);
      sections.push(section);
      stack.push(section);
      previous = section;
      return;
    }

    // Several labels on one line ("牵头单位：A；配合单位：B", "组长：张三 副组长：李四"): one label block each.
    const several = inlineLabels(text, line);
    if (several.length >= 2 && several[0].start === 0) {
      for (const l of several) {
        const block: Block = { line, lines: [line], kind: 'label', text: `${l.key}：${l.value}`, label: { ...l, start: undefined, end: undefined } };
        current.blocks.push(block);
        previous = block;
      }
      return;
    }

    const label = parseLabelLine(text);
    if (label) {
      const block: Block = {
        line,
        lines: [line],
        kind: 'label',
        text,
        label: { key: label.key, kind: label.word.kind, role: label.word.role, value: label.value, line },
      };
      current.blocks.push(block);
      previous = block;
      return;
    }

    // Names going on from a role line: "副 组 长：刘咏雪 邓佑长 …" / "贺爱兵 宁文锋 胡汉权".
    if (previous && 'kind' in previous && previous.label && NAME_LISTS.has(previous.label.kind)) {
      const names = splitNames(text);
      if (names.ok && names.names.length > 0 && !/[。；]/.test(text)) {
        previous.label.value = `${previous.label.value} ${text}`.trim();
        previous.lines.push(line);
        previous.text += `\n${text}`;
        return;
      }
    }

    // A paragraph broken in the middle of a sentence (a scraped page cut a line): join it to the one before.
    if (previous && 'kind' in previous && previous.kind === 'paragraph' && previous.text.length >= 40) {
      if (!ENDS_SENTENCE.test(previous.text) && !STANDS_ALONE.test(previous.text) && (text.length >= 40 || ENDS_SENTENCE.test(text))) {
        previous.text += text;
        previous.lines.push(line);
        return;
      }
    }

    const block: Block = { line, lines: [line], kind: 'paragraph', text };
    current.blocks.push(block);
    previous = block;
  });

  return { lines, root, sections };
}

/** A section and everything below it, in document order. */
export function* descendants(section: Section): Generator<Section> {
  for (const child of section.children) {
    yield child;
    yield* descendants(child);
  }
}

/** The section and its ancestors, nearest first (root excluded). */
export function* ancestry(section: Section): Generator<Section> {
  for (let s: Section | undefined = section; s && s.marker; s = s.parent) yield s;
}

/** How a heading is written in a message: 五、1.（开展回迁楼…） */
export function sectionRef(section: Section): string {
  const markers = [...ancestry(section)].reverse().map((s) => s.markerText);
  return markers.join('');
}

/** All labels of a section: in its heading paragraph, on label lines, and inside its paragraphs. */
export function sectionLabels(section: Section): Label[] {
  const out = [...section.bodyLabels];
  for (const block of section.blocks) {
    if (block.label) out.push(block.label);
    else out.push(...inlineLabelsOf(block));
  }
  return out;
}

/** The labels inside a paragraph block (none for a label line, which is one). */
export function inlineLabelsOf(block: Block): Label[] {
  return block.label ? [] : inlineLabels(block.text, block.line);
}

/** A paragraph of the plan: a heading's own paragraph or a paragraph block, with where it stands. */
export interface Paragraph {
  text: string;
  line: number;
  section: Section;
  block?: Block;
}

/** Every paragraph in document order (label lines included as "key：value"). */
export function* paragraphs(doc: PlanDocument): Generator<Paragraph> {
  function* walk(section: Section): Generator<Paragraph> {
    if (section.marker) {
      const text = section.body ? `${section.title}。${section.body}` : section.title;
      yield { text, line: section.line, section };
    }
    for (const block of section.blocks) {
      const text = block.label ? `${block.label.key}：${block.label.value}` : block.text;
      yield { text, line: block.line, section, block };
    }
    for (const child of section.children) yield* walk(child);
  }
  yield* walk(doc.root);
}
