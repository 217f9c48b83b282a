// The plan read → a campaign definition in YAML, with comments saying from which line each item was read
// and what was defaulted. Unknown e-mail addresses are placeholders on the reserved .invalid domain.
import { Document, isMap, isPair, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { LEADER_ROLE_NAMES, PLACEHOLDER_EMAIL_DOMAIN, type UNIT_KINDS } from '../domain/definition.js';
import type { DirectoryUnitKind } from '../domain/directory.js';
import { lookupComment, MATCH_HOW_NAMES, type DirectoryMatches } from './directory.js';
import { toSimplified } from './normalise.js';
import { IdPool, isSlug, pinyinSlug } from './ids.js';
import type { PlanModel, RuleData } from './model.js';
import { FREQUENCY_NAMES } from './engine-rules.js';
import { EVIDENCE_FORMS } from './extract-rules.js';
import { lineRef } from './text.js';
import { UNASSIGNED_UNIT_NAME, unitStem } from './units.js';

export const TO_FILL = '待填写';

type Path = (string | number)[];
interface Comment {
  path: Path;
  before?: string[];
  inline?: string;
}

export interface BuiltDefinition {
  yaml: string;
  id: string;
  /** Number of placeholder e-mail addresses and names left for a person to fill in. */
  placeholderEmails: number;
  placeholderNames: number;
  /** What the 通讯录 filled in, when one was given. */
  directory?: DirectoryFilled;
}

/** Counts of what the 通讯录 filled in and proposed. */
export interface DirectoryFilled {
  units: number;
  leaders: number;
  /** By how they were found: 精确, 简称, 繁简或后缀, 职务. */
  byHow: Record<string, number>;
  /** Near names proposed, not taken. */
  fuzzy: number;
}

/** The definition's kinds have no 街道: a street is a community's level of the record (as the importer reads 街道). */
export const DEFINITION_KIND: Record<DirectoryUnitKind, (typeof UNIT_KINDS)[number]> = {
  department: 'department',
  street: 'community',
  community: 'community',
  enterprise: 'enterprise',
  other: 'other',
};

const email = (local: string) => `${local}@${PLACEHOLDER_EMAIL_DOMAIN}`;
/** A name or post taken from the 通讯录, in Simplified characters like the rest of the definition ('' stays ''). */
const zh = (text: string) => (text ? toSimplified(text.trim()) : '');

const RULE_NAMES: Record<string, string> = {
  weeklyCheck: '每周一检查',
  monthlyCheck: '每月检查',
  monthlyBulletin: '每月一通报',
  quarterlyDispatch: '每季一调度',
  weeklyDispatch: '每周一调度',
  biweeklyDispatch: '每两周一调度',
  halfMonthlyDispatch: '每半月一调度',
  tenDaysDispatch: '每旬一调度',
  monthlyDispatch: '每月一调度',
  halfYearSummary: '半年一小结',
  yearEndSummary: '年终总结',
  dispatch: '调度',
  bimonthlyAssessment: '测评',
  monthlyMaterials: '每月报送材料',
  materials: '报送材料',
  routinePatrol: '日常巡查',
  overdueNotice: '逾期通报',
  criticismNotice: '通报批评',
  supervisionLetter: '督办函',
  interview: '约谈',
  accountabilityReferral: '追责',
  enterprises: '拒不整改的企业',
  parkWideNotice: '全园区通报',
  complaints: '群众来信来访、媒体曝光',
  reportToSuperior: '向上级报告并建议处罚',
  lastPlace: '排名末位',
  consecutiveLastPlace: '连续末位',
  stillFailing: '仍整改不力',
  publishResults: '测评结果通报',
  reportTo: '测评结果报送',
  performance: '纳入绩效考核',
  performanceDeduction: '扣减绩效',
};

export const EVERY_MONTHS: Record<number, string> = { 1: '每月', 2: '每两月', 3: '每季', 6: '每半年' };

/** The plan as a definition; with the 通讯录's matches, the units and leaders it found are filled in from it. */
export function buildDefinition(model: PlanModel, outputName?: string, matches?: DirectoryMatches): BuiltDefinition {
  const at = (line?: number) => lineRef(line, model.lineUnit);
  const comments: Comment[] = [];
  const note = (path: Path, before?: (string | undefined)[], inline?: string) => {
    const lines = (before ?? []).filter((b): b is string => !!b);
    comments.push({ path, before: lines.length ? lines : undefined, inline });
  };
  let placeholderEmails = 0;
  let placeholderNames = 0;
  const placeholder = (local: string) => {
    placeholderEmails++;
    return email(local);
  };

  const { source, office } = model;

  // ---- ids
  const stem = model.fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '');
  let id: string;
  let idNote: string;
  if (isSlug(stem) && stem !== '-') {
    id = stem;
    idNote = '取自文件名';
  } else {
    const place = office.documentPrefix.replace(/(创城|创文|创建)$/, '');
    const py = place ? pinyinSlug(place, { max: 30 }) : '';
    id = py ? `${py}-${source.period.year}` : `plan-${source.period.year}`;
    idNote = '按发文单位与年份生成';
  }

  const leaderIds = new IdPool();
  const leaderIdOf = new Map<string, string>();
  const filled: DirectoryFilled = { units: 0, leaders: 0, byHow: {}, fuzzy: 0 };
  const count = (how: keyof typeof MATCH_HOW_NAMES) => (filled.byHow[MATCH_HOW_NAMES[how]] = (filled.byHow[MATCH_HOW_NAMES[how]] ?? 0) + 1);
  const leaders = model.leaders.map((l) => {
    const lookup = matches?.leaders.get(l);
    const found = lookup?.hit?.entry;
    if (lookup?.hit) {
      filled.leaders++;
      count(lookup.hit.how);
    } else if (lookup?.fuzzy.length) filled.fuzzy++;
    const name = l.name ?? (found ? zh(found.name) : undefined);
    const title = (found && zh(found.post)) || l.title;
    const wanted = name ? pinyinSlug(name, { person: true }) : { groupLeader: 'group-leader', executiveDeputy: 'executive-deputy', deputyLeader: 'deputy-leader', adviser: 'adviser', member: 'member', responsibleLeader: 'responsible-leader' }[l.role];
    const leaderId = leaderIds.take(wanted, 'leader');
    l.id = leaderId;
    if (l.name) leaderIdOf.set(l.name, leaderId);
    if (!name) placeholderNames++;
    return {
      id: leaderId,
      role: l.role,
      name: name ?? TO_FILL,
      ...(title ? { title } : {}),
      email: found?.email || placeholder(leaderId),
    };
  });

  const unitIds = new IdPool();
  const unitEntries = model.units.all();
  const units = unitEntries.map((u) => {
    const wanted = u.name === UNASSIGNED_UNIT_NAME ? 'unassigned' : pinyinSlug(u.person ? u.name : unitStem(u.name), { person: u.person });
    u.id = unitIds.take(wanted, 'unit');
    const leaderId = u.responsibleLeaderName && !u.leaderConflict ? leaderIdOf.get(u.responsibleLeaderName) : undefined;
    const lookup = matches?.units.get(u) ?? matches?.personUnits.get(u);
    if (lookup?.hit) {
      filled.units++;
      count(lookup.hit.how);
    } else if (lookup?.fuzzy.length) filled.fuzzy++;
    const dirUnit = matches?.units.get(u)?.hit?.entry;
    const dirPerson = matches?.personUnits.get(u)?.hit?.entry;
    const principal = dirUnit
      ? {
          name: zh(dirUnit.principal.name) || TO_FILL,
          title: zh(dirUnit.principal.post) || '主要负责人',
          email: dirUnit.principal.email || placeholder(`${u.id}.principal`),
        }
      : { name: u.person ? u.name : TO_FILL, title: (dirPerson && zh(dirPerson.post)) || '主要负责人', email: dirPerson?.email || placeholder(`${u.id}.principal`) };
    const contact = dirUnit
      ? {
          name: zh(dirUnit.contact.name) || (u.contactName ?? TO_FILL),
          ...(dirUnit.contact.post && dirUnit.contact.name ? { title: zh(dirUnit.contact.post) } : {}),
          email: dirUnit.contact.email || placeholder(u.id),
        }
      : { name: u.person ? u.name : (u.contactName ?? TO_FILL), email: dirPerson?.email || placeholder(u.id) };
    placeholderNames += [principal.name, contact.name].filter((n) => n === TO_FILL).length;
    return {
      id: u.id,
      name: dirUnit ? zh(dirUnit.name) : u.name,
      kind: dirUnit ? DEFINITION_KIND[dirUnit.kind] : u.kind,
      principal,
      contact,
      ...(leaderId ? { responsibleLeader: leaderId } : {}),
      // Read from the directory at send time: a new contact there applies to every later mail.
      ...(dirUnit ? { directoryId: dirUnit.id } : {}),
    };
  });

  const tasks = model.tasks.map((t) => {
    t.id = `task-${t.path.join('-')}`;
    return {
      id: t.id,
      title: t.title,
      description: t.description,
      leadUnit: t.lead.id,
      cooperatingUnits: t.cooperating.map((u) => u.id),
      start: t.start,
      deadline: t.deadline,
      ...(t.indicators.length ? { indicators: t.indicators } : {}),
    };
  });
  const taskIds = new IdPool();
  tasks.forEach((t, i) => {
    t.id = taskIds.take(t.id, `task-${i + 1}`);
    model.tasks[i].id = t.id;
  });

  const areas = model.areas.map((a) => ({
    name: a.name,
    ...(a.leaderName && leaderIdOf.has(a.leaderName) ? { responsibleLeader: leaderIdOf.get(a.leaderName) } : {}),
    units: a.units.map((u) => u.id),
    duties: a.duties,
  }));

  // Without a single unit the definition is not valid: the office stands in until someone adds the units.
  if (units.length === 0) {
    const officeUnitId = 'office';
    units.push({
      id: officeUnitId,
      name: office.shortName ?? office.name,
      kind: 'department',
      principal: { name: office.director?.name ?? TO_FILL, title: '主任', email: placeholder(`${officeUnitId}.principal`) },
      contact: { name: TO_FILL, email: placeholder(officeUnitId) },
    });
    placeholderNames += office.director ? 1 : 2;
    note(['units', 0], ['方案没有列出任何责任单位：先以创建办作为唯一单位，请补充各责任单位']);
  }

  const officeUnit = matches?.office?.hit?.entry;
  const officeEmail = officeUnit?.contact.email || placeholder('office');
  const directorPerson = matches?.director?.hit?.entry;
  const directorEmail = office.director ? directorPerson?.email || placeholder('director') : undefined;
  const superiorUnit = matches?.superior?.hit?.entry;
  if (model.rules.superior?.name === TO_FILL) placeholderNames++;
  const data = {
    id,
    title: source.title,
    office: {
      name: office.name,
      documentPrefix: office.documentPrefix,
      email: officeEmail,
      ...(office.director
        ? { director: { name: office.director.name, title: office.director.title, email: directorEmail } }
        : {}),
      // 追责建议 go to the discipline office: every ladder ends there unless the administrator says otherwise.
      discipline: { name: '纪检监察室', email: placeholder('discipline') },
      ...(model.rules.superior
        ? { superior: { name: model.rules.superior.name, email: superiorUnit?.contact.email || placeholder('superior') } }
        : {}),
    },
    timeZone: 'Asia/Shanghai',
    start: source.period.start,
    end: source.period.end,
    source: {
      title: source.title,
      ...(source.issuingBody ? { issuingBody: source.issuingBody } : {}),
      period: source.period.label,
      references: source.references.map((r) => r.text),
    },
    leaders,
    units,
    ...(areas.length ? { areas } : {}),
    ...(model.phases.length ? { phases: model.phases.map((p) => ({ name: p.name, start: p.start, end: p.end })) } : {}),
    tasks,
    ...(model.indicators.length
      ? {
          indicators: model.indicators.map((i) => ({
            text: i.text,
            ...(i.metric ? { metric: i.metric } : {}),
            ...(i.operator ? { operator: i.operator } : {}),
            value: i.value,
            ...(i.unit ? { unit: i.unit } : {}),
          })),
        }
      : {}),
    ...(Object.keys(model.rules.cadences).length ? { cadences: model.rules.cadences } : {}),
    ...(model.rules.escalation.ladder.length || Object.keys(model.rules.escalation).length > 1
      ? { escalation: model.rules.escalation }
      : {}),
    ...(Object.keys(model.rules.assessment).length ? { assessment: model.rules.assessment } : {}),
    ...(model.rules.manual.length ? { manual: model.rules.manual.map((m) => ({ rule: m.rule, ...(m.line ? { line: m.line } : {}), reason: m.reason })) } : {}),
  };

  // ---- comments
  note(['id'], undefined, idNote);
  note(['title'], undefined, source.titleLine ? at(source.titleLine) : '方案正文无标题，按发文单位、年份与创建名称拼成');
  note(
    ['office'],
    [
      office.nameLine ? `创建办：${at(office.nameLine)}` : '创建办：方案未写全称',
      office.shortName ? `${office.shortNameDeclared ? '简称' : '方案中又称'}：${office.shortName}` : undefined,
      office.location ? `办公地点：${office.location.text}（${at(office.location.line)}；定义格式暂无此字段）` : undefined,
      ...office.deputies.map((d) => `副主任：${d.name}（${at(d.line)}；定义格式暂无此字段）`),
    ],
  );
  if (office.nameDefaulted) note(['office', 'name'], undefined, '默认：方案未写全称');
  note(['office', 'documentPrefix'], undefined, '文号前缀，按发文单位简称与方案用语推定，请确认');
  note(['office', 'email'], undefined, officeUnit?.contact.email ? `通讯录「${officeUnit.name}」的联系人邮箱` : TO_FILL);
  if (matches?.office) note(['office'], [lookupComment(matches.office, '单位')?.replace(/；名称.*$/, '')]);
  if (office.director) note(['office', 'director'], [lookupComment(matches?.director, '人员')], at(office.director.line));
  const periodNote = {
    range: `取自${at(source.period.line)}「${source.period.label}」`,
    phases: `按各阶段起止（${at(source.period.line)}起）`,
    year: `方案只写了年份，取 ${source.period.year} 年全年`,
    fileName: `正文没有年份，按文件名取 ${source.period.year} 年`,
    today: '默认：正文和文件名都没有年份，请核对',
  }[source.period.how];
  note(['start'], undefined, periodNote);
  note(['end'], undefined, periodNote);
  note(
    ['source'],
    [
      '方案出处',
      source.issuingBodyLine ? `发文单位：${at(source.issuingBodyLine)}` : source.issuingBody ? '发文单位：取自标题' : '发文单位：方案中未能确定',
      source.documentNumber ? `方案文号：${source.documentNumber.text}（${at(source.documentNumber.line)}；定义格式暂无此字段）` : undefined,
      source.issueDate ? `印发日期：${source.issueDate.date}（${at(source.issueDate.line)}）` : undefined,
    ],
  );
  source.references.forEach((r, i) => note(['source', 'references', i], undefined, at(r.line)));

  note(['leaders'], [
    leaders.length ? undefined : '方案没有写领导小组成员的姓名',
    ...model.leadershipNotes.map((n) => `${n.message}（${at(n.line)}）`),
  ]);
  model.leaders.forEach((l, i) => {
    const lookup = matches?.leaders.get(l);
    note(['leaders', i], [
      `${at(l.line)} ${l.group ? l.title ?? l.group : LEADER_ROLE_NAMES[l.role]}${l.alsoRoles.length ? `；又任${l.alsoRoles.join('、')}` : ''}`,
      l.name ? undefined : lookup?.hit ? `方案只写了职务${l.title ? `「${l.title}」` : ''}` : `方案只写了职务，姓名${TO_FILL}`,
      lookupComment(lookup, '人员'),
    ]);
  });

  unitEntries.forEach((u, i) => {
    const spellings = [...u.spellings.entries()];
    const lines = [...new Set(spellings.flatMap(([, ls]) => ls))].sort((a, b) => a - b);
    const others = spellings.filter(([name]) => name !== u.name);
    note(['units', i], [
      `${at(lines[0])}${lines.length > 1 ? `；又见${lines.slice(1).map((l) => at(l)).join('、')}` : ''}`,
      others.length ? `原文也写作${others.map(([n, ls]) => `「${n}」（${ls.map((l) => at(l)).join('、')}）`).join('、')}，视为同一单位` : undefined,
      u.person ? '方案只写了个人（责任人），按个人建为责任单位' : undefined,
      u.name === UNASSIGNED_UNIT_NAME
        ? `方案未写明责任单位的 ${model.tasks.filter((t) => t.lead === u).length} 项任务暂列于此：请把各任务的 leadUnit 改为实际单位，再删去此项`
        : undefined,
      u.leaderConflict ? '分属不同项目区的责任领导，未填 responsibleLeader' : undefined,
      lookupComment(matches?.units.get(u), '单位') ?? lookupComment(matches?.personUnits.get(u), '人员'),
      units[i] && units[i].name !== u.name ? `方案写作「${u.name}」，名称按通讯录` : undefined,
    ]);
    if (units[i]?.responsibleLeader) {
      const area = model.areas.find((a) => a.units.includes(u));
      note(['units', i, 'responsibleLeader'], undefined, area ? `按项目区「${area.name}」的责任领导` : '按任务的责任领导');
    }
  });

  model.areas.forEach((a, i) => {
    note(['areas', i], [`${at(a.line)}`, ...a.notes]);
    if (areas[i].responsibleLeader) note(['areas', i, 'responsibleLeader'], undefined, at(a.leaderLine));
  });

  model.phases.forEach((p, i) => note(['phases', i], [`${at(p.line)}「${p.text}」`]));

  model.tasks.forEach((t, i) => {
    const persons = t.persons.map((p) => `${p.kind === 'leader' ? '责任领导' : '责任人'}：${p.name}（${at(p.line)}）`);
    note(['tasks', i], [
      `${at(t.line)}「${t.ref.length > 40 ? `${t.ref.slice(0, 40)}…` : t.ref}」${t.labelLines.length ? `；责任见${t.labelLines.map((l) => at(l)).join('、')}` : ''}`,
      ...persons,
      ...t.notes,
    ]);
    note(['tasks', i, 'start'], undefined, t.startNote);
    note(['tasks', i, 'deadline'], undefined, t.deadlineNote);
  });

  model.indicators.forEach((ind, i) =>
    note(['indicators', i], [`${at(ind.line)}${ind.operatorDefaulted ? '；原文没有比较词，按「不低于」理解' : ''}`]),
  );

  note(['cadences'], ['只执行这里列出的周期性工作：注明行号的取自方案，proposed: true 的是建议（方案未写），保留则执行，不需要请删去']);
  for (const [key, rule] of Object.entries(model.rules.cadences)) {
    note(['cadences', key], [rule.proposed ? proposalComment(key, model, at) : cadenceComment(key, rule, at)]);
    if (key === 'weeklyCheck' && !rule.proposed) note(['cadences', key, 'weekday'], undefined, '方案未写星期几，默认周一');
  }
  note(['office', 'discipline'], undefined, '追责建议的主送：请填写纪检监察部门的名称和邮箱');
  if (model.rules.superior) note(['office', 'superior'], undefined, `上级：方案写明向其报告（${at(model.rules.superior.line)}）；请填写${model.rules.superior.name === TO_FILL ? '名称和' : ''}邮箱`);
  if (model.rules.manual.length) {
    note(['manual'], ['不自动执行：方案中的这些规则，引擎不会执行，请创建办按原文办理']);
    model.rules.manual.forEach((m, i) => note(['manual', i], [m.line ? at(m.line) : undefined]));
  }
  model.rules.escalation.ladder.forEach((r, i) => {
    const name = `${RULE_NAMES[r.rung] ?? r.rung}${r.rectificationDeadline ? '、限期整改' : ''}`;
    note(['escalation', 'ladder', i], [r.line ? `${name}（${at(r.line)}）` : `${name}（方案未写，按默认阶梯）`]);
  });
  if (model.rules.escalation.ladder.length) note(['escalation', 'ladder'], ['逐级督办的阶梯：方案写到的各级注明行号，其余按默认阶梯补齐']);
  for (const [key, value] of Object.entries(model.rules.escalation)) {
    if (key === 'ladder') continue;
    const rule = value as RuleData;
    note(['escalation', key], [`${RULE_NAMES[key] ?? key}（${ruleLines(rule, at)}）`]);
  }
  for (const [key, rule] of Object.entries(model.rules.assessment)) {
    note(['assessment', key], [`${RULE_NAMES[key] ?? key}（${ruleLines(rule, at)}）`]);
  }

  // ---- the document
  const doc = new Document(data);
  doc.commentBefore = header(model, id, outputName, placeholderEmails, placeholderNames, at, matches ? filled : undefined);
  for (const c of comments) apply(doc, c);
  flowStyle(doc);
  const yaml = doc.toString({ lineWidth: 0, indent: 2 });
  return { yaml, id, placeholderEmails, placeholderNames, ...(matches ? { directory: filled } : {}) };
}

