// The editor's form, built from a draft's YAML: sections of fields and table rows, each field named
// by its path in the definition (`units[2].contact.email`), with the validation problems of that path
// beside it. A post is read back against the same form, so that only fields the form showed are
// changed, with the types they have, and a field posted as it was shown is left alone.
import type { DefinitionProblem } from '../../domain/definition-yaml.js';
import { CADENCE_NAMES, type CadenceKey } from '../../domain/cadences.js';
import { LEADER_ROLE_NAMES, LEADER_ROLES, UNIT_KINDS } from '../../domain/definition.js';
import { DEFAULT_LADDER, RUNG_BATCHES, RUNG_INFO, RUNG_KINDS } from '../../domain/ladder.js';
import type { DirectorySnapshotUnit } from '../../domain/directory.js';
import { IdPool, pinyinSlug } from '../../plan/ids.js';
import { DEFINITION_KIND } from '../../plan/to-definition.js';
import { unitStem } from '../../plan/units.js';
import { fieldPath, parseFieldPath, type DefinitionEdit, type FieldPath } from '../../services/definition-editor.js';

type FieldKind = 'text' | 'email' | 'date' | 'textarea' | 'number' | 'select' | 'multi' | 'boolean';

export interface FormField {
  /** The field's path, also its form name (after `f:`). */
  name: string;
  label: string;
  kind: FieldKind;
  value: string | string[];
  options?: { value: string; label: string }[];
  /** Emptied, the field is removed from the definition instead of left empty. */
  optional?: boolean;
  problems: string[];
}

export interface FormRow {
  path: string;
  caption?: string;
  fields: FormField[];
  problems: string[];
}

export interface FormSection {
  id: string;
  title: string;
  note?: string;
  fields: FormField[];
  rows?: FormRow[];
  /** The list a new row is added to, and the button's words. */
  add?: { list: string; label: string };
  /** Rows may be removed. */
  removable?: boolean;
  problems: string[];
}

export interface EditorForm {
  sections: FormSection[];
  /** Problems that no field or row of the form shows. */
  general: DefinitionProblem[];
}

const UNIT_KIND_NAMES: Record<(typeof UNIT_KINDS)[number], string> = { department: '部门', community: '社区、街道', enterprise: '企业', other: '其他' };
const SCALAR_LABELS: Record<string, string> = {
  weekday: '星期（1–7）',
  day: '日',
  month: '月',
  time: '时间',
  frequency: '频次',
  office: '创建办',
  deputies: '分管领导',
  leaders: '主要领导',
  method: '方式',
  graceWorkingDays: '宽限工作日',
  recipient: '报送至',
  everyMonths: '每几个月',
  windowWorkingDays: '评分工作日',
  rung: '层级',
  graceDays: '宽限工作日',
  rectificationDays: '整改工作日',
  rectificationDeadline: '限期整改',
  meetingInDays: '约谈于几个工作日后',
  meetingTime: '约谈时间',
  deduction: '扣分',
  attachRecord: '附任务记录',
  target: '约谈对象',
  batch: '发文方式',
  proposed: '推定（待确认）',
};
/** Where the plan says it: kept, not edited here. */
const ANNOTATIONS = new Set(['line', 'lines']);

