// Responsible units: splitting a label's value into unit names, telling names of people from units,
// and one entry per unit across the plan (区北海服务中心 = 北海服务中心).
import { isPersonName, looksLikePersonName, splitNames } from './names.js';
import { HAN, mostFrequent } from './text.js';

export type UnitKind = 'department' | 'community' | 'enterprise' | 'other';

const UNIT_END =
  /(局|办|室|部|委|队|所|站|院|中心|公司|社区|村|街道|办事处|会|科|处|厅|馆|团|企业|单位|机关|网格|集团|学校|银行|政府|小组|组|股|庭|署|台|分局|大队|支队|中队|工委|党委|管委会|协会|联合会|厂|园|区|总支|支部|党组)$/;

/** One name from a unit label, with whether it was marked as the lead (牵头) or a helper (配合). */
export interface UnitMention {
  name: string;
  /** A personal name standing where a unit should (责任单位：王世国 孙巧枝). */
  person: boolean;
  mark?: 'lead' | 'cooperating';
}

/** Splits "区综合执法分局、北海服务中心、旅游公司等部门" or "区城管局牵头，各社区配合". */
export function splitUnits(value: string, personContext = false): UnitMention[] {
  // Spaces separate units as they separate names ("王世国 孙巧枝"); single characters are padding ("城 管 局").
  const text = value
    .trim()
    .split(/\s+/)
    .reduce<string[]>((parts, part) => {
      const prev = parts[parts.length - 1];
      // A placeholder or place before the unit's own name ("XX 区党总支", "某某 县城管局") is part of it.
      const prefix = prev !== undefined && /^[A-Za-z*＊×]{1,4}$|^某+$/.test(prev) && UNIT_END.test(part);
      if (prev !== undefined && (part.length === 1 || /^[^、，,；;]$/.test(prev) || prefix)) parts[parts.length - 1] = prev + part;
      else parts.push(part);
      return parts;
    }, [])
    .join('、')
    .replace(/[（(](?:注[：:])?(?:排在?)?(?:第一|首)(?:位|个)?(?:的|者)?(?:为|是)牵头(?:单位|部门)?[)）]/g, '')
    .replace(/[。；，、]+$/, '')
    .replace(/^(由|是|为)/, '');
  if (!text) return [];

  if (personContext) {
    const names = splitNames(text);
    if (names.ok) return names.names.map((n) => ({ name: n.name, person: true }));
  }

  const out: UnitMention[] = [];
  for (let part of splitOutsideBrackets(text)) {
    let mark: UnitMention['mark'];
    part = part.replace(/[（(](牵头|主责)[）)]$/, () => {
      mark = 'lead';
      return '';
    });
    part = part.replace(/[（(](配合|协助|参与)[）)]$/, () => {
      mark = 'cooperating';
      return '';
    });
    part = part.replace(/(牵头负责|牵头|负责)$/, (m) => {
      mark ??= m.startsWith('牵头') ? 'lead' : undefined;
      return '';
    });
    part = part.replace(/(积极配合|配合|协助|参与)$/, () => {
      mark = 'cooperating';
      return '';
    });
    part = part.replace(/等(相关|有关)?(部门|单位|科室|局室|部室)?$/, '').replace(/^(以及|及|会同)(?=..)/, '');
    if (!part) continue;
    for (const piece of splitConjunction(part)) {
      if (!piece) continue;
      const person = personContext ? isPersonName(piece) && !UNIT_END.test(piece) : looksLikePersonName(piece);
      out.push({ name: piece, person, mark });
    }
  }
  return out;
}

/** Splits on 、，；/ and spaces, but not inside brackets: 各县（市、区） is one group. */
function splitOutsideBrackets(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '（' || ch === '(') depth++;
    if (ch === '）' || ch === ')') depth = Math.max(0, depth - 1);
    if (depth === 0 && /[、，,；;/\s]/.test(ch)) {
      if (current) parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current) parts.push(current);
  return parts;
}

/** "市场监管局和城管局" is two units; "和平社区" is one. */
function splitConjunction(part: string): string[] {
  const m = new RegExp(`^([${HAN}]{2,}?)(和|及|与|以及)([${HAN}]{2,})$`).exec(part);
  if (m && UNIT_END.test(m[1]) && UNIT_END.test(m[3])) return [m[1], m[3]];
  return [part];
}

export function unitKind(name: string, person: boolean): UnitKind {
  if (person) return 'other';
  if (/社区|村$|村委|网格|街道|居委会|小区/.test(name)) return 'community';
  if (/(公司|集团|厂|酒店|宾馆|商场|超市|银行)$|^[^局办室部委队所站院中心科处]*企业$/.test(name)) return 'enterprise';
  if (/(局|办|室|部|委|队|所|站|院|中心|科|处|厅|馆|机关|政府|工会|团|会)$/.test(name)) return 'department';
  return 'other';
}

