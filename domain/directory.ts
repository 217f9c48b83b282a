// 通讯录: the vocabulary of the directory (unit kinds, leadership posts, the columns of its
// workbook) and the checks of one field, shared by the .xlsx import and the console's forms so
// that both refuse the same things with the same words. Pure: no I/O.
import { z } from 'zod';

export const DIRECTORY_UNIT_KINDS = ['department', 'street', 'community', 'enterprise', 'other'] as const;
export type DirectoryUnitKind = (typeof DIRECTORY_UNIT_KINDS)[number];
export const DIRECTORY_UNIT_KIND_NAMES: Record<DirectoryUnitKind, string> = {
  department: '部门',
  street: '街道',
  community: '社区',
  enterprise: '企业',
  other: '其他',
};

/** The leader roles of the campaign definition (domain/definition.ts LEADER_ROLES) a directory keeps. */
export const DIRECTORY_POSTS = ['groupLeader', 'executiveDeputy', 'deputyLeader', 'responsibleLeader'] as const;
export type DirectoryPost = (typeof DIRECTORY_POSTS)[number];
export const DIRECTORY_POST_NAMES: Record<DirectoryPost, string> = {
  groupLeader: '组长',
  executiveDeputy: '常务副组长',
  deputyLeader: '副组长',
  responsibleLeader: '分管领导',
};
// Plans say 责任领导 where the directory says 分管领导.
const POST_ALIASES: Record<string, DirectoryPost> = { 责任领导: 'responsibleLeader' };

/** As long as a name of the campaign definition may be (it becomes a mail display name there). */
export const MAX_DIRECTORY_NAME = 100;
const MAX_EMAIL = 254;

export type DirectoryEntryKind = 'unit' | 'person' | 'post';
export const DIRECTORY_ENTRY_NAMES: Record<DirectoryEntryKind, string> = { unit: '单位', person: '人员', post: '领导职务' };

/** A contact block of a unit: 主要负责人 or 联系人. */
export interface DirectoryContact {
  name: string;
  post: string;
  email: string;
  mobile: string;
}
export const EMPTY_CONTACT: DirectoryContact = { name: '', post: '', email: '', mobile: '' };

/** A unit's group robots in the 通讯录 ('' where none): each a value written out or a reference env:NAME (domain/channels.ts). */
export interface DirectoryRobots {
  wecom: string;
  dingtalk: string;
  dingtalkSecret: string;
}
export const EMPTY_ROBOTS: DirectoryRobots = { wecom: '', dingtalk: '', dingtalkSecret: '' };

/**
 * The directory as data, for what only reads it (plan import fills a definition's units and leaders
 * from it): entries in use and retired ones (retiredOn set), the posts by their people's ids.
 */
export interface DirectorySnapshot {
  units: DirectorySnapshotUnit[];
  people: DirectorySnapshotPerson[];
  posts: DirectorySnapshotPost[];
}
export interface DirectorySnapshotUnit {
  id: number;
  name: string;
  shortNames: string[];
  kind: DirectoryUnitKind;
  principal: DirectoryContact;
  contact: DirectoryContact;
  /** Absent: none (a snapshot made before the directory kept robots). */
  robots?: DirectoryRobots;
  retiredOn: string | null;
}
export interface DirectorySnapshotPerson {
  id: number;
  name: string;
  post: string;
  unitId: number | null;
  email: string;
  mobile: string;
  retiredOn: string | null;
}
export interface DirectorySnapshotPost {
  id: number;
  role: DirectoryPost;
  personId: number;
  unitIds: number[];
  retiredOn: string | null;
}

// ---------------------------------------------------------------------------------- columns

/**
 * A column of a sheet an office fills in: the field it fills, the header of the template and export,
 * other headers an office may have typed. `required` columns must be present; in the directory the
 * others, when absent, leave the field of an existing entry as it is.
 */
export interface SheetColumn {
  field: string;
  header: string;
  aliases?: string[];
  required?: boolean;
  width: number;
  note: string;
}

const contactColumns = (prefix: 'principal' | 'contact', who: string): SheetColumn[] => [
  { field: `${prefix}.name`, header: who, aliases: [`${who}姓名`], width: 12, note: `${who}姓名` },
  { field: `${prefix}.post`, header: `${who}职务`, width: 14, note: `${who}的职务，如 局长、办公室主任` },
  { field: `${prefix}.email`, header: `${who}邮箱`, aliases: [`${who}电子邮箱`], width: 24, note: `${who}的电子邮箱，通知邮件发往此地址` },
  { field: `${prefix}.mobile`, header: `${who}手机`, aliases: [`${who}手机号`, `${who}手机号码`], width: 14, note: `${who}的手机号码，11 位` },
];

const statusColumns: SheetColumn[] = [
  { field: 'status', header: '状态', width: 8, note: '在用 或 停用；空白为在用。停用的条目保留，不再用于新的创建活动' },
  { field: 'retiredOn', header: '停用日期', width: 12, note: '停用的日期，如 2027-03-01；状态为停用而未填日期时按导入当天' },
];

