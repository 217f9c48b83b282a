// The organisation a plan sets up: the leadership group (顾问, 组长, 常务副组长, 副组长, 成员) and any
// working groups, the office (创建办) with its director and location, and the areas (项目区).
import { LEADER_ROLE_NAMES, type LeaderRole } from '../domain/definition.js';
import { groupEstablished } from './extract-source.js';
import type { LabelSet } from './labels.js';
import type { AreaDraft, LeaderDraft, OfficeDraft, SourceInfo } from './model.js';
import { isPersonName, splitNames } from './names.js';
import { paragraphs, sectionLabels, type PlanDocument, type Section } from './structure.js';
import { HAN, mostFrequent, prose, trimPunctuation, type Note } from './text.js';
import { splitUnits, type UnitRegistry } from './units.js';

const H = `[${HAN}]`;
const ROLE_ORDER: LeaderRole[] = ['groupLeader', 'executiveDeputy', 'deputyLeader', 'adviser', 'member', 'responsibleLeader'];

export interface Organisation {
  /** Leaders so far; tasks may add their responsible leaders before orderedLeaders() lists them. */
  book: LeaderBook;
  leadershipNotes: Note[];
  office: OfficeDraft;
  areas: AreaDraft[];
}

interface Group {
  name?: string;
  line: number;
  main: boolean;
  /** Who holds which role in a working group, in the plan's words (组长欧阳小文, 成员园区全体干部职工). */
  members: { role: LeaderRole; name?: string; text: string }[];
}

export class LeaderBook {
  readonly leaders: LeaderDraft[] = [];

  /**
   * Adds a person in a role, or notes the role on the entry already there (`described` says the role in words,
   * e.g. 网格帮扶工作小组组长). A person keeps the highest of their leadership-group roles.
   */
  add(draft: Omit<LeaderDraft, 'alsoRoles'>, described = describeRole(draft.role, draft.group)): LeaderDraft {
    const existing = draft.name
      ? this.leaders.find((l) => l.name === draft.name)
      : this.leaders.find((l) => !l.name && l.title === draft.title && l.role === draft.role);
    // "由县委书记任指挥长" and then "指挥长：陈建华": one person, now with a name.
    const postOnly =
      !existing && draft.name && !draft.group
        ? this.leaders.find(
            (l) =>
              !l.name &&
              !l.group &&
              ((l.role === draft.role && this.leaders.filter((o) => o.role === draft.role && !o.name).length === 1) ||
                (l.title && draft.title?.split('、').includes(l.title))),
          )
        : undefined;
    if (postOnly) {
      postOnly.name = draft.name;
      if (ROLE_ORDER.indexOf(draft.role) < ROLE_ORDER.indexOf(postOnly.role)) postOnly.role = draft.role;
      postOnly.title = draft.title ?? postOnly.title;
      postOnly.line = draft.line;
      return postOnly;
    }
    if (!existing) {
      const entry = { ...draft, alsoRoles: [] };
      this.leaders.push(entry);
      return entry;
    }
    const promote =
      !draft.group && (existing.group || ROLE_ORDER.indexOf(draft.role) < ROLE_ORDER.indexOf(existing.role));
    if (promote) {
      existing.alsoRoles.push(existing.group ? (existing.title ?? '') : describeRole(existing.role));
      existing.role = draft.role;
      existing.group = undefined;
      existing.line = draft.line;
    } else if (!existing.alsoRoles.includes(described) && described !== describeRole(existing.role, existing.group)) {
      existing.alsoRoles.push(described);
    }
    if (!draft.group) existing.title ??= draft.title;
    return existing;
  }

  find(name: string): LeaderDraft | undefined {
    return this.leaders.find((l) => l.name === name);
  }
}

export function describeRole(role: LeaderRole, group?: string): string {
  return `${group ?? '领导小组'}${LEADER_ROLE_NAMES[role]}`;
}