/** 通讯录：已填写单位 3 个、领导 2 人（精确 2、简称 2、职务 1）；模糊匹配 1 处未采用，请核对（见注释）。 */
export function directoryWords(d: DirectoryFilled): string {
  const order = Object.values(MATCH_HOW_NAMES);
  const how = Object.entries(d.byHow)
    .sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
    .map(([k, n]) => `${k} ${n}`);
  return (
    `通讯录：已填写单位 ${d.units} 个、领导 ${d.leaders} 人${how.length ? `（${how.join('、')}）` : ''}` +
    `${d.fuzzy ? `；模糊匹配 ${d.fuzzy} 处未采用，请核对（见注释）` : ''}；其余仍为占位。`
  );
}

function ruleLines(rule: RuleData, at: (line?: number) => string): string {
  const lines = Array.isArray(rule.lines) ? (rule.lines as number[]) : [rule.line];
  return lines.map((l) => at(l)).join('、');
}

function proposalComment(key: string, model: PlanModel, at: (line?: number) => string): string {
  if (key === 'bimonthlyAssessment') {
    const lines = Object.values(model.rules.assessment).map((r) => r.line);
    return `建议：方案写了测评排名的规则（${lines.map((l) => at(l)).join('、')}），未写测评周期，暂按每两个月一次；请按方案核对`;
  }
  if (key === 'weeklyCheck') return '建议（方案未写）：每周一 09:00 向创建办报告每周检查情况；删去则不发（各任务仍每周一催办一周未报送进展的单位）';
  return `建议（方案未写）：${RULE_NAMES[key] ?? key}`;
}

