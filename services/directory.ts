// 通讯录: reading the directory as people see it, and changing it. Every change (a whole .xlsx
// import, or one console form) goes through applyDirectoryChanges: in one transaction under the
// directory's lock, each changed entry is found (by 编号, else by its full name / name and unit /
// post and person), checked against the whole directory as it would stand afterwards (unique full
// names and short names, parents that exist and make no cycle, people and units that exist), and
// written only when nothing at all is wrong.
import {
  campaignUnitsOfDirectoryUnits,
  directoryRobotsOf,
  insertDirectoryPerson,
  insertDirectoryPost,
  insertDirectoryUnit,
  listDirectoryPeople,
  listDirectoryPosts,
  listDirectoryUnits,
  lockDirectory,
  updateDirectoryPerson,
  updateDirectoryPost,
  updateDirectoryUnit,
  type DirectoryPersonValues,
  type DirectoryPostValues,
  type DirectoryUnitRow,
  type DirectoryUnitValues,
} from '../db/directory.js';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { isMasked, maskSecret, maskWebhook } from '../domain/channels.js';
import { revokeUnitLinks } from '../db/unit-links.js';
import {
  DIRECTORY_POST_NAMES,
  DIRECTORY_UNIT_KIND_NAMES,
  EMPTY_CONTACT,
  EMPTY_ROBOTS,
  findCycles,
  type DirectoryContact,
  type DirectoryRobots,
  type DirectoryEntryKind,
  type DirectoryPost,
  type DirectoryUnitKind,
} from '../domain/directory.js';

// ---------------------------------------------------------------------------------- reading

export interface DirectoryUnit {
  id: number;
  name: string;
  shortNames: string[];
  kind: DirectoryUnitKind;
  kindName: string;
  parentId: number | null;
  parentName: string;
  /** Levels below a top unit, for an indented list. */
  depth: number;
  principal: DirectoryContact;
  contact: DirectoryContact;
  robots: DirectoryRobots;
  retiredOn: string | null;
}

export interface DirectoryPerson {
  id: number;
  name: string;
  post: string;
  unitId: number | null;
  unitName: string;
  email: string;
  mobile: string;
  retiredOn: string | null;
}

export interface DirectoryPostEntry {
  id: number;
  role: DirectoryPost;
  roleName: string;
  personId: number;
  personName: string;
  personUnitName: string;
  unitIds: number[];
  unitNames: string[];
  retiredOn: string | null;
}

export interface Directory {
  units: DirectoryUnit[];
  people: DirectoryPerson[];
  posts: DirectoryPostEntry[];
}

/** The whole directory, retired entries included: units top-down (each followed by the units under it). */
export async function readDirectory(db: Queryable): Promise<Directory> {
  const [unitRows, peopleRows, postRows] = [await listDirectoryUnits(db), await listDirectoryPeople(db), await listDirectoryPosts(db)];
  const unitName = new Map(unitRows.map((u) => [u.id, u.name]));
  const children = new Map<number | null, typeof unitRows>();
  for (const u of unitRows) {
    const parent = u.parent_id !== null && unitName.has(u.parent_id) ? u.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), u]);
  }
  const units: DirectoryUnit[] = [];
  const visit = (parent: number | null, depth: number) => {
    for (const u of children.get(parent) ?? []) {
      units.push({
        id: u.id,
        name: u.name,
        shortNames: u.short_names,
        kind: u.kind,
        kindName: DIRECTORY_UNIT_KIND_NAMES[u.kind],
        parentId: u.parent_id,
        parentName: u.parent_id === null ? '' : (unitName.get(u.parent_id) ?? ''),
        depth,
        principal: { name: u.principal_name, post: u.principal_post, email: u.principal_email, mobile: u.principal_mobile },
        contact: { name: u.contact_name, post: u.contact_post, email: u.contact_email, mobile: u.contact_mobile },
        robots: directoryRobotsOf(u),
        retiredOn: u.retired_on,
      });
      visit(u.id, depth + 1);
    }
  };
  visit(null, 0);
  const people = peopleRows.map((p) => ({
    id: p.id,
    name: p.name,
    post: p.post,
    unitId: p.unit_id,
    unitName: p.unit_id === null ? '' : (unitName.get(p.unit_id) ?? ''),
    email: p.email,
    mobile: p.mobile,
    retiredOn: p.retired_on,
  }));
  const person = new Map(people.map((p) => [p.id, p]));
  const posts = postRows.map((p) => ({
    id: p.id,
    role: p.role,
    roleName: DIRECTORY_POST_NAMES[p.role],
    personId: p.person_id,
    personName: person.get(p.person_id)?.name ?? '',
    personUnitName: person.get(p.person_id)?.unitName ?? '',
    unitIds: p.unit_ids,
    unitNames: p.unit_ids.map((id) => unitName.get(id) ?? ''),
    retiredOn: p.retired_on,
  }));
  return { units, people, posts };
}