export function extractOrganisation(
  doc: PlanDocument,
  source: SourceInfo,
  units: UnitRegistry,
  consumed: LabelSet,
  warnings: Note[],
): Organisation {
  const book = new LeaderBook();
  const leadershipNotes: Note[] = [];
  let mainGroup: Group | undefined;
  let current: Group | undefined;
  const groupOfSection = new Map<Section, Group>();

  for (const p of paragraphs(doc)) {
    const text = prose(p.text);
    const established = p.block?.label ? undefined : groupEstablished(text);
    if (established && established === mainGroup?.name) {
      current = mainGroup;
    } else if (established) {
      // The first group a plan sets up is its leadership group; later ones are working groups.
      // A group named in passing, with nobody listed before the next one, gives way to it.
      const passing = mainGroup && mainGroup.members.length === 0 && !book.leaders.some((l) => l.line === mainGroup!.line);
      current = { name: established, line: p.line, main: !mainGroup || !!passing, members: [] };
      if (current.main) mainGroup = current;
      groupOfSection.set(p.section, current);
      readRolesInProse(text, p.line, current, book);
    }
    const label = p.block?.label;
    if (label?.kind === 'role' && label.role) {
      consumed.add(label);
      const group = current ?? (mainGroup = current = { line: label.line, main: true, members: [] });
      const groupName = group.main ? undefined : subgroupName(group.name);
      const { names, others } = splitNames(label.value);
      for (const n of names) {
        const described = groupName ? `${groupName}${LEADER_ROLE_NAMES[label.role]}` : describeRole(label.role);
        book.add(
          {
            name: n.name,
            title: n.title ?? (groupName ? described : undefined),
            role: groupName ? 'responsibleLeader' : label.role,
            group: groupName,
            line: label.line,
          },
          described,
        );
        group.members.push({ role: label.role, name: n.name, text: `${LEADER_ROLE_NAMES[label.role]}${n.name}` });
      }
      if (others.length > 0) {
        group.members.push({ role: label.role, text: `${LEADER_ROLE_NAMES[label.role]}为${others.join('、')}` });
      }
      if (others.length > 0 && !groupName) {
        leadershipNotes.push({ line: label.line, message: `领导小组${label.key}：${others.join('、')}（未列姓名）` });
      }
      if (groupName) groupOfSection.set(p.section, group);
    }
  }

  const office = extractOffice(doc, source, mainGroup, book, consumed, warnings);
  const areas = extractAreas(doc, book, units, groupOfSection, consumed);

  return { book, leadershipNotes, office, areas };
}

/** The leaders in order: leadership group by rank, then working groups and responsible leaders. */
export function orderedLeaders(book: LeaderBook, warnings: Note[]): LeaderDraft[] {
  const leaders = [...book.leaders].sort(
    (a, b) => Number(!!a.group || a.role === 'responsibleLeader') - Number(!!b.group || b.role === 'responsibleLeader') || a.line - b.line,
  );
  for (const leader of leaders) {
    if (!leader.name) {
      warnings.push({
        line: leader.line,
        message: `${LEADER_ROLE_NAMES[leader.role]}只写了职务「${leader.title}」，姓名待填写`,
      });
    }
  }
  return leaders;
}

/** 网格帮扶工作小组 from 成立桂阳工业园网格帮扶工作小组. */
function subgroupName(name: string | undefined): string {
  return name ?? '工作小组';
}