function cadenceComment(key: string, rule: RuleData, at: (line?: number) => string): string {
  const name = RULE_NAMES[key] ?? key;
  if (key === 'dispatch') {
    const who = (['office', 'deputies', 'leaders'] as const)
      .filter((k) => rule[k])
      .map((k) => `${{ office: '创建办', deputies: '分管领导', leaders: '主要领导' }[k]}${FREQUENCY_NAMES[rule[k] as string] ?? rule[k]}`);
    return `调度：${who.join('、')}（${at(rule.line)}）`;
  }
  if (key === 'bimonthlyAssessment') {
    return `${EVERY_MONTHS[rule.everyMonths as number] ?? `每${rule.everyMonths}个月`}${rule.method ?? '测评'}（${at(rule.line)}）`;
  }
  if (rule.forms) {
    const names = Object.entries(EVIDENCE_FORMS)
      .filter(([, v]) => (rule.forms as string[]).includes(v))
      .map(([k]) => k);
    return `${name}：${names.join('、')}（${at(rule.line)}${rule.formsLine ? `、${at(rule.formsLine as number)}` : ''}）`;
  }
  return `${name}（${at(rule.line)}）`;
}

function header(
  model: PlanModel,
  id: string,
  outputName: string | undefined,
  emails: number,
  names: number,
  at: (line?: number) => string,
  directory?: DirectoryFilled,
): string {
  const lines = [
    ` ${model.source.title}`,
    ` 由 chuangwen plan import 从「${model.fileName.replace(/^.*[\\/]/, '')}」生成（${model.encoding.toUpperCase()}${model.converted ? '，繁体已转为简体' : ''}）。`,
    ` 注释中的「${at(1).replace('1', 'N')}」指${model.lineUnit === '段' ? '从文档（Word、Excel 或 PDF）提取出的段落（表格按行展开）' : '方案原文的行号'}；注明「默认」「推定」的值请核对。`,
    ` 待填写：${emails} 处占位邮箱（@${PLACEHOLDER_EMAIL_DOMAIN}）${names ? `、${names} 处「${TO_FILL}」的姓名` : ''}。`,
    ...(directory ? [` ${directoryWords(directory)}`] : []),
    ` 填好后运行：chuangwen plan validate ${outputName ?? `${id}.yaml`}`,
  ];
  if (model.warnings.length) {
    lines.push('', ` 提醒（${model.warnings.length} 条）：`);
    for (const w of model.warnings) lines.push(`   ${w.line ? `${at(w.line)}：` : ''}${w.message}`);
  }
  if (model.unplaced.length) {
    lines.push('', ` 未能归类、未写入定义的内容（${model.unplaced.length} 处）：`);
    for (const u of model.unplaced) lines.push(`   ${u.line ? `${at(u.line)}：` : ''}${u.message}`);
  }
  return lines.join('\n');
}