// ---------------------------------------------------------------------------------- changing

/** A unit named by its 编号 (the console's selects) or by a name (a sheet's cell: full name, or a short name only one unit in use has). */
export type UnitRef = { id: number } | { name: string };
/** A person by 编号, or by name and, when given, unit. */
export type PersonRef = { id: number } | { name: string; unit?: UnitRef | null };

/** The fields a change sets: a sheet's columns that are present, a form's fields. Absent ones stay as they are. */
export interface UnitSet {
  name: string;
  shortNames: string[];
  kind: DirectoryUnitKind;
  parent: UnitRef | null;
  'principal.name': string;
  'principal.post': string;
  'principal.email': string;
  'principal.mobile': string;
  'contact.name': string;
  'contact.post': string;
  'contact.email': string;
  'contact.mobile': string;
  'robots.wecom': string;
  'robots.dingtalk': string;
  'robots.dingtalkSecret': string;
  retiredOn: string | null;
}
export interface PersonSet {
  name: string;
  post: string;
  unit: UnitRef | null;
  email: string;
  mobile: string;
  retiredOn: string | null;
}
export interface PostSet {
  role: DirectoryPost;
  person: PersonRef;
  units: UnitRef[];
  retiredOn: string | null;
}

interface Change<S> {
  /** The sheet's row number (the console's forms: 0). */
  row: number;
  /** 编号: change this entry. */
  id?: number;
  /** A new entry (the console's add forms): an entry of the same name is a conflict, not the one to update. */
  create?: boolean;
  set: Partial<S>;
}
export type UnitChange = Change<UnitSet>;
export type PersonChange = Change<PersonSet>;
export type PostChange = Change<PostSet>;

export interface DirectoryChanges {
  units?: UnitChange[];
  people?: PersonChange[];
  posts?: PostChange[];
}

/** What is wrong with a change: the sheet (entry kind), its row and the field (a column of the sheet). */
export interface DirectoryProblem {
  entry: DirectoryEntryKind;
  row: number;
  field: string;
  message: string;
}

/** A change refused: every problem found, nothing written. */
export class DirectoryRefused extends Error {
  override name = 'DirectoryRefused';
  constructor(readonly problems: DirectoryProblem[]) {
    super(problems.map((p) => p.message).join('；'));
  }
}

export interface ChangeCounts {
  created: number;
  updated: number;
  unchanged: number;
}
export interface DirectoryChangeSummary {
  units: ChangeCounts;
  people: ChangeCounts;
  posts: ChangeCounts;
  /** The id of each change's entry, in the order of the changes. */
  ids: { units: number[]; people: number[]; posts: number[] };
}

type Key = string;
const rowWord = (row: number) => (row > 0 ? `第 ${row} 行` : '');

/**
 * Applies changes to the directory in one transaction, or refuses them all (DirectoryRefused,
 * nothing written). `fieldProblems` are problems the caller found in the changes' fields (a sheet's
 * cells): reported with the others, and enough to write nothing.
 */