export const DIRECTORY_SHEETS = {
  unit: {
    name: '单位',
    columns: [
      { field: 'id', header: '编号', width: 7, note: '系统编号：导出时填写，新增单位留空。填写编号时按编号更新（可借此修改全称）' },
      { field: 'name', header: '全称', aliases: ['单位全称', '单位名称'], required: true, width: 28, note: '必填。单位全称，在通讯录中唯一；未填编号时按全称找到已有单位并更新' },
      { field: 'shortNames', header: '简称', width: 18, note: '方案中使用的简称，多个以顿号（、）分隔，如 区城管局、城管局' },
      { field: 'kind', header: '类别', aliases: ['单位类别'], required: true, width: 8, note: `必填。${DIRECTORY_UNIT_KINDS.map((k) => DIRECTORY_UNIT_KIND_NAMES[k]).join('、')} 之一` },
      { field: 'parent', header: '上级单位', width: 24, note: '上级单位的全称（或唯一的简称），须在本表或通讯录中；街道、社区、科室填所属单位' },
      ...contactColumns('principal', '主要负责人'),
      ...contactColumns('contact', '联系人'),
      { field: 'robots.wecom', header: '企业微信机器人', aliases: ['企业微信机器人Webhook'], width: 30, note: '单位工作群的企业微信机器人 Webhook 地址（…/cgi-bin/webhook/send?key=…），或 env:变量名（由 worker 的环境变量提供）' },
      { field: 'robots.dingtalk', header: '钉钉机器人', aliases: ['钉钉机器人Webhook'], width: 30, note: '单位工作群的钉钉机器人 Webhook 地址（…/robot/send?access_token=…），或 env:变量名；须同时填写钉钉加签密钥' },
      { field: 'robots.dingtalkSecret', header: '钉钉加签密钥', width: 20, note: '钉钉机器人安全设置中“加签”的密钥（SEC 开头），或 env:变量名；导出时只显示末 4 位，原样导入即保持不变' },
      ...statusColumns,
    ] as SheetColumn[],
  },
  person: {
    name: '人员',
    columns: [
      { field: 'id', header: '编号', width: 7, note: '系统编号：导出时填写，新增人员留空。未填编号时按姓名与所在单位找到已有人员并更新' },
      { field: 'name', header: '姓名', required: true, width: 10, note: '必填' },
      { field: 'post', header: '职务', width: 16, note: '如 区委副书记、局长' },
      { field: 'unit', header: '所在单位', aliases: ['单位'], width: 24, note: '所在单位的全称（或唯一的简称），须在「单位」表或通讯录中' },
      { field: 'email', header: '电子邮箱', aliases: ['邮箱'], width: 24, note: '电子邮箱' },
      { field: 'mobile', header: '手机', aliases: ['手机号', '手机号码'], width: 14, note: '手机号码，11 位' },
      ...statusColumns,
    ] as SheetColumn[],
  },
  post: {
    name: '领导职务',
    columns: [
      { field: 'id', header: '编号', width: 7, note: '系统编号：导出时填写，新增职务留空。未填编号时按职务与任职人员找到已有条目并更新' },
      { field: 'role', header: '领导职务', aliases: ['职务'], required: true, width: 12, note: `必填。${DIRECTORY_POSTS.map((p) => DIRECTORY_POST_NAMES[p]).join('、')} 之一` },
      { field: 'person', header: '姓名', required: true, width: 10, note: '必填。任职人员的姓名，须在「人员」表或通讯录中' },
      { field: 'personUnit', header: '所在单位', width: 24, note: '任职人员的所在单位，与「人员」表一致（同名人员据此区分）' },
      { field: 'units', header: '分管单位', width: 36, note: '分管领导分管的单位，全称或唯一的简称，多个以顿号（、）分隔' },
      ...statusColumns,
    ] as SheetColumn[],
  },
} satisfies Record<DirectoryEntryKind, { name: string; columns: SheetColumn[] }>;

/** Headers an office may add for itself; their cells are not read. */
export const IGNORED_HEADERS = ['备注', '说明', '序号'];

/** The header of a field in a sheet (for messages that name the column). */
export function columnHeader(entry: DirectoryEntryKind, field: string): string {
  return DIRECTORY_SHEETS[entry].columns.find((c) => c.field === field)?.header ?? field;
}

// ---------------------------------------------------------------------------------- fields

