// The plan's units and leaders found in the office's 通讯录 (passed in as data: plan/ reads no database).
// A unit is found by its full name (精确), by a short name the directory declares (简称), or by the key
// the importer merges a plan's own spellings with, Traditional or Simplified (繁简或后缀: 区公用事业局 /
// 公用事业局 / 區公用事業局（分局）, 党政综合办公室 / 党政综合办). A near name (one character apart, one name
// inside the other, an abbreviation) is only ever proposed, never filled in. Retired entries are not taken.
import {
  DIRECTORY_POST_NAMES,
  DIRECTORY_POSTS,
  type DirectoryPost,
  type DirectorySnapshot,
  type DirectorySnapshotPerson,
  type DirectorySnapshotUnit,
} from '../domain/directory.js';
import type { LeaderDraft, PlanModel } from './model.js';
import { toSimplified } from './normalise.js';
import { UNASSIGNED_UNIT_NAME, unitMatchKey, type UnitEntry } from './units.js';

/** How a name of the plan was found: taken. */
export type MatchHow = 'exact' | 'short' | 'normalised' | 'post';
export const MATCH_HOW_NAMES: Record<MatchHow | 'fuzzy', string> = {
  exact: '精确',
  short: '简称',
  normalised: '繁简或后缀',
  post: '职务',
  fuzzy: '模糊，未采用',
};

export interface DirectoryHit<E> {
  entry: E;
  how: MatchHow;
  /** The plan's spelling that matched (for a post: the post). */
  planName: string;
  /** The directory's name it matched: the full name, a short name, a person's name, a post. */
  directoryName: string;
}

/** What the directory says about one name of the plan. */
export interface DirectoryLookup<E> {
  /** Taken: the definition is filled from it. */
  hit?: DirectoryHit<E>;
  /** Not taken: near names, or several entries answering to the name; the office checks them. */
  fuzzy: E[];
  /** An entry of this name is retired: not taken. */
  retired?: E;
  /** The plan's name of another item that took the same entry first: not taken (the definition would hold it twice). */
  duplicateOf?: string;
  /** A leader: the one who holds the plan's post in the directory, under another name (not taken). */
  otherHolder?: E;
}

export type UnitLookup = DirectoryLookup<DirectorySnapshotUnit>;
export type PersonLookup = DirectoryLookup<DirectorySnapshotPerson>;

/** The directory's answers for a plan, for the definition and the summary. */
export interface DirectoryMatches {
  units: Map<UnitEntry, UnitLookup>;
  /** Units the plan names by a person (责任人：张三): found among the directory's people. */
  personUnits: Map<UnitEntry, PersonLookup>;
  leaders: Map<LeaderDraft, PersonLookup>;
  office?: UnitLookup;
  director?: PersonLookup;
  superior?: UnitLookup;
  /** Entries in use in the directory. */
  inUse: { units: number; people: number };
}

const clean = (name: string) => name.replace(/\s/g, '');
const simple = (name: string) => toSimplified(clean(name));
const chars = (s: string) => [...s];

interface Spelling {
  raw: string;
  simple: string;
  key: string;
  /** The key without the place in front (东湖区城管局 → 城管局), for near names only. */
  placeless: string;
}

interface Named extends Spelling {
  unit: DirectorySnapshotUnit;
  short: boolean;
}

const spelling = (name: string): Spelling => {
  const s = simple(name);
  const key = unitMatchKey(s);
  return { raw: clean(name), simple: s, key, placeless: key.replace(/^[\u4e00-\u9fff]{2,6}?(?:区|县|市)(?=[\u4e00-\u9fff]{3})/u, '') };
};