type Data = Record<string, unknown>;
const asRecord = (value: unknown): Data => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Data) : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const shown = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** The form for a draft's data (the YAML read as JS) and the problems its validation found. */
export function editorForm(data: unknown, problems: DefinitionProblem[]): EditorForm {
  const def = asRecord(data);
  const units = asList(def.units).map(asRecord);
  const unitOptions = units.map((u) => ({ value: shown(u.id), label: `${shown(u.name) || '（未命名）'}（${shown(u.id)}）` }));
  const field = (path: FieldPath, label: string, kind: FieldKind, extra: Partial<FormField> = {}): FormField => {
    const value = getIn(def, path);
    return {
      name: fieldPath(path),
      label,
      kind,
      value: kind === 'multi' ? asList(value).map(shown) : shown(value),
      problems: [],
      ...extra,
    };
  };
  const rowsOf = (list: string, build: (item: Data, i: number) => FormField[], caption?: (item: Data) => string): FormRow[] =>
    asList(def[list]).map((item, i) => ({ path: `${list}[${i}]`, fields: build(asRecord(item), i), problems: [], caption: caption?.(asRecord(item)) || undefined }));
  const named = (item: Data) => shown(item.name);

  const sections: FormSection[] = [
    {
      id: 'basic',
      title: '基本信息',
      fields: [
        field(['id'], '编号（字母、数字、- 和 _）', 'text'),
        field(['title'], '名称', 'text'),
        field(['start'], '开始日期', 'date'),
        field(['end'], '结束日期', 'date'),
        field(['timeZone'], '时区', 'text', { optional: true }),
      ],
      problems: [],
    },
    {
      id: 'office',
      title: '办公室（创建办）',
      fields: [
        field(['office', 'name'], '名称', 'text'),
        field(['office', 'documentPrefix'], '文号前缀', 'text'),
        field(['office', 'email'], '邮箱', 'email'),
        field(['office', 'director', 'name'], '主任', 'text', { optional: true }),
        field(['office', 'director', 'title'], '主任职务', 'text', { optional: true }),
        field(['office', 'director', 'email'], '主任邮箱', 'email', { optional: true }),
        field(['office', 'discipline', 'name'], '纪检监察部门', 'text', { optional: true }),
        field(['office', 'discipline', 'email'], '纪检监察部门邮箱', 'email', { optional: true }),
        field(['office', 'superior', 'name'], '上级', 'text', { optional: true }),
        field(['office', 'superior', 'email'], '上级邮箱', 'email', { optional: true }),
      ],
      problems: [],
    },
    {
      id: 'leaders',
      title: '领导',
      fields: [],
      rows: rowsOf('leaders', (_l, i) => [
        field(['leaders', i, 'id'], '编号', 'text'),
        field(['leaders', i, 'role'], '角色', 'select', { options: LEADER_ROLES.map((r) => ({ value: r, label: LEADER_ROLE_NAMES[r] })) }),
        field(['leaders', i, 'name'], '姓名', 'text'),
        field(['leaders', i, 'title'], '职务', 'text', { optional: true }),
        field(['leaders', i, 'email'], '邮箱', 'email'),
      ], named),
      add: { list: 'leaders', label: '添加领导' },
      removable: true,
      problems: [],
    },
    {
      id: 'units',
      title: '单位',
      fields: [],
      rows: rowsOf('units', (_u, i) => [
        field(['units', i, 'id'], '编号', 'text'),
        field(['units', i, 'name'], '名称', 'text'),
        field(['units', i, 'kind'], '类别', 'select', { options: UNIT_KINDS.map((k) => ({ value: k, label: UNIT_KIND_NAMES[k] })), optional: true }),
        field(['units', i, 'principal', 'name'], '主要负责人', 'text'),
        field(['units', i, 'principal', 'title'], '主要负责人职务', 'text', { optional: true }),
        field(['units', i, 'principal', 'email'], '主要负责人邮箱', 'email'),
        field(['units', i, 'contact', 'name'], '联系人', 'text'),
        field(['units', i, 'contact', 'email'], '联系人邮箱', 'email'),
        field(['units', i, 'directoryId'], '通讯录编号', 'number', { optional: true }),
      ], named),
      add: { list: 'units', label: '手工添加单位' },
      removable: true,
      problems: [],
    },
    {
      id: 'tasks',
      title: '任务',
      fields: [],
      rows: rowsOf('tasks', (_t, i) => [
        field(['tasks', i, 'id'], '编号', 'text'),
        field(['tasks', i, 'title'], '名称', 'text'),
        field(['tasks', i, 'leadUnit'], '责任单位', 'select', { options: unitOptions }),
        field(['tasks', i, 'cooperatingUnits'], '配合单位', 'multi', { options: unitOptions, optional: true }),
        field(['tasks', i, 'start'], '开始日期', 'date'),
        field(['tasks', i, 'deadline'], '完成时限', 'date'),
        field(['tasks', i, 'description'], '说明', 'textarea', { optional: true }),
      ], (t) => shown(t.title)),
      add: { list: 'tasks', label: '添加任务' },
      removable: true,
      problems: [],
    },
    {
      id: 'phases',
      title: '阶段',
      fields: [],
      rows: rowsOf('phases', (_p, i) => [
        field(['phases', i, 'name'], '名称', 'text'),
        field(['phases', i, 'start'], '开始日期', 'date'),
        field(['phases', i, 'end'], '结束日期', 'date'),
      ], named),
      add: { list: 'phases', label: '添加阶段' },
      removable: true,
      problems: [],
    },
    {
      id: 'cadences',
      title: '节奏',
      note: '定义中写明的例行工作及其主要设置；收件人等其他设置在「YAML」中修改。',
      fields: [],
      rows: Object.entries(asRecord(def.cadences)).map(([key, cadence]) => ({
        path: `cadences.${key}`,
        caption: CADENCE_NAMES[key as CadenceKey] ?? key,
        fields: scalarFields(['cadences', key], asRecord(cadence), field),
        problems: [],
      })),
      removable: true,
      problems: [],
    },
    {
      id: 'ladder',
      title: '督办阶梯',
      note: Array.isArray(asRecord(def.escalation).ladder)
        ? undefined
        : `未写明，按默认阶梯：${DEFAULT_LADDER.map((r) => RUNG_INFO[r].name).join(' → ')}。添加一级即写明全部阶梯。`,
      fields: [],
      rows: asList(asRecord(def.escalation).ladder).map((rung, i) => ({
        path: `escalation.ladder[${i}]`,
        caption: RUNG_INFO[asRecord(rung).rung as keyof typeof RUNG_INFO]?.name,
        fields: scalarFields(['escalation', 'ladder', i], asRecord(rung), field),
        problems: [],
      })),
      add: { list: 'escalation.ladder', label: '添加一级' },
      removable: true,
      problems: [],
    },
  ];
  return { sections, general: placeProblems(sections, problems) };
}

