// The label words of plans (责任单位：, 组　长：, 完成时限：) and how to find them, on a line of their own
// or inside a paragraph.
import type { LeaderRole } from '../domain/definition.js';
import { splitNames } from './names.js';
import { HAN } from './text.js';

export type LabelKind =
  | 'lead' // 责任单位 / 牵头单位
  | 'cooperating' // 配合单位
  | 'person' // 责任人
  | 'leader' // 责任领导
  | 'duties' // 工作职责 / 工作任务
  | 'goal' // 工作目标
  | 'deadline' // 完成时限
  | 'location' // 办公地点
  | 'contact' // 联系人
  | 'role' // 组长, 副组长 … of a group
  | 'officeDirector' // 办公室主任
  | 'officeDeputy'; // 办公室副主任

export interface LabelWord {
  kind: LabelKind;
  role?: LeaderRole;
}

const words: Record<string, LabelWord> = {};
const add = (kind: LabelKind, list: string, role?: LeaderRole) => {
  for (const w of list.split(' ')) words[w] = { kind, role };
};
add(
  'lead',
  '责任单位 牵头单位 主责单位 责任部门 牵头部门 主责部门 责任局室 责任科室 责任部室 承办单位 实施单位 主办单位 牵头科室 负责单位 责任主体 牵头责任单位 主要责任单位 具体责任单位 责任主体单位 主体责任单位 实施主体 牵头处室 责任处室 承办部门 牵头负责单位 落实单位 落实部门 责任主体部门 主办部门 牵头 责任 主责 负责',
);
add('cooperating', '配合单位 协办单位 协助单位 配合部门 协同单位 参与单位 协作单位 配合科室 协办部门 配合责任单位 协同部门 协同配合单位 参与部门 协助部门 配合处室 配合 协办 协助');
add('person', '责任人 具体责任人 负责人 第一责任人 直接责任人 具体负责人');
add(
  'leader',
  '责任领导 分管领导 牵头领导 包保领导 主管领导 负责领导 联系领导 责任校级领导 牵头县领导 牵头市领导 牵头区领导 分管县领导 分管市领导 分管区领导 责任县领导 责任市领导 责任区领导 包联领导 包抓领导 督导领导 督办领导 联系县领导',
);
add(
  'duties',
  '工作职责 职责 工作任务 主要任务 工作内容 整治内容 任务内容 具体任务 主要职责 整治重点 工作措施 主要措施 具体措施 工作重点',
);
add('goal', '工作目标 整治目标 目标任务 目标 工作标准 标准 目标要求');
add('deadline', '完成时限 完成时间 时间节点 时限要求 截止时间 时限 完成期限 时间安排 整改时限 办结时限 时间要求 推进时限 完成节点 进度安排 整改期限 办结时间 推进时间 完成日期');
add('location', '办公地点 办公场所');
add('contact', '联系人');
add('role', '顾问 总顾问', 'adviser');
add('role', '组长 第一组长 指挥长 总指挥 第一指挥长', 'groupLeader');
add('role', '常务副组长 第一副组长 执行副组长 执行组长 常务副指挥长 第一副指挥长 常务副总指挥', 'executiveDeputy');
add('role', '副组长 副指挥长 副总指挥', 'deputyLeader');
add('role', '成员 组员', 'member');
add('officeDirector', '主任 办公室主任');
add('officeDeputy', '副主任 办公室副主任');

export function labelWord(key: string): LabelWord | undefined {
  return Object.hasOwn(words, key) ? words[key] : undefined;
}

export const RESPONSIBILITY_KINDS: ReadonlySet<LabelKind> = new Set(['lead', 'cooperating', 'person', 'leader']);

/** A label read from a line or a paragraph. */
export interface Label {
  key: string;
  kind: LabelKind;
  role?: LeaderRole;
  value: string;
  line: number;
  /** Where it stood inside its paragraph (for inline labels). */
  start?: number;
  end?: number;
}

/** A line that is a label: "责任单位：区公用事业局", "组　长：黄 龙" (spaces inside the key are padding). */
export function parseLabelLine(text: string): { key: string; word: LabelWord; value: string } | undefined {
  const m = new RegExp(`^([${HAN}](?: ?[${HAN}]){1,7}) ?[：:] ?(.*)$`).exec(text);
  if (m) {
    const key = m[1].replace(/ /g, '');
    const word = labelWord(key);
    return word ? { key, word, value: m[2].trim() } : undefined;
  }
  // A role written without a colon, padded with spaces: "组  长  张三  李四".
  const bare = /^((?:常 ?务 ?)?(?:副 ?)?组 ?长|顾 ?问|成 ?员|(?:副 ?)?指 ?挥 ?长) +(.+)$/.exec(text);
  if (bare) {
    const key = bare[1].replace(/ /g, '');
    const word = labelWord(key);
    if (word && NAMES_ONLY.test(bare[2])) return { key, word, value: bare[2].trim() };
  }
  return undefined;
}