/** Matches the plan's units, leaders and office against the directory. */
export function matchDirectory(model: PlanModel, directory: DirectorySnapshot, placeholderName?: string): DirectoryMatches {
  const index = new DirectoryIndex(directory);
  const matches: DirectoryMatches = {
    units: new Map(),
    personUnits: new Map(),
    leaders: new Map(),
    inUse: { units: index.activeUnits, people: index.activePeople },
  };

  const unitTaken = new Map<number, string>();
  const takeUnit = (lookup: UnitLookup, name: string): UnitLookup => {
    if (!lookup.hit) return lookup;
    const first = unitTaken.get(lookup.hit.entry.id);
    if (first !== undefined) return { fuzzy: [], duplicateOf: first };
    unitTaken.set(lookup.hit.entry.id, name);
    return lookup;
  };
  for (const u of model.units.all()) {
    if (u.name === UNASSIGNED_UNIT_NAME) continue;
    const spellings = [u.name, ...[...u.spellings.keys()].filter((s) => s !== u.name)];
    if (u.person) matches.personUnits.set(u, index.person(u.name));
    else matches.units.set(u, takeUnit(index.unit(spellings), u.name));
  }

  // Named leaders first, so that a post is not given to someone the plan names elsewhere.
  const personTaken = new Set<number>();
  for (const l of model.leaders) {
    if (!l.name) continue;
    const lookup = index.person(l.name, l.group ? undefined : directoryPost(l.role));
    if (lookup.hit) {
      if (personTaken.has(lookup.hit.entry.id)) {
        matches.leaders.set(l, { fuzzy: [], duplicateOf: lookup.hit.entry.name });
        continue;
      }
      personTaken.add(lookup.hit.entry.id);
    }
    matches.leaders.set(l, lookup);
  }
  for (const l of model.leaders) {
    if (l.name || l.group) continue;
    const post = directoryPost(l.role);
    if (!post) continue;
    const lookup = index.postHolder(post, l.title, personTaken);
    if (lookup.hit) personTaken.add(lookup.hit.entry.id);
    matches.leaders.set(l, lookup);
  }

  const { office } = model;
  matches.office = index.unit([office.name, ...(office.shortName ? [office.shortName] : [])]);
  if (office.director) matches.director = index.person(office.director.name);
  const superior = model.rules.superior;
  if (superior && superior.name !== placeholderName) matches.superior = index.unit([superior.name]);
  return matches;
}

function directoryPost(role: string): DirectoryPost | undefined {
  return (DIRECTORY_POSTS as readonly string[]).includes(role) ? (role as DirectoryPost) : undefined;
}

/** The directory's names, ready to be compared with the plan's. */
class DirectoryIndex {
  private readonly names: Named[] = [];
  private readonly retiredNames: Named[] = [];
  private readonly people: DirectorySnapshotPerson[];
  private readonly retiredPeople: DirectorySnapshotPerson[];
  private readonly holders = new Map<DirectoryPost, DirectorySnapshotPerson[]>();
  /** Names and posts of people in Simplified characters without spaces, converted once. */
  private readonly simpleName = new Map<DirectorySnapshotPerson, { name: string; post: string }>();
  readonly activeUnits: number;
  readonly activePeople: number;

  constructor(directory: DirectorySnapshot) {
    for (const unit of directory.units) {
      const list = unit.retiredOn === null ? this.names : this.retiredNames;
      for (const [raw, short] of [[unit.name, false], ...unit.shortNames.map((s) => [s, true])] as [string, boolean][]) {
        const s = spelling(raw);
        if (s.raw) list.push({ ...s, unit, short });
      }
    }
    this.people = directory.people.filter((p) => p.retiredOn === null);
    this.retiredPeople = directory.people.filter((p) => p.retiredOn !== null);
    for (const p of directory.people) this.simpleName.set(p, { name: simple(p.name), post: simple(p.post) });
    const person = new Map(this.people.map((p) => [p.id, p]));
    for (const post of directory.posts) {
      const holder = person.get(post.personId);
      if (post.retiredOn !== null || !holder) continue;
      this.holders.set(post.role, [...(this.holders.get(post.role) ?? []), holder]);
    }
    this.activeUnits = directory.units.filter((u) => u.retiredOn === null).length;
    this.activePeople = this.people.length;
  }

  /** A unit by any of the plan's spellings of it (the chosen one first). */
  unit(names: string[]): UnitLookup {
    const spellings = names.map(spelling).filter((s) => s.raw);
    const tiers: [MatchHow, (n: Named, s: Spelling) => boolean][] = [
      ['exact', (n, s) => !n.short && n.raw === s.raw],
      ['short', (n, s) => n.short && n.raw === s.raw],
      ['normalised', (n, s) => n.simple === s.simple || ([...s.key].length >= 2 && n.key === s.key)],
    ];
    const several = new Set<DirectorySnapshotUnit>();
    for (const [how, test] of tiers) {
      for (const s of spellings) {
        const found = uniqueBy(this.names.filter((n) => test(n, s)), (n) => n.unit.id);
        if (found.length === 1) return { hit: { entry: found[0].unit, how, planName: s.raw, directoryName: found[0].raw }, fuzzy: [] };
        for (const n of found) several.add(n.unit);
      }
      if (several.size > 0) return { fuzzy: [...several] };
    }
    for (const [, test] of tiers) {
      for (const s of spellings) {
        const found = uniqueBy(this.retiredNames.filter((n) => test(n, s)), (n) => n.unit.id);
        if (found.length > 0) return { fuzzy: this.nearUnits(spellings), retired: found[0].unit };
      }
    }
    return { fuzzy: this.nearUnits(spellings) };
  }