/** Puts a comment before the item or key at the path, or at the end of its line. */
function apply(doc: Document, comment: Comment): void {
  const { path, before, inline } = comment;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  if (before) {
    const text = before.map((b) => ` ${b}`).join('\n');
    if (isSeq(parent) && typeof last === 'number') {
      const item = parent.items[last] as Node | undefined;
      if (item) item.commentBefore = join(item.commentBefore, text);
    } else if (isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last) as Pair | undefined;
      if (pair && isScalar(pair.key)) pair.key.commentBefore = join(pair.key.commentBefore, text);
    }
  }
  if (inline) {
    const node = doc.getIn(path, true);
    if (isScalar(node)) node.comment = ` ${inline}`;
    else if (isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last) as Pair | undefined;
      if (pair && isScalar(pair.key)) pair.key.commentBefore = join(pair.key.commentBefore, ` ${inline}`);
    }
  }
}

function join(a: string | null | undefined, b: string): string {
  return a ? `${a}\n${b}` : b;
}

/** Short maps and lists on one line: principal/contact, cooperating units, an area's units. */
function flowStyle(doc: Document): void {
  const flow = (path: Path) => {
    const node = doc.getIn(path, true);
    if (isMap(node) || isSeq(node)) node.flow = true;
  };
  const units = doc.get('units', true);
  if (isSeq(units)) {
    units.items.forEach((_, i) => {
      flow(['units', i, 'principal']);
      flow(['units', i, 'contact']);
    });
  }
  const tasks = doc.get('tasks', true);
  if (isSeq(tasks)) tasks.items.forEach((_, i) => flow(['tasks', i, 'cooperatingUnits']));
  const areas = doc.get('areas', true);
  if (isSeq(areas)) areas.items.forEach((_, i) => flow(['areas', i, 'units']));
  const ladder = doc.getIn(['escalation', 'ladder'], true);
  if (isSeq(ladder)) ladder.items.forEach((item) => isMap(item) && (item.flow = true));
  for (const key of ['cadences', 'escalation', 'assessment']) {
    const rules = doc.get(key, true);
    if (!isMap(rules)) continue;
    for (const pair of rules.items) {
      if (isMap(pair.value)) {
        for (const inner of pair.value.items) if (isSeq(inner.value)) inner.value.flow = true;
      }
    }
  }
  const phases = doc.get('phases', true);
  if (isSeq(phases)) phases.items.forEach((item) => isMap(item) && (item.flow = true));
}