/** "以园区党工委书记为第一组长，党工委副书记为副组长" and "组长由张三担任". */
function readRolesInProse(text: string, line: number, group: Group, book: LeaderBook): void {
  const roles: Record<string, LeaderRole> = {
    组长: 'groupLeader',
    第一组长: 'groupLeader',
    指挥长: 'groupLeader',
    总指挥: 'groupLeader',
    常务副组长: 'executiveDeputy',
    常务副指挥长: 'executiveDeputy',
    第一副指挥长: 'executiveDeputy',
    副组长: 'deputyLeader',
    副指挥长: 'deputyLeader',
    副总指挥: 'deputyLeader',
    顾问: 'adviser',
  };
  const ROLE = '第一组长|常务副组长|副组长|组长|常务副指挥长|第一副指挥长|副指挥长|指挥长|副总指挥|总指挥|顾问';
  const found: { who: string; role: LeaderRole }[] = [];
  for (const m of text.matchAll(new RegExp(`(?:以|由)?([^，。；、以由]{2,20}?)(?:同志)?(?:兼任|担任|为|任)(${ROLE})`, 'g'))) {
    found.push({ who: m[1], role: roles[m[2]] });
  }
  for (const m of text.matchAll(new RegExp(`(${ROLE})由([^，。；]{2,20}?)(?:同志)?(?:担任|兼任)`, 'g'))) {
    found.push({ who: m[2], role: roles[m[1]] });
  }
  const groupName = group.main ? undefined : subgroupName(group.name);
  for (const { who, role } of found) {
    const person = isPersonName(who);
    book.add({
      name: person ? who : undefined,
      title: person ? undefined : who,
      role: groupName ? 'responsibleLeader' : role,
      group: groupName,
      line,
    });
  }
}

function extractOffice(
  doc: PlanDocument,
  source: SourceInfo,
  mainGroup: Group | undefined,
  book: LeaderBook,
  consumed: LabelSet,
  warnings: Note[],
): OfficeDraft {
  let explicit: { name: string; line: number } | undefined;
  let shortName: string | undefined;
  let director: OfficeDraft['director'];
  const deputies: OfficeDraft['deputies'] = [];
  let location: OfficeDraft['location'];
  const mentions: { name: string; line: number }[] = [];
  const abbreviations: string[] = [];

  for (const p of paragraphs(doc)) {
    const text = prose(p.text);
    const label = p.block?.label;
    if (label?.kind === 'officeDirector' || label?.kind === 'officeDeputy') {
      const { names } = splitNames(label.value);
      for (const n of names) {
        if (label.kind === 'officeDirector') director ??= { name: n.name, title: '办公室主任', line: label.line };
        else deputies.push({ name: n.name, line: label.line });
      }
      if (names.length > 0) consumed.add(label);
      continue;
    }
    if (label?.kind === 'location') {
      location ??= { text: trimPunctuation(label.value), line: label.line };
      consumed.add(label);
      continue;
    }
    const setUp = /下设([^，。；（]{0,20}?办公室|办公室)/.exec(text);
    if (setUp && !explicit) {
      explicit = { name: setUp[1], line: p.line };
      const placedIn = /^（设(?:在|于)?([^（）]+)）/.exec(text.slice((setUp.index ?? 0) + setUp[0].length));
      if (placedIn) location ??= { text: placedIn[1], line: p.line };
    }
    const short = /简称[“"]?([^”"）)，。；]+)/.exec(text);
    if (short && /办/.test(short[1])) shortName ??= short[1];
    const where = /办公(?:地点|地址|场所)(?:设)?(?:在|于|为)([^，。；）]+)/.exec(text) ?? /办公室设(?:在|于)([^，。；）]+)/.exec(text);
    if (where) location ??= { text: where[1], line: p.line };

    const dir = new RegExp(`(?:由)?(${H}{2,4}?)(?:同志)?(?:兼任|担任|任)(?:办公室|创建办|创城办|创文办)?(?<!副)主任`).exec(text) ??
      new RegExp(`(?<!副)主任由(${H}{2,4}?)(?:同志)?(?:兼任|担任)`).exec(text);
    if (dir && isPersonName(dir[1]) && /办公室|创建办|创城办|创文办|下设/.test(text)) {
      director ??= { name: dir[1], title: '办公室主任', line: p.line };
    }
    for (const m of text.matchAll(new RegExp(`(${H}{2,4}?)(?:同志)?(?:兼任|担任|任)(?:办公室)?副主任`, 'g'))) {
      if (isPersonName(m[1]) && !deputies.some((d) => d.name === m[1])) deputies.push({ name: m[1], line: p.line });
    }
    for (const m of text.matchAll(new RegExp(`(${H}*?领导小组办公室)`, 'g'))) {
      const name = m[1].replace(/^.*[在由向对经把将要和与及的为]/, '');
      if (name.length > '领导小组办公室'.length) mentions.push({ name, line: p.line });
    }
    for (const m of text.matchAll(new RegExp(`(${H}{0,4}?(?:创建办|创城办|创文办|文明办))(?!公)`, 'g'))) {
      const name = m[1].replace(/^.*[在由向对经把将要和与及的为被设责负以下]/, '');
      if (!/^(县|市|省|州)/.test(name)) abbreviations.push(name);
    }
  }

  const body = source.issuingBody;
  const withBody = (name: string) =>
    body && !name.startsWith(body) && !(mainGroup?.name && name.startsWith(mainGroup.name)) ? `${body}${name}` : name;

  let name: string;
  let nameLine: number | undefined;
  let nameDefaulted = false;
  if (explicit) {
    nameLine = explicit.line;
    name = explicit.name === '办公室' && mainGroup?.name ? `${mainGroup.name}办公室` : withBody(explicit.name);
  } else if (mentions.length > 0) {
    const best = mostFrequent(mentions.map((m) => m.name))!;
    nameLine = mentions.find((m) => m.name === best)!.line;
    name = withBody(best);
  } else if (mainGroup?.name) {
    name = `${mainGroup.name}办公室`;
    nameLine = mainGroup.line;
    nameDefaulted = true;
  } else if (abbreviations.length > 0) {
    name = withBody(mostFrequent(abbreviations)!);
    nameDefaulted = true;
  } else {
    name = `${body ?? ''}创建文明城市工作领导小组办公室`;
    nameDefaulted = true;
    warnings.push({ message: `方案没有写创建办的名称，暂用「${name}」` });
  }
  const shortNameDeclared = !!shortName;
  shortName ??= mostFrequent(abbreviations);

  if (director) {
    const leader = book.find(director.name);
    if (leader) leader.alsoRoles.push('创建办主任');
  }
  return {
    name,
    nameLine,
    nameDefaulted,
    shortName,
    shortNameDeclared,
    director,
    deputies,
    location,
    documentPrefix: documentPrefix(body, doc.lines.join('\n'), source.documentNumber?.text),
  };
}