/** Han names (2–4 characters, padding allowed) separated by spaces or 、，. */
const NAMES_ONLY = new RegExp(`^[${HAN}]{1,4}(?:[ 、，]+[${HAN}]{1,4})*$`);

// Inside a paragraph only unambiguous keys count; single generic words (职责, 目标, 成员…) would misfire. The short
// words of responsibility (牵头：, 配合：, 责任：) count in a paragraph too: a colon after them is never prose.
const inlineKeys = Object.keys(words)
  .filter((k) => k.length >= 3 || ['组长', '成员', '时限', '牵头', '配合', '协办', '协助', '责任', '主责', '负责'].includes(k))
  .sort((a, b) => b.length - a.length);
const inlineRe = new RegExp(`(?<![${HAN}])(${inlineKeys.join('|')})[：:]`, 'g');

/** Where the first label inside a text starts ("开展清理，责任单位：…" → at 责任单位), or -1. */
export function firstLabelAt(text: string): number {
  for (const m of text.matchAll(inlineRe)) return m.index ?? -1;
  return -1;
}

/** Kinds whose value is a short list, ending at the first 。；or closing bracket; the rest run to the next label. */
const SHORT_VALUE: ReadonlySet<LabelKind> = new Set([
  'lead',
  'cooperating',
  'person',
  'leader',
  'deadline',
  'location',
  'contact',
  'role',
  'officeDirector',
  'officeDeputy',
]);

/** Finds the labels inside a paragraph: "…。责任单位：A、B。工作任务：一是…", "（牵头单位：A；配合单位：B）",
 * and responsibility said in words: "由县城管局牵头，县住建局、各乡镇配合". */
export function inlineLabels(text: string, line: number): Label[] {
  const above = allAboveLabel(text, line);
  if (above) return [above];
  const labels = keyedLabels(text, line);
  if (labels.some((l) => l.kind === 'lead')) return labels;
  const prose = proseLabels(text, line);
  const bracket = prose.length === 0 && !labels.some((l) => RESPONSIBILITY_KINDS.has(l.kind)) ? bracketedUnits(text, line) : undefined;
  return [...labels, ...prose, ...(bracket ? [bracket] : [])].sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
}

const LEAD_WORDS = '牵头负责|负责牵头|牵头抓总|牵头';
const HELP_WORDS = '配合落实|配合完成|积极配合|配合|协助|参与|协同|按职责分工负责|共同组织|共同负责|共同实施|共同推进';
const PROSE_RESPONSIBILITY = new RegExp(
  `[（(]?由?([^，。；：（）()]{2,40}?)(?:${LEAD_WORDS})(?:[，、；,] ?([^，。；：（）()]{2,80}?)(?:等(?:相关|有关)?(?:单位|部门))?(?:${HELP_WORDS}))?[)）]?[。；，]?`,
  'g',
);
/** What a responsible unit's name ends with (or 各… for "all the …"). */
const UNIT_LIKE = /(局|办|室|部|委|队|所|站|院|中心|公司|社区|村|街道|办事处|会|科|处|厅|馆|团|企业|单位|机关|网格|集团|学校|政府|小组|组|乡镇|镇|乡|分局|大队|工委|党委|管委会|园区|总支|支部|党组|站|所|妇联|工商联|残联|侨联|文联|社科联|科协|团委|团工委)$/;

/** Parts of a bracket that names units only: 市城管局、各区政府 / 各县（市、区）. */
function unitParts(inner: string, open: boolean): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of inner) {
    if (ch === '（') depth++;
    if (ch === '）') depth = Math.max(0, depth - 1);
    if (depth === 0 && /[、，；]/.test(ch)) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  // A bracket the page cut off ("（市政府办公室、市"): its last part is a fragment.
  if (open && parts.length > 1) parts.pop();
  const names = parts.map((p) => p.trim().replace(/^(?:及|和|以及)/, '').replace(/等(?:相关|有关)?(?:单位|部门)?$/, ''));
  const unitLike = (p: string) => p.length >= 2 && (UNIT_LIKE.test(p.replace(/（[^）]*）$/, '')) || /^各.{1,8}$/.test(p)) && !/[“”《》\d]/.test(p);
  return names.length > 0 && names.every(unitLike) && names.some((p) => p.length >= 3) ? names : undefined;
}

/**
 * A bracket at the end of an item that lists units and nothing else: "…完成清单编制（市政府办公室、各县区政府）".
 * The first named leads.
 */