export async function applyDirectoryChanges(db: Db, changes: DirectoryChanges, fieldProblems: DirectoryProblem[] = []): Promise<DirectoryChangeSummary> {
  return inTransaction(db, async (client) => {
    await lockDirectory(client);
    const before = new Map((await listDirectoryUnits(client)).map((u) => [u.id, u]));
    const plan = await planChanges(client, changes, fieldProblems);
    if (plan.problems.length > 0) throw new DirectoryRefused(plan.problems);
    const summary = await plan.write(client);
    await revokeLinksOfChangedContacts(client, before);
    return summary;
  });
}

/**
 * A unit whose principal or contact address changed (or that was retired): its links in every
 * campaign that reads it from the directory stop working, in the same transaction; the next mail
 * carries a new link to the new address.
 */
async function revokeLinksOfChangedContacts(db: Queryable, before: Map<number, DirectoryUnitRow>): Promise<void> {
  const changed = (await listDirectoryUnits(db))
    .filter((u) => {
      const was = before.get(u.id);
      return was && (was.principal_email !== u.principal_email || was.contact_email !== u.contact_email || (u.retired_on && !was.retired_on));
    })
    .map((u) => u.id);
  if (changed.length === 0) return;
  for (const { campaignId, unitId } of await campaignUnitsOfDirectoryUnits(db, changed)) {
    await revokeUnitLinks(db, { campaignId, unitId, reason: '通讯录中的联系人或主要负责人已变更' });
  }
}