/** Full-width letters, digits and signs (＠ ．１３８) as half-width: how an address typed on a Chinese keyboard is meant. */
export function halfWidth(value: string): string {
  return value.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/** Why a name (of a unit, a person, a post) cannot be kept, or undefined. Names become mail display names. */
export function nameProblem(value: string, { required = false } = {}): string | undefined {
  if (value === '') return required ? '不能为空' : undefined;
  if ([...value].length > MAX_DIRECTORY_NAME) return `不能超过 ${MAX_DIRECTORY_NAME} 个字`;
  if (hasControl(value)) return '不能包含换行符或其他控制字符';
  if (value.includes('\uFFFD')) return '含有无法识别的字符（\uFFFD），请检查文件编码';
  if (/[<>]/.test(value)) return '不能包含尖括号 < >（名称会作为邮件收件人的显示名）';
  return undefined;
}

const emailSchema = z.email();

/** An e-mail address as kept (half-width, trimmed), or why it is not one. */
export function normaliseEmail(value: string): { value: string } | { problem: string } {
  const email = halfWidth(value).trim();
  if (email === '') return { value: '' };
  if (email.length > MAX_EMAIL || !emailSchema.safeParse(email).success) return { problem: `邮箱地址无效：${value}` };
  return { value: email };
}

/** A mobile number as kept (11 digits), or why it is not one; spaces, dashes and +86 are dropped. */
export function normaliseMobile(value: string): { value: string } | { problem: string } {
  const text = halfWidth(value).trim();
  if (text === '') return { value: '' };
  const digits = text.replace(/[\s\-()]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');
  if (!/^1[3-9]\d{9}$/.test(digits)) return { problem: `手机号码无效：${value}（应为 11 位数字，以 1 开头，如 13812345678）` };
  return { value: digits };
}

/** A unit kind from its Chinese name (部门 …) or its code (department …). */
export function unitKindOf(value: string): DirectoryUnitKind | undefined {
  const text = value.trim();
  if ((DIRECTORY_UNIT_KINDS as readonly string[]).includes(text)) return text as DirectoryUnitKind;
  return DIRECTORY_UNIT_KINDS.find((k) => DIRECTORY_UNIT_KIND_NAMES[k] === text);
}

export function unitKindProblem(value: string): string {
  return `未知类别：${value}（应为 ${DIRECTORY_UNIT_KINDS.map((k) => DIRECTORY_UNIT_KIND_NAMES[k]).join('、')} 之一）`;
}

/** A leadership post from its Chinese name (组长 …) or its code (groupLeader …). */
export function postOf(value: string): DirectoryPost | undefined {
  const text = value.trim();
  if ((DIRECTORY_POSTS as readonly string[]).includes(text)) return text as DirectoryPost;
  return DIRECTORY_POSTS.find((p) => DIRECTORY_POST_NAMES[p] === text) ?? POST_ALIASES[text];
}

export function postProblem(value: string): string {
  return `未知领导职务：${value}（应为 ${DIRECTORY_POSTS.map((p) => DIRECTORY_POST_NAMES[p]).join('、')} 之一）`;
}

/** The names of a list cell (简称, 分管单位): separated by 、，,；; or line breaks, blanks dropped, each once. */
export function splitNames(value: string): string[] {
  return [...new Set(value.split(/[、，,；;\n\r]+/).map((s) => s.trim()).filter(Boolean))];
}

/** A civil date from 2027-03-01, 2027/3/1, 2027.3.1 or 2027年3月1日, as YYYY-MM-DD; undefined when it is none. */
export function civilDateOf(value: string): string | undefined {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(halfWidth(value).trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return `${m[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export const STATUS_ACTIVE = '在用';
export const STATUS_RETIRED = '停用';

/**
 * The 状态 and 停用日期 cells: retired on a date (停用 without a date: today), in use (null), or
 * why not. A date alone means retired.
 */
export function retirementOf(status: string, date: string, today: string): { retiredOn: string | null } | { problem: string; field: 'status' | 'retiredOn' } {
  const s = status.trim();
  const d = date.trim();
  if (s !== '' && s !== STATUS_ACTIVE && s !== STATUS_RETIRED && s !== '已停用') {
    return { problem: `未知状态：${s}（应为 ${STATUS_ACTIVE} 或 ${STATUS_RETIRED}）`, field: 'status' };
  }
  if (s === STATUS_ACTIVE) return { retiredOn: null };
  if (d === '') return { retiredOn: s === '' ? null : today };
  const on = civilDateOf(d);
  if (!on) return { problem: `日期无效：${d}（应为 YYYY-MM-DD，如 2027-03-01）`, field: 'retiredOn' };
  return { retiredOn: on };
}

// ---------------------------------------------------------------------------------- parents

/**
 * The cycles of a parent relation, each once, as the keys around it (a → b → a gives [a, b]).
 * A unit that is its own parent is a cycle of one.
 */
export function findCycles<K>(parentOf: Map<K, K | null>): K[][] {
  const state = new Map<K, 'open' | 'done'>();
  const cycles: K[][] = [];
  for (const start of parentOf.keys()) {
    if (state.has(start)) continue;
    const path: K[] = [];
    let at: K | null | undefined = start;
    while (at !== null && at !== undefined && !state.has(at)) {
      state.set(at, 'open');
      path.push(at);
      at = parentOf.get(at);
    }
    if (at !== null && at !== undefined && state.get(at) === 'open') cycles.push(path.slice(path.indexOf(at)));
    for (const k of path) state.set(k, 'done');
  }
  return cycles;
}