/** The scalar settings of a cadence or a rung, typed by what they hold now. */
function scalarFields(base: FieldPath, item: Data, field: (path: FieldPath, label: string, kind: FieldKind, extra?: Partial<FormField>) => FormField): FormField[] {
  const fields: FormField[] = [];
  for (const [key, value] of Object.entries(item)) {
    if (ANNOTATIONS.has(key) || (value !== null && typeof value === 'object')) continue;
    const label = SCALAR_LABELS[key] ?? key;
    if (key === 'rung') fields.push(field([...base, key], label, 'select', { options: RUNG_KINDS.map((r) => ({ value: r, label: RUNG_INFO[r].name })) }));
    else if (key === 'batch') fields.push(field([...base, key], label, 'select', { options: RUNG_BATCHES.map((b) => ({ value: b, label: b === 'task' ? '每项任务一份' : '每单位每天一份' })) }));
    else if (typeof value === 'boolean') fields.push(field([...base, key], label, 'boolean', { optional: true }));
    else if (typeof value === 'number') fields.push(field([...base, key], label, 'number', { optional: true }));
    else fields.push(field([...base, key], label, 'text', { optional: true }));
  }
  return fields;
}

/** Puts each problem beside its field, else on its row or section; returns the rest. */
function placeProblems(sections: FormSection[], problems: DefinitionProblem[]): DefinitionProblem[] {
  const fields = new Map<string, FormField>();
  const rows = new Map<string, FormRow>();
  const sectionsByList = new Map<string, FormSection>();
  for (const s of sections) {
    for (const f of s.fields) fields.set(f.name, f);
    for (const r of s.rows ?? []) {
      rows.set(r.path, r);
      for (const f of r.fields) fields.set(f.name, f);
    }
    if (s.add) sectionsByList.set(s.add.list, s);
  }
  const general: DefinitionProblem[] = [];
  for (const p of problems) {
    const path = p.field ? parseFieldPath(p.field) : [];
    let placed = false;
    for (let depth = path.length; depth > 0 && !placed; depth--) {
      const at = fieldPath(path.slice(0, depth));
      const target = fields.get(at) ?? rows.get(at) ?? sectionsByList.get(at);
      if (target) {
        target.problems.push(depth < path.length && fields.has(at) ? `${p.field}：${p.message}` : p.message);
        placed = true;
      }
    }
    if (!placed) general.push(p);
  }
  return general;
}