  /** Units whose names are near one of the spellings, best first (at most three). */
  private nearUnits(spellings: Spelling[]): DirectorySnapshotUnit[] {
    const scored = new Map<DirectorySnapshotUnit, number>();
    for (const n of this.names) {
      for (const s of spellings) {
        for (const [a, b] of [[s.key, n.key], [s.placeless, n.placeless]]) {
          const score = nearness(a, b);
          if (score === undefined) continue;
          const rank = score * 100 + Math.abs(b.length - a.length);
          scored.set(n.unit, Math.min(rank, scored.get(n.unit) ?? Infinity));
        }
      }
    }
    return [...scored.entries()]
      .sort((a, b) => a[1] - b[1])
      .slice(0, 3)
      .map(([u]) => u);
  }

  /** A person by name; of several of that name, the one holding `post`. */
  person(name: string, post?: DirectoryPost): PersonLookup {
    const raw = clean(name);
    const s = simple(name);
    const holders = post ? (this.holders.get(post) ?? []) : [];
    for (const [how, test] of [
      ['exact', (p: DirectorySnapshotPerson) => clean(p.name) === raw],
      ['normalised', (p: DirectorySnapshotPerson) => this.simple(p).name === s],
    ] as const) {
      let found = this.people.filter(test);
      if (found.length > 1) found = found.filter((p) => holders.includes(p)).length === 1 ? found.filter((p) => holders.includes(p)) : found;
      if (found.length === 1) return { hit: { entry: found[0], how, planName: raw, directoryName: found[0].name }, fuzzy: [] };
      if (found.length > 1) return { fuzzy: found };
    }
    const retired = this.retiredPeople.find((p) => this.simple(p).name === s);
    // A name one character apart among those who hold the plan's post; else the post's only holder.
    const near = holders.filter((p) => oneEditApart(this.simple(p).name, s) && chars(this.simple(p).name).length === chars(s).length);
    const other = near.length === 0 && holders.length === 1 ? holders[0] : undefined;
    return { fuzzy: near, ...(retired ? { retired } : {}), ...(other ? { otherHolder: other } : {}) };
  }

  private simple(person: DirectorySnapshotPerson): { name: string; post: string } {
    return this.simpleName.get(person)!;
  }

  /** The holder of a post the plan names without a name (组长：区委书记), when the directory has exactly one that fits. */
  postHolder(post: DirectoryPost, title: string | undefined, taken: Set<number>): PersonLookup {
    const holders = (this.holders.get(post) ?? []).filter((p) => !taken.has(p.id));
    const titled = title ? holders.filter((p) => this.simple(p).post === simple(title)) : [];
    const fits = titled.length > 0 ? titled : holders.filter((p) => !title || !p.post);
    if (fits.length === 1) {
      return { hit: { entry: fits[0], how: 'post', planName: DIRECTORY_POST_NAMES[post], directoryName: fits[0].name }, fuzzy: [] };
    }
    return { fuzzy: fits.length > 1 ? fits : holders };
  }
}