function bracketedUnits(text: string, line: number): Label | undefined {
  const m = /（([^（）]*(?:（[^（）]*）[^（）]*)*)(）?)[。；]?$/.exec(text);
  // Not a name's own bracket (办公室（市创城办）): some text before it, or the bracket is all there is (a heading's body).
  if (!m || ((m.index ?? 0) < 8 && !(m.index === 0 && m[0].length === text.length))) return undefined;
  const names = unitParts(m[1], !m[2]);
  if (!names) return undefined;
  return { key: '（括号内单位）', kind: 'lead', value: names.join('、'), line, start: m.index, end: text.length };
}

/** "由县公安局负责。": the unit in charge, said in words. */
const PROSE_IN_CHARGE = /由([^，。；：（）()]{2,40}?)(?:具体|共同)?负责(?:实施|落实|组织实施)?(?=[。；，）)]|$)/g;

/**
 * "区总工会牵头，团区委、区妇联共同组织，广泛宣传…": an item that opens with who does it. Gives the labels (with no
 * place, they are not part of the item's text) and the item's text after them.
 */
export function leadingResponsibility(text: string, line: number): { labels: Label[]; rest: string } | undefined {
  const m = new RegExp(`^(?:由)?([^，。；：（）“”]{2,30}?)(?:${LEAD_WORDS})(?:[，、] ?([^，。；：（）“”]{2,60}?)(?:等(?:相关|有关)?(?:单位|部门))?(?:${HELP_WORDS}))?[，。；]`).exec(text);
  if (!m || m[0].length >= text.length - 2) return undefined;
  const leads = m[1].split(/[、和及]/);
  if (!leads.every((p) => UNIT_LIKE.test(p) || /^各.{1,10}$/.test(p))) return undefined;
  const labels: Label[] = [{ key: '牵头', kind: 'lead', value: m[1], line }];
  const helpers = m[2]?.split('、');
  if (helpers && helpers.every((p) => UNIT_LIKE.test(p) || /^各/.test(p))) labels.push({ key: '配合', kind: 'cooperating', value: m[2], line });
  return { labels, rest: text.slice(m[0].length) };
}

/** The key of "以上工作由熊文华同志牵头": who is responsible for every item of the list it closes. */
export const ALL_ABOVE_KEY = '（以上各项）';
const ALL_ABOVE = /(?:^|[。；，])(?:以上|上述)(?:各项|几项|[一二三四五六七八九十两\d]+项)?(?:工作|任务|事项|内容)(?:均|统一)?由([^，。；：（）]{2,30}?)(?:同志)?(?:牵头|负责)/;

/** "…。以上工作由熊文华同志牵头，…": a unit, or a person, for all the items above. */
function allAboveLabel(text: string, line: number): Label | undefined {
  const m = ALL_ABOVE.exec(text);
  if (!m) return undefined;
  const value = m[1].replace(/同志$/, '');
  const parts = value.split(/[、和及]/);
  const start = (m.index ?? 0) + (/[。；，]/.test(m[0][0]) ? 1 : 0);
  const end = start + m[0].length - (start - (m.index ?? 0));
  if (parts.every((p) => UNIT_LIKE.test(p) || /^各/.test(p))) return { key: ALL_ABOVE_KEY, kind: 'lead', value, line, start, end };
  if (splitNames(value).names.length > 0 && splitNames(value).others.length === 0) return { key: ALL_ABOVE_KEY, kind: 'person', value, line, start, end };
  return undefined;
}

/** The key of a unit that is the subject of its sentence: "各乡镇政府负责对…", "区环保局要加强…". */
export const SUBJECT_KEY = '（句首单位）';
/** "各乡镇政府负责对…整治" at the start of a sentence; "区环保局要加强…" at the start of a paragraph. */
const SUBJECT_IN_CHARGE = /(^|[。；：])((?:[^，。；：、（）“”]{2,16}?)(?:、[^，。；：、（）“”]{2,16}?)*)(?:具体|统一|共同|主要)?(负责|牵头|要(?=[^，。；]{2}))/g;
const isUnitName = (p: string) => (UNIT_LIKE.test(p) || /^各.{1,10}$/.test(p)) && !/[\d%“”《》]/.test(p) && !/^(?:要|并|由|对|按|在|将|把|以|经|请|须|应)/.test(p);

/** Where the sentences of a text that begin with the unit doing them start ("。区财政局负责…", "。区环保局要…"). */
export function unitSentenceStarts(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(SUBJECT_IN_CHARGE)) {
    if (!m[1] || !m[2].split('、').every(isUnitName)) continue;
    out.push((m.index ?? 0) + 1);
  }
  return out;
}