async function planChanges(db: Queryable, changes: DirectoryChanges, fieldProblems: DirectoryProblem[]) {
  const problems: DirectoryProblem[] = [...fieldProblems];
  const unitRows = await listDirectoryUnits(db);
  const peopleRows = await listDirectoryPeople(db);
  const postRows = await listDirectoryPosts(db);

  // ------------------------------------------------------------------ units
  interface UnitState {
    values: Omit<DirectoryUnitValues, 'parentId'> & { parent: Key | null };
    existing?: number;
    change?: UnitChange;
  }
  const units = new Map<Key, UnitState>();
  for (const u of unitRows) {
    units.set(`u${u.id}`, {
      existing: u.id,
      values: {
        name: u.name,
        shortNames: u.short_names,
        kind: u.kind,
        parent: u.parent_id === null ? null : `u${u.parent_id}`,
        principal: { name: u.principal_name, post: u.principal_post, email: u.principal_email, mobile: u.principal_mobile },
        contact: { name: u.contact_name, post: u.contact_post, email: u.contact_email, mobile: u.contact_mobile },
        robots: directoryRobotsOf(u),
        retiredOn: u.retired_on,
      },
    });
  }
  const existingByName = new Map(unitRows.map((u) => [u.name, `u${u.id}`]));
  const unitChanges = changes.units ?? [];
  const unitKeys: Key[] = [];
  const claimedUnit = new Map<Key, UnitChange>();
  // New units of this change by full name: the same twice is a repeated row.
  const newUnits = new Map<string, Key>();
  unitChanges.forEach((change, i) => {
    const problem = (field: string, message: string) => problems.push({ entry: 'unit', row: change.row, field, message });
    let key: Key | undefined;
    if (change.id !== undefined) {
      key = `u${change.id}`;
      if (!units.has(key)) {
        problem('id', `没有编号为 ${change.id} 的单位（新增单位请不填编号）`);
        unitKeys.push(`n${i}`);
        return;
      }
    } else if (!change.create && change.set.name !== undefined) {
      key = existingByName.get(change.set.name) ?? newUnits.get(change.set.name);
    }
    key ??= `n${i}`;
    if (!units.has(key) && change.set.name !== undefined) newUnits.set(change.set.name, key);
    unitKeys.push(key);
    const earlier = claimedUnit.get(key);
    if (earlier) {
      problem(change.id !== undefined ? 'id' : 'name', `重复的单位：与${rowWord(earlier.row)}是同一单位「${change.set.name ?? units.get(key)?.values.name ?? ''}」`);
      return;
    }
    claimedUnit.set(key, change);
    const before = units.get(key);
    if (!before && (change.set.name === undefined || change.set.kind === undefined)) {
      problem(change.set.name === undefined ? 'name' : 'kind', '新增单位须填写全称和类别');
    }
    const v = before?.values ?? {
      name: '',
      shortNames: [],
      kind: 'department' as DirectoryUnitKind,
      parent: null,
      principal: EMPTY_CONTACT,
      contact: EMPTY_CONTACT,
      robots: EMPTY_ROBOTS,
      retiredOn: null,
    };
    const s = change.set;
    const contactOf = (which: 'principal' | 'contact'): DirectoryContact => ({
      name: s[`${which}.name`] ?? v[which].name,
      post: s[`${which}.post`] ?? v[which].post,
      email: s[`${which}.email`] ?? v[which].email,
      mobile: s[`${which}.mobile`] ?? v[which].mobile,
    });
    units.set(key, {
      existing: before?.existing,
      change,
      values: {
        name: s.name ?? v.name,
        shortNames: s.shortNames ?? v.shortNames,
        kind: s.kind ?? v.kind,
        parent: v.parent, // resolved below, once every unit of the change has its key
        principal: contactOf('principal'),
        contact: contactOf('contact'),
        robots: robotsOf(s, v.robots ?? EMPTY_ROBOTS, problem),
        retiredOn: s.retiredOn !== undefined ? s.retiredOn : v.retiredOn,
      },
    });
  });

  const unitProblem = (u: UnitState, field: string, message: string) => problems.push({ entry: 'unit', row: u.change!.row, field, message });
  const whereIs = (key: Key, u: UnitState) =>
    u.change ? (u.change.row > 0 ? `第 ${u.change.row} 行` : '本次填写') : `通讯录中已有单位（编号 ${key.slice(1)}）`;

  // Full names are unique over the directory as it will stand.
  const byName = new Map<string, Key[]>();
  for (const [key, u] of units) if (u.values.name) byName.set(u.values.name, [...(byName.get(u.values.name) ?? []), key]);
  for (const keys of byName.values()) {
    if (keys.length < 2) continue;
    for (const key of keys) {
      const u = units.get(key)!;
      if (!u.change || u.change.set.name === undefined) continue;
      const other = keys.find((k) => k !== key)!;
      unitProblem(u, 'name', `重复的单位：全称「${u.values.name}」与${whereIs(other, units.get(other)!)}相同`);
    }
  }

  // Short names: only units in use are found by them, so only theirs must not clash.
  const live = (u: UnitState) => u.values.retiredOn === null;
  const byShortName = new Map<string, Key[]>();
  for (const [key, u] of units) if (live(u)) for (const s of u.values.shortNames) byShortName.set(s, [...(byShortName.get(s) ?? []), key]);
  for (const [key, u] of units) {
    if (!u.change || !live(u) || (u.change.set.shortNames === undefined && u.change.set.retiredOn === undefined)) continue;
    for (const s of u.values.shortNames) {
      const named = (byName.get(s) ?? []).find((k) => k !== key);
      const shared = (byShortName.get(s) ?? []).find((k) => k !== key);
      if (named) unitProblem(u, 'shortNames', `简称「${s}」是另一单位的全称（${whereIs(named, units.get(named)!)}）`);
      else if (shared) unitProblem(u, 'shortNames', `简称「${s}」已是「${units.get(shared)!.values.name}」的简称`);
    }
  }

  /**
   * A unit by 编号 or name, over the directory as it will stand: a full name first, else a short
   * name of one unit in use. `what` names it in the refusal (上级单位, 所在单位 …).
   */
  const resolveUnit = (ref: UnitRef, what: string): { key: Key } | { problem: string } => {
    if ('id' in ref) return units.has(`u${ref.id}`) ? { key: `u${ref.id}` } : { problem: `找不到${what}：没有编号为 ${ref.id} 的单位` };
    const full = byName.get(ref.name);
    if (full?.length) return { key: full[0] };
    const short = byShortName.get(ref.name) ?? [];
    if (short.length === 1) return { key: short[0] };
    if (short.length > 1) {
      return { problem: `${what}「${ref.name}」是多个单位的简称（${short.map((k) => units.get(k)!.values.name).join('、')}），请写全称` };
    }
    return { problem: `找不到${what}「${ref.name}」：通讯录中没有，本次填写的单位中也没有` };
  };

  for (const [key, u] of units) {
    const parent = u.change?.set.parent;
    if (parent === undefined) continue;
    if (parent === null) {
      u.values.parent = null;
      continue;
    }
    const found = resolveUnit(parent, '上级单位');
    if ('problem' in found) {
      unitProblem(u, 'parent', found.problem);
      u.values.parent = null;
    } else {
      u.values.parent = found.key;
      if (found.key === key) unitProblem(u, 'parent', `上级单位不能是本单位「${u.values.name}」`);
    }
  }
  const parentOf = new Map([...units].map(([key, u]) => [key, u.values.parent === key ? null : u.values.parent]));
  for (const cycle of findCycles(parentOf)) {
    cycle.forEach((key, i) => {
      const u = units.get(key)!;
      // Each row's message starts from its own unit.
      const names = [...cycle.slice(i), ...cycle.slice(0, i), key].map((k) => units.get(k)!.values.name);
      if (u.change?.set.parent !== undefined) unitProblem(u, 'parent', `上级关系成环：${names.join(' → ')}`);
    });
  }

  // ------------------------------------------------------------------ people
  interface PersonState {
    values: Omit<DirectoryPersonValues, 'unitId'> & { unit: Key | null };
    existing?: number;
    change?: PersonChange;
  }
  const people = new Map<Key, PersonState>();
  for (const p of peopleRows) {
    people.set(`p${p.id}`, {
      existing: p.id,
      values: { name: p.name, post: p.post, unit: p.unit_id === null ? null : `u${p.unit_id}`, email: p.email, mobile: p.mobile, retiredOn: p.retired_on },
    });
  }
  const peopleChanges = changes.people ?? [];
  const personKeys: Key[] = [];
  const claimedPerson = new Map<Key, PersonChange>();
  const existingPeople = [...people];
  // New people of this change by name and unit: the same twice is a repeated row.
  const newPeople = new Map<string, Key>();
  peopleChanges.forEach((change, i) => {
    const problem = (field: string, message: string) => problems.push({ entry: 'person', row: change.row, field, message });
    const s = change.set;
    let unit: Key | null | undefined;
    if (s.unit !== undefined) {
      if (s.unit === null) unit = null;
      else {
        const found = resolveUnit(s.unit, '所在单位');
        if ('problem' in found) problem('unit', found.problem);
        else unit = found.key;
      }
    }
    let key: Key | undefined;
    if (change.id !== undefined) {
      key = `p${change.id}`;
      if (!people.has(key)) {
        problem('id', `没有编号为 ${change.id} 的人员（新增人员请不填编号）`);
        personKeys.push(`m${i}`);
        return;
      }
    } else if (!change.create && s.name !== undefined) {
      const same = existingPeople.filter(([, p]) => p.values.name === s.name && (s.unit === undefined || p.values.unit === (unit ?? null)));
      if (same.length > 1) {
        problem('name', `通讯录中有 ${same.length} 位「${s.name}」${s.unit === undefined ? '，请填写所在单位或编号' : '在同一单位，请填写编号'}`);
      } else if (same.length === 1) key = same[0][0];
    }
    const identity = `${s.name ?? ''}\u0000${unit ?? ''}`;
    if (!key && !change.create && s.name !== undefined) key = newPeople.get(identity);
    key ??= `m${i}`;
    if (!people.has(key)) newPeople.set(identity, key);
    personKeys.push(key);
    const earlier = claimedPerson.get(key);
    if (earlier) {
      problem(change.id !== undefined ? 'id' : 'name', `重复的人员：与${rowWord(earlier.row)}是同一人「${s.name ?? people.get(key)?.values.name ?? ''}」`);
      return;
    }
    claimedPerson.set(key, change);
    const before = people.get(key);
    if (!before && s.name === undefined) problem('name', '新增人员须填写姓名');
    const v = before?.values ?? { name: '', post: '', unit: null, email: '', mobile: '', retiredOn: null };
    people.set(key, {
      existing: before?.existing,
      change,
      values: {
        name: s.name ?? v.name,
        post: s.post ?? v.post,
        unit: unit !== undefined ? unit : v.unit,
        email: s.email ?? v.email,
        mobile: s.mobile ?? v.mobile,
        retiredOn: s.retiredOn !== undefined ? s.retiredOn : v.retiredOn,
      },
    });
  });

  const resolvePerson = (ref: PersonRef): { key: Key } | { problem: string } => {
    if ('id' in ref) return people.has(`p${ref.id}`) ? { key: `p${ref.id}` } : { problem: `没有编号为 ${ref.id} 的人员` };
    let unit: Key | undefined;
    if (ref.unit) {
      const found = resolveUnit(ref.unit, '任职人员的所在单位');
      if ('problem' in found) return found;
      unit = found.key;
    }
    const same = [...people].filter(([, p]) => p.values.name === ref.name && (!ref.unit || p.values.unit === unit));
    if (same.length === 1) return { key: same[0][0] };
    const where = ref.unit ? `（所在单位「${'name' in ref.unit ? ref.unit.name : ref.unit.id}」）` : '';
    if (same.length > 1) return { problem: `有 ${same.length} 位「${ref.name}」${where}，请填写所在单位以区分` };
    return { problem: `找不到任职人员「${ref.name}」${where}：通讯录中没有，本次填写的人员中也没有` };
  };

  // ------------------------------------------------------------------ posts
  interface PostState {
    values: Omit<DirectoryPostValues, 'personId' | 'unitIds'> & { person: Key; units: Key[] };
    existing?: number;
    change?: PostChange;
  }
  const posts = new Map<Key, PostState>();
  for (const p of postRows) {
    posts.set(`t${p.id}`, {
      existing: p.id,
      values: { role: p.role, person: `p${p.person_id}`, units: p.unit_ids.map((id) => `u${id}`), retiredOn: p.retired_on },
    });
  }
  const existingPosts = [...posts];
  const postChanges = changes.posts ?? [];
  const postKeys: Key[] = [];
  const claimedPost = new Map<Key, PostChange>();
  postChanges.forEach((change, i) => {
    const problem = (field: string, message: string) => problems.push({ entry: 'post', row: change.row, field, message });
    const s = change.set;
    let person: Key | undefined;
    if (s.person !== undefined) {
      const found = resolvePerson(s.person);
      if ('problem' in found) problem('person', found.problem);
      else person = found.key;
    }
    let unitList: Key[] | undefined;
    if (s.units !== undefined) {
      unitList = [];
      for (const ref of s.units) {
        const found = resolveUnit(ref, '分管单位');
        if ('problem' in found) problem('units', found.problem);
        else if (!unitList.includes(found.key)) unitList.push(found.key);
      }
    }
    let key: Key | undefined;
    if (change.id !== undefined) {
      key = `t${change.id}`;
      if (!posts.has(key)) {
        problem('id', `没有编号为 ${change.id} 的领导职务（新增请不填编号）`);
        postKeys.push(`q${i}`);
        return;
      }
    } else if (!change.create && s.role !== undefined && person !== undefined) {
      key = existingPosts.find(([, p]) => p.values.role === s.role && p.values.person === person)?.[0];
    }
    key ??= `q${i}`;
    postKeys.push(key);
    const earlier = claimedPost.get(key);
    if (earlier) {
      problem(change.id !== undefined ? 'id' : 'person', `重复的领导职务：与${rowWord(earlier.row)}相同`);
      return;
    }
    claimedPost.set(key, change);
    const before = posts.get(key);
    if (!before && (s.role === undefined || s.person === undefined)) problem(s.role === undefined ? 'role' : 'person', '新增领导职务须填写职务和姓名');
    const v = before?.values;
    posts.set(key, {
      existing: before?.existing,
      change,
      values: {
        role: s.role ?? v?.role ?? 'groupLeader',
        person: person ?? v?.person ?? '',
        units: unitList ?? v?.units ?? [],
        retiredOn: s.retiredOn !== undefined ? s.retiredOn : (v?.retiredOn ?? null),
      },
    });
  });
  // One person holds a post once.
  const heldBy = new Map<string, Key[]>();
  for (const [key, p] of posts) if (p.values.person) heldBy.set(`${p.values.role}/${p.values.person}`, [...(heldBy.get(`${p.values.role}/${p.values.person}`) ?? []), key]);
  for (const keys of heldBy.values()) {
    if (keys.length < 2) continue;
    for (const key of keys) {
      const p = posts.get(key)!;
      if (!p.change || claimedPost.get(key) !== p.change) continue;
      const other = keys.find((k) => k !== key)!;
      const o = posts.get(other)!;
      const where = o.change ? `${rowWord(o.change.row)}` : `通讯录中已有的领导职务（编号 ${other.slice(1)}）`;
      problems.push({
        entry: 'post',
        row: p.change.row,
        field: 'person',
        message: `重复的领导职务：「${people.get(p.values.person)?.values.name ?? ''}」任${DIRECTORY_POST_NAMES[p.values.role]}已见于${where}`,
      });
    }
  }

  // ------------------------------------------------------------------ writing
  async function write(client: Queryable): Promise<DirectoryChangeSummary> {
    const counts = () => ({ created: 0, updated: 0, unchanged: 0 });
    const summary: DirectoryChangeSummary = { units: counts(), people: counts(), posts: counts(), ids: { units: [], people: [], posts: [] } };
    const ids = new Map<Key, number>();
    for (const [key, u] of units) if (u.existing !== undefined) ids.set(key, u.existing);
    for (const [key, p] of people) if (p.existing !== undefined) ids.set(key, p.existing);
    for (const [key, p] of posts) if (p.existing !== undefined) ids.set(key, p.existing);
    const idOf = (key: Key | null) => (key === null ? null : ids.get(key)!);
    const unitRow = new Map(unitRows.map((r) => [r.id, r]));
    const personRow = new Map(peopleRows.map((r) => [r.id, r]));
    const postRow = new Map(postRows.map((r) => [r.id, r]));

    // Parents before the units under them: a new parent needs its id first.
    const written = new Set<Key>();
    const writeUnit = async (key: Key): Promise<void> => {
      const u = units.get(key)!;
      if (written.has(key) || !u.change) return;
      written.add(key);
      if (u.values.parent && units.get(u.values.parent)!.change) await writeUnit(u.values.parent);
      const values: DirectoryUnitValues = { ...u.values, parentId: idOf(u.values.parent) };
      if (u.existing === undefined) {
        ids.set(key, await insertDirectoryUnit(client, values));
        summary.units.created++;
      } else if (sameUnit(unitRow.get(u.existing)!, values)) {
        summary.units.unchanged++;
      } else {
        await updateDirectoryUnit(client, u.existing, values);
        summary.units.updated++;
      }
    };
    for (const key of unitKeys) await writeUnit(key);

    for (const key of personKeys) {
      const p = people.get(key)!;
      const values: DirectoryPersonValues = { ...p.values, unitId: idOf(p.values.unit) };
      if (p.existing === undefined) {
        ids.set(key, await insertDirectoryPerson(client, values));
        summary.people.created++;
      } else if (samePerson(personRow.get(p.existing)!, values)) {
        summary.people.unchanged++;
      } else {
        await updateDirectoryPerson(client, p.existing, values);
        summary.people.updated++;
      }
    }

    for (const key of postKeys) {
      const p = posts.get(key)!;
      const values: DirectoryPostValues = {
        role: p.values.role,
        personId: ids.get(p.values.person)!,
        unitIds: p.values.units.map((u) => ids.get(u)!),
        retiredOn: p.values.retiredOn,
      };
      if (p.existing === undefined) {
        ids.set(key, await insertDirectoryPost(client, values));
        summary.posts.created++;
      } else if (samePost(postRow.get(p.existing)!, values)) {
        summary.posts.unchanged++;
      } else {
        await updateDirectoryPost(client, p.existing, values);
        summary.posts.updated++;
      }
    }
    summary.ids = { units: unitKeys.map((k) => ids.get(k)!), people: personKeys.map((k) => ids.get(k)!), posts: postKeys.map((k) => ids.get(k)!) };
    return summary;
  }

  return { problems, write };
}