const PROVINCES =
  '北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆'.split(
    ' ',
  );
const ZONE_WORDS =
  /(管理委员会|管委会|党工委|经济技术开发区|经济开发区|高新技术产业开发区|高新区|工业园区|工业集中区|产业园区|产业集聚区|开发区|工业园|产业园|园区|新区|集中区)$/;

/** The prefix of document numbers: 北海 + 创城 → 北海创城督办〔2021〕3号. */
export function documentPrefix(body: string | undefined, text: string, ownNumber?: string): string {
  // The plan's own number says it best: 东湖创城〔2022〕1号 → 东湖创城
  const own = ownNumber && /^(.+?)〔/.exec(ownNumber)?.[1];
  if (own && /创城|创文|创建/.test(own) && !/\s/.test(own)) return own.replace(/(创城|创文|创建)(办|发|字|办发)$/, '$1');
  const counts = { 创城: (text.match(/创城/g) ?? []).length, 创文: (text.match(/创文/g) ?? []).length };
  const word = counts.创城 === 0 && counts.创文 === 0 ? '创建' : counts.创城 >= counts.创文 ? '创城' : '创文';
  if (!body) return word;
  let place = body.replace(/(\d{4} ?年)?(创建|创文|创城|文明城市).*$/, '') || body;
  for (const province of PROVINCES) {
    const m = new RegExp(`^${province}(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)?`).exec(place);
    if (m && place.length - m[0].length >= 2) {
      place = place.slice(m[0].length);
      break;
    }
  }
  for (let i = 0; i < 4 && ZONE_WORDS.test(place); i++) {
    const shorter = place.replace(ZONE_WORDS, '');
    if (shorter.length < 2) break;
    place = shorter;
  }
  // 东湖区 → 东湖, 桂阳县 → 桂阳
  if (/^[^\s]{2,}[区县市]$/.test(place) && place.length >= 3) place = place.slice(0, -1);
  return `${place}${word}`;
}