/** Units that are the subjects of a paragraph's sentences, in order: the first leads. */
function subjectLabels(text: string, line: number): Label[] {
  const out: Label[] = [];
  for (const m of text.matchAll(SUBJECT_IN_CHARGE)) {
    // "要" makes a unit the subject only at the paragraph's start ("区环保局要加强…", not "…。群众要…").
    if (m[3].startsWith('要') && (m.index ?? 0) > 0) continue;
    const parts = m[2].split(/[、]/);
    if (!parts.every(isUnitName)) continue;
    const start = (m.index ?? 0) + m[1].length;
    out.push({ key: SUBJECT_KEY, kind: 'lead', value: m[2], line, start, end: start + m[2].length });
  }
  return out;
}

/** "由县城管局牵头，县住建局、各乡镇配合": a lead and cooperating units without label words. */
function proseLabels(text: string, line: number): Label[] {
  const out: Label[] = [];
  for (const m of text.matchAll(PROSE_IN_CHARGE)) {
    const parts = m[1].split(/[、和及]/);
    if (!parts.every((p) => UNIT_LIKE.test(p) || /^各/.test(p))) continue;
    const start = m.index ?? 0;
    out.push({ key: '负责', kind: 'lead', value: m[1], line, start, end: start + m[0].length });
  }
  if (out.length > 0) return out;
  for (const m of text.matchAll(PROSE_RESPONSIBILITY)) {
    const lead = m[1].replace(/^.*由/, '').replace(/^(要|须|应|并|均|统一)/, '');
    const parts = lead.split(/[、和及]/);
    if (!parts.every((p) => UNIT_LIKE.test(p) || /^各/.test(p))) continue;
    const start = m.index ?? 0;
    out.push({ key: '牵头', kind: 'lead', value: lead, line, start, end: start + m[0].length });
    const helpers = m[2]?.split('、');
    if (helpers && helpers.every((p) => UNIT_LIKE.test(p.replace(/等$/, '')) || /^各/.test(p))) {
      out.push({ key: '配合', kind: 'cooperating', value: m[2], line, start: start + 1 });
    }
  }
  if (out.length > 0) return out;
  return subjectLabels(text, line);
}

function keyedLabels(text: string, line: number): Label[] {
  const found = [...text.matchAll(inlineRe)];
  return found.map((m, i) => {
    const key = m[1];
    const word = words[key];
    const valueStart = (m.index ?? 0) + m[0].length;
    const next = i + 1 < found.length ? (found[i + 1].index ?? text.length) : text.length;
    let end = next;
    if (SHORT_VALUE.has(word.kind)) {
      // Up to 。； or the bracket that closes the label group; a bracket inside the value (局（原文体站）) stays.
      let depth = 0;
      for (let k = valueStart; k < next; k++) {
        const ch = text[k];
        if (ch === '（') depth++;
        else if (ch === '）' && depth > 0) depth--;
        else if (ch === '）' || ch === '】' || ch === '。' || ch === '；') {
          end = k;
          break;
        }
      }
    }
    let value = text
      .slice(valueStart, end)
      .replace(/^[\s：]+|[\s，、。；]+$/g, '')
      .trim();
    // "市公安局、市文明办按职责分工负责": the units, without the words that say how they share the work.
    if (word.kind === 'lead' || word.kind === 'cooperating') value = value.replace(/(?:按(?:照)?(?:各自)?职责(?:分工)?)?(?:分别|共同)?(?:负责|落实)$/, '') || value;
    // A closing bracket that ends a bracketed label group belongs to it.
    let stretch = end;
    if (text[end] === '）' || text[end] === '；' || text[end] === '。') stretch = end + 1;
    return { key, kind: word.kind, role: word.role, value, line, start: m.index ?? 0, end: stretch };
  });
}

/** The paragraph with its labels cut out (and brackets left empty by them). */
export function withoutLabels(text: string, labels: Label[], keep: (l: Label) => boolean = () => false): string {
  let out = '';
  let at = 0;
  for (const l of labels) {
    if (l.start === undefined || l.end === undefined) continue;
    out += text.slice(at, l.start);
    if (keep(l)) out += l.value + (/[。！？]$/.test(l.value) ? '' : '。');
    at = l.end;
  }
  out += text.slice(at);
  return out
    .replace(/（[\s，；。]*）|【[\s，；。]*】/g, '')
    .replace(/（[\s，；。]*$/g, '')
    .replace(/([。；，])[\s，；]+/g, '$1')
    .trim();
}

/** Labels already read into some item (labels are found afresh on each look, so they are kept by place). */
export class LabelSet {
  private readonly keys = new Set<string>();
  private static key(l: Label): string {
    return `${l.line}:${l.key}:${l.start ?? '-'}`;
  }
  add(label: Label): void {
    this.keys.add(LabelSet.key(label));
  }
  has(label: Label): boolean {
    return this.keys.has(LabelSet.key(label));
  }
}