/** The name without the plan's own level in front (区公用事业局 → 公用事业局), for ids. */
export function unitStem(name: string): string {
  return name.replace(/\s/g, '').replace(/^(本|我|全)?(园区|区)(?=[^直属委]..)/, '');
}

/**
 * The key two spellings of one unit share: 区北海服务中心 / 北海服务中心, 党政综合办公室 / 党政综合办, 县城管局 / 城管局
 * (the level in front is dropped unless it is part of the name: 市场监管局, 市委宣传部, 市政公用局).
 */
export function unitKey(name: string): string {
  return unitStem(name)
    .replace(/^[（(][^）)]*[）)]/, '')
    .replace(/[（(](?:牵头|主责|配合|协助)[）)]$/, '')
    .replace(/^(?:市|县|区|镇|乡)(?!场|民|委|直|属|政(?!府)|区|级|县|镇|乡)(?=...)/, '')
    .replace(/办公室$/, '办')
    .replace(/人民政府/, '政府');
}

/**
 * unitKey, also without a qualifier in brackets after the name (区公用事业局（分局）, 区文明办（挂牌）) and
 * with 街道办事处 / 街道办 as 街道:
 * how a plan's unit and a 通讯录 entry are told to be one unit however either is spelt.
 */
export function unitMatchKey(name: string): string {
  return unitKey(
    name
      .replace(/\s/g, '')
      .replace(/(?<=.)[（(][^（）()]{1,8}[）)]$/, '')
      .replace(/(?<=..)街道办(?:事处)?$/, '街道'),
  );
}

export interface UnitEntry {
  key: string;
  /** How each spelling was written and on which lines. */
  spellings: Map<string, number[]>;
  person: boolean;
  /** Chosen spelling (the most frequent; the first seen on a tie). */
  name: string;
  kind: UnitKind;
  id: string;
  /** First line it was read from. */
  line: number;
  responsibleLeaderName?: string;
  /** 联系人 named in the plan. */
  contactName?: string;
  /** Conflicting responsible leaders seen (areas). */
  leaderConflict?: boolean;
}

export class UnitRegistry {
  private readonly entries = new Map<string, UnitEntry>();
  /** Short names the plan declares (以下简称“市创城办”) → the key of the full name. */
  private readonly aliases = new Map<string, string>();

  /** A short name stands for the full name: both spellings are one unit. */
  alias(short: string, full: string): void {
    if (unitKey(short) !== unitKey(full)) this.aliases.set(unitKey(short), unitKey(full));
  }

  add(name: string, line: number, person = false): UnitEntry {
    const key = person ? `person:${name}` : (this.aliases.get(unitKey(name)) ?? unitKey(name));
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { key, spellings: new Map(), person, name, kind: unitKind(name, person), id: '', line };
      this.entries.set(key, entry);
    }
    const lines = entry.spellings.get(name) ?? [];
    lines.push(line);
    entry.spellings.set(name, lines);
    entry.line = Math.min(entry.line, line);
    const spellings = [...entry.spellings.entries()].flatMap(([n, ls]) => ls.map(() => n));
    entry.name = mostFrequent(spellings) ?? name;
    entry.kind = unitKind(entry.name, person);
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  /** In the order the plan names them; the unit still to be named comes last. */
  all(): UnitEntry[] {
    const last = (u: UnitEntry) => (u.name === UNASSIGNED_UNIT_NAME ? 1 : 0);
    return [...this.entries.values()].sort((a, b) => last(a) - last(b) || a.line - b.line);
  }
}

/** The lead unit of an action whose unit the plan does not name: one shared entry, to be filled in on review. */
export const UNASSIGNED_UNIT_NAME = '待明确责任单位';

/**
 * Short names a plan declares for units: "县城市管理综合执法局（以下简称“县城管局”）", "市文明办（简称市创城办）".
 * Only names that look like units (…局, …办, …中心) are taken.
 */
export function declaredShortNames(text: string): { short: string; full: string }[] {
  const out: { short: string; full: string }[] = [];
  const re = new RegExp(`([${HAN}]{3,30}?)[（(](?:以下)?简称[：:]?[“"]?([${HAN}]{2,12})[”"]?[）)]`, 'g');
  for (const m of text.matchAll(re)) {
    const full = m[1].replace(/^.*(?:成立|设立|由|在|和|与|及|、|，|设在)/, '');
    if (UNIT_END.test(full) && UNIT_END.test(m[2])) out.push({ short: m[2], full });
  }
  return out;
}