/**
 * A unit's robots after a change. A secret the export showed masked (maskSecret, maskWebhook) and
 * imported as it was is the directory's own, kept; a masked value that is not is refused. A 钉钉
 * robot needs its 加签 secret and the secret its robot.
 */
function robotsOf(s: Partial<UnitSet>, before: DirectoryRobots, problem: (field: string, message: string) => void): DirectoryRobots {
  const value = (field: keyof DirectoryRobots, mask: (v: string) => string) => {
    const given = s[`robots.${field}`];
    if (given === undefined) return before[field];
    if (!isMasked(given)) return given;
    if (before[field] && mask(before[field]) === given) return before[field];
    problem(`robots.${field}`, '这是导出时隐藏了的密钥（****），与通讯录中已有的不符：请填写完整的值，或 env:变量名');
    return before[field];
  };
  const robots = { wecom: value('wecom', maskWebhook), dingtalk: value('dingtalk', maskWebhook), dingtalkSecret: value('dingtalkSecret', maskSecret) };
  if (robots.dingtalk && !robots.dingtalkSecret) problem('robots.dingtalkSecret', '填写了钉钉机器人，却没有钉钉加签密钥');
  if (robots.dingtalkSecret && !robots.dingtalk) problem('robots.dingtalk', '填写了钉钉加签密钥，却没有钉钉机器人');
  return robots;
}