const AREA_PARENT = /责任分工|分工|项目区|片区|包保|分区|网格|区域|责任区/;
const PLACE_TITLE = /(园|园区|项目区|片区|社区|网格|街道|村|区域|小区|组团|板块|帮扶)(（[^）]*）)?$/;

export function isAreaSection(section: Section): boolean {
  const kinds = new Set(sectionLabels(section).map((l) => l.kind));
  const underAreas = !!section.parent?.marker && AREA_PARENT.test(section.parent.title);
  if (underAreas && (kinds.has('leader') || kinds.has('duties') || kinds.has('role'))) return true;
  return kinds.has('leader') && kinds.has('duties') && !kinds.has('cooperating') && PLACE_TITLE.test(section.title);
}

function extractAreas(
  doc: PlanDocument,
  book: LeaderBook,
  units: UnitRegistry,
  groupOfSection: Map<Section, Group>,
  consumed: LabelSet,
): AreaDraft[] {
  const areas: AreaDraft[] = [];
  for (const section of doc.sections) {
    if (!isAreaSection(section)) continue;
    const labels = sectionLabels(section);
    const area: AreaDraft = { name: section.title, line: section.line, units: [], duties: '', notes: [] };
    const duties: string[] = [];
    for (const label of labels) {
      if (label.kind === 'leader' || label.kind === 'person') {
        const { names } = splitNames(label.value);
        if (names[0] && !area.leaderName) {
          area.leaderName = names[0].name;
          area.leaderLine = label.line;
          if (!book.find(names[0].name)) {
            book.add({ name: names[0].name, title: names[0].title, role: 'responsibleLeader', line: label.line });
          }
          consumed.add(label);
        }
      } else if (label.kind === 'lead' || label.kind === 'cooperating') {
        for (const mention of splitUnits(label.value)) {
          const unit = units.add(mention.name, label.line, mention.person);
          if (!area.units.includes(unit)) area.units.push(unit);
        }
        consumed.add(label);
      } else if (label.kind === 'duties' || label.kind === 'goal') {
        duties.push(prose(label.value));
        consumed.add(label);
      }
    }
    // A working group set up for the area: its 组长 leads the area.
    const group = groupOfSection.get(section);
    if (group && !group.main) {
      const chief = group.members.find((m) => m.role === 'groupLeader' && m.name);
      if (chief?.name && !area.leaderName) {
        area.leaderName = chief.name;
        area.leaderLine = group.line;
      }
      const members = group.members.map((m) => m.text);
      duties.push(`成立${group.name}${members.length > 0 ? `（${members.join('，')}）` : ''}`);
    }
    for (const block of section.blocks) {
      if (block.label || groupEstablished(prose(block.text))) continue;
      duties.push(prose(block.text));
    }
    if (section.body && section.bodyLabels.length === 0) duties.unshift(prose(section.body));
    area.duties = duties.filter(Boolean).join('');
    if (area.leaderName) {
      for (const unit of area.units) {
        if (unit.responsibleLeaderName && unit.responsibleLeaderName !== area.leaderName) unit.leaderConflict = true;
        unit.responsibleLeaderName ??= area.leaderName;
      }
    }
    areas.push(area);
  }
  return areas;
}