function getIn(data: Data, path: FieldPath): unknown {
  let at: unknown = data;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}

/**
 * The edits a posted form makes: every field of the form whose posted value differs from the
 * value it showed, typed as the field is. `posted(name)` is the field's value(s), undefined when
 * the form did not carry it.
 */
export function editsFromForm(form: EditorForm, posted: (name: string) => string | string[] | undefined): DefinitionEdit[] {
  const edits: DefinitionEdit[] = [];
  for (const section of form.sections) {
    for (const f of [...section.fields, ...(section.rows ?? []).flatMap((r) => r.fields)]) {
      const raw = posted(f.name);
      if (raw === undefined) continue;
      if (f.kind === 'multi') {
        const values = (Array.isArray(raw) ? raw : [raw]).filter(Boolean);
        if (values.join('\n') !== (f.value as string[]).join('\n')) edits.push({ set: parseFieldPath(f.name), value: values });
        continue;
      }
      const text = (Array.isArray(raw) ? (raw[0] ?? '') : raw).replace(/\r\n/g, '\n');
      const value = f.kind === 'textarea' ? text : text.trim();
      if (value === f.value) continue;
      edits.push({ set: parseFieldPath(f.name), value: typed(f, value) });
    }
  }
  return edits;
}

function typed(f: FormField, value: string): unknown {
  if (value === '') return f.optional ? undefined : '';
  if (f.kind === 'number') return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (f.kind === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/** A new, empty row of a list: its fields there to be filled in, each empty one named by validation. */
export function newRow(list: string, data: unknown): unknown {
  const def = asRecord(data);
  const ids = (key: string) => new Set(asList(def[key]).map((x) => shown(asRecord(x).id)));
  const freshId = (key: string, prefix: string) => {
    const taken = ids(key);
    let n = taken.size + 1;
    while (taken.has(`${prefix}-${n}`)) n++;
    return `${prefix}-${n}`;
  };
  const person = { name: '', email: '' };
  switch (list) {
    case 'leaders':
      return { id: freshId('leaders', 'leader'), role: 'responsibleLeader', name: '', email: '' };
    case 'units':
      return { id: freshId('units', 'unit'), name: '', kind: 'department', principal: { ...person }, contact: { ...person } };
    case 'tasks': {
      const firstUnit = shown(asRecord(asList(def.units)[0]).id);
      return { id: freshId('tasks', 'task'), title: '', leadUnit: firstUnit, cooperatingUnits: [], start: shown(def.start), deadline: shown(def.end), description: '' };
    }
    case 'phases':
      return { name: '', start: shown(def.start), end: shown(def.end) };
    case 'escalation.ladder':
      return { rung: 'overdueNotice' };
    default:
      return undefined;
  }
}

/** A unit of the definition filled from a 通讯录 entry, as plan import fills one. */
export function unitFromDirectory(entry: DirectorySnapshotUnit, data: unknown): Record<string, unknown> {
  const ids = new IdPool();
  for (const u of asList(asRecord(data).units)) ids.take(shown(asRecord(u).id), 'unit');
  const person = (c: DirectorySnapshotUnit['principal']) => ({ name: c.name, ...(c.post ? { title: c.post } : {}), email: c.email });
  return {
    // The id plan import would give it, so that a unit added here and one imported agree.
    id: ids.take(pinyinSlug(unitStem(entry.name)), `unit-${entry.id}`),
    name: entry.name,
    kind: DEFINITION_KIND[entry.kind],
    principal: person(entry.principal),
    contact: person(entry.contact),
    directoryId: entry.id,
  };
}

/** What a new draft starts from: the fields every definition needs, empty, to be filled in the form. */
export function skeletonYaml(today: string): string {
  const year = today.slice(0, 4);
  return [
    '# 创建活动定义：在控制台编辑器中新建',
    `id: campaign-${today.replace(/-/g, '')}`,
    "title: ''",
    'office:',
    "  name: ''",
    "  documentPrefix: ''",
    "  email: ''",
    'timeZone: Asia/Shanghai',
    `start: ${today}`,
    `end: ${year}-12-31`,
    'leaders: []',
    'units: []',
    'tasks: []',
    'phases: []',
    '',
  ].join('\n');
}