const sameList = <T>(a: T[], b: T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function sameUnit(row: Awaited<ReturnType<typeof listDirectoryUnits>>[number], v: DirectoryUnitValues): boolean {
  return (
    row.name === v.name &&
    sameList(row.short_names, v.shortNames) &&
    row.kind === v.kind &&
    row.parent_id === v.parentId &&
    row.principal_name === v.principal.name &&
    row.principal_post === v.principal.post &&
    row.principal_email === v.principal.email &&
    row.principal_mobile === v.principal.mobile &&
    row.contact_name === v.contact.name &&
    row.contact_post === v.contact.post &&
    row.contact_email === v.contact.email &&
    row.contact_mobile === v.contact.mobile &&
    row.wecom_robot === (v.robots?.wecom ?? '') &&
    row.dingtalk_robot === (v.robots?.dingtalk ?? '') &&
    row.dingtalk_secret === (v.robots?.dingtalkSecret ?? '') &&
    row.retired_on === v.retiredOn
  );
}

function samePerson(row: Awaited<ReturnType<typeof listDirectoryPeople>>[number], v: DirectoryPersonValues): boolean {
  return row.name === v.name && row.post === v.post && row.unit_id === v.unitId && row.email === v.email && row.mobile === v.mobile && row.retired_on === v.retiredOn;
}

function samePost(row: Awaited<ReturnType<typeof listDirectoryPosts>>[number], v: DirectoryPostValues): boolean {
  return row.role === v.role && row.person_id === v.personId && sameList(row.unit_ids, v.unitIds) && row.retired_on === v.retiredOn;
}