function uniqueBy<T>(items: T[], key: (item: T) => unknown): T[] {
  const seen = new Set<unknown>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * How near two keys are (lower is nearer), or undefined when they are not: the one the end of the other
 * (城管局, 东湖区城管局), one character apart (公用事业局, 公共事业局), one inside the other, an
 * abbreviation (市场监管局, 市场监督管理局). Keys of fewer than three characters are never near.
 */
export function nearness(a: string, b: string): number | undefined {
  if (a === b) return undefined;
  const [short, long] = chars(a).length <= chars(b).length ? [a, b] : [b, a];
  const n = chars(short).length;
  if (n < 3) return undefined;
  if (long.endsWith(short)) return 0;
  if (n >= 4 && oneEditApart(short, long)) return 1;
  if (long.includes(short)) return 2;
  if (abbreviates(short, long)) return 3;
  return undefined;
}

// Characters that tell places and units of one kind apart (城东 / 城西街道, 一 / 二中队): a name that
// differs from another only by one of them is another unit, not a misspelling.
const DISTINGUISHING = /[东西南北中上下前后左右内外新老大小一二三四五六七八九十0-9]/;

/** b is a with one character changed, added or dropped (not a character that tells two places apart). */
export function oneEditApart(a: string, b: string): boolean {
  const x = chars(a);
  const y = chars(b);
  if (a === b || Math.abs(x.length - y.length) > 1) return false;
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const differ = [...x.slice(head, x.length - tail), ...y.slice(head, y.length - tail)];
  return differ.length >= 1 && differ.length <= 2 && x.length - head - tail <= 1 && y.length - head - tail <= 1 && !differ.some((c) => DISTINGUISHING.test(c));
}

/** The short name keeps the long one's first and last characters and takes the rest in order (城管局 ← 城市管理局). */
function abbreviates(short: string, long: string): boolean {
  const s = chars(short);
  const l = chars(long);
  if (s[0] !== l[0] || s[s.length - 1] !== l[l.length - 1]) return false;
  let k = 0;
  for (const c of l) if (c === s[k]) k++;
  return k === s.length;
}

// ---------------------------------------------------------------------------------- words

/** 『甲』或『乙』 */
const either = (names: string[]) => names.map((n) => `『${n}』`).join('或');

/** The definition's comment on a unit, leader or the office, from its lookup: one line, or none. */
export function lookupComment(lookup: DirectoryLookup<DirectorySnapshotUnit | DirectorySnapshotPerson> | undefined, what: '单位' | '人员'): string | undefined {
  if (!lookup) return undefined;
  const { hit } = lookup;
  if (hit) {
    const number = what === '单位' ? `编号 ${hit.entry.id}` : `人员编号 ${hit.entry.id}`;
    return `通讯录：「${hit.entry.name}」（${number}，${howWords(hit)}）${what === '单位' ? missingWords(hit.entry as DirectorySnapshotUnit) : personWords(hit.entry as DirectorySnapshotPerson)}`;
  }
  return notTakenWords(lookup, what);
}

/** Why nothing was taken, or undefined when the directory simply has no such name. */
function notTakenWords(lookup: DirectoryLookup<DirectorySnapshotUnit | DirectorySnapshotPerson>, what: '单位' | '人员'): string {
  if (lookup.duplicateOf) return `与「${lookup.duplicateOf}」是通讯录中的同一${what === '单位' ? '单位' : '人'}，未重复填写，请核对`;
  const parts: string[] = [];
  if (lookup.retired) parts.push(`通讯录中的「${lookup.retired.name}」已于 ${lookup.retired.retiredOn} 停用，未采用`);
  if (lookup.fuzzy.length) parts.push(`可能是通讯录中的${either(lookup.fuzzy.map((e) => e.name))}（模糊匹配），请核对后填写`);
  else if (lookup.otherHolder) parts.push(`通讯录中担任此职务的是『${lookup.otherHolder.name}』，与方案所写不同，未采用，请核对后填写`);
  if (!parts.length) parts.push(what === '单位' ? '通讯录中没有此单位' : '通讯录中没有此人');
  return parts.join('；');
}

function howWords(hit: DirectoryHit<unknown>): string {
  if (hit.how === 'short') return `按简称「${hit.directoryName}」`;
  if (hit.how === 'normalised') return `繁简或后缀：方案写作「${hit.planName}」，通讯录写作「${hit.directoryName}」`;
  if (hit.how === 'post') return `按职务「${hit.planName}」`;
  return '精确';
}

function missingWords(unit: DirectorySnapshotUnit): string {
  const missing = [
    unit.principal.name ? '' : '主要负责人姓名',
    unit.principal.email ? '' : '主要负责人邮箱',
    unit.contact.name ? '' : '联系人姓名',
    unit.contact.email ? '' : '联系人邮箱',
  ].filter(Boolean);
  return `；名称、类别、主要负责人与联系人取自通讯录${missing.length ? `，通讯录未写${missing.join('、')}，仍待填写` : ''}`;
}

function personWords(person: DirectorySnapshotPerson): string {
  return `；姓名、职务与邮箱取自通讯录${person.email ? '' : '，通讯录未写邮箱，仍待填写'}`;
}

/** One line of the summary: 单位「区城管局」→「东湖区城市管理局」（简称）, or why it was not taken. */
export function lookupSummary(label: string, lookup: DirectoryLookup<DirectorySnapshotUnit | DirectorySnapshotPerson>, what: '单位' | '人员'): string | undefined {
  const { hit } = lookup;
  if (hit) return `${label}→「${hit.entry.name}」（${MATCH_HOW_NAMES[hit.how]}）`;
  if (lookup.fuzzy.length) return `${label}（${MATCH_HOW_NAMES.fuzzy}）：${notTakenWords(lookup, what)}`;
  if (lookup.retired || lookup.duplicateOf || lookup.otherHolder) return `${label}（未采用）：${notTakenWords(lookup, what)}`;
  return undefined;
}
