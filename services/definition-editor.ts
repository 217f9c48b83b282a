// Edits a campaign definition's YAML text in place, for the console's editor: a list of field
// changes, rows added and rows removed is applied to the YAML document (never to a plain object
// written out again), and only the lines that changed are taken from the new text. Comments, key
// order, quoting and every field the editor does not show stay as they were; a field set to the
// value it has is not touched, and a text without a real change comes back byte for byte.
import { isCollection, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { DefinitionError, fieldPath, readYaml } from '../domain/definition-yaml.js';
import { maskSecret, maskWebhook, secretReference } from '../domain/channels.js';
import { shiftDefinition } from '../domain/shift.js';
import type { CampaignDefinition } from '../domain/definition.js';

export type FieldPath = (string | number)[];

export type DefinitionEdit =
  /** A field's new value; undefined removes the field. */
  | { set: FieldPath; value: unknown }
  /** A new item at the end of the list at the path (the list is made when missing). */
  | { add: FieldPath; value: unknown }
  /** Removes an item of a list, or a key of a mapping. */
  | { remove: FieldPath };

/** Writes the text the way the examples and plan import do: no folding of long lines. */
const STRINGIFY = { lineWidth: 0, flowCollectionPadding: false } as const;

/** `units[2].contact.email` → ['units', 2, 'contact', 'email']; the inverse of fieldPath. */
export function parseFieldPath(text: string): FieldPath {
  const path: FieldPath = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return path;
}

export { fieldPath };

/**
 * Applies the edits in order (field changes before removals keep their row numbers meaningful)
 * and returns the new text. A text that is not YAML is a DefinitionError naming line and column.
 */
export function applyDefinitionEdits(text: string, edits: readonly DefinitionEdit[], file = '草稿.yaml'): string {
  const { doc } = readYaml(text, file);
  let changed = false;
  for (const edit of edits) {
    if ('set' in edit) changed = setField(doc, edit.set, edit.value) || changed;
    else if ('add' in edit) {
      addItem(doc, edit.add, edit.value);
      changed = true;
    } else if (doc.hasIn(edit.remove)) {
      doc.deleteIn(edit.remove);
      changed = true;
    }
  }
  if (!changed) return text;
  return keepUnchangedLines(text, parseDocument(text).toString(STRINGIFY), doc.toString(STRINGIFY));
}

/**
 * Moves every date by the same number of days so that the campaign starts on `newStart` (the
 * dates `shiftDefinition` moves: the period, the tasks' and the phases'), as edits of those fields.
 */
export function shiftDates(text: string, newStart: string, file = '草稿.yaml'): string {
  const { data } = readYaml(text, file);
  const def = (data ?? {}) as Partial<CampaignDefinition>;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(String(def.start ?? ''))) {
    throw new DefinitionError([{ file, field: 'start', message: '开始日期无效（应为 YYYY-MM-DD），无法整体平移' }]);
  }
  const asList = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);
  const shifted = shiftDefinition({ ...def, tasks: asList(def.tasks), phases: asList(def.phases) } as CampaignDefinition, newStart);
  const edits: DefinitionEdit[] = [
    { set: ['start'], value: shifted.start },
    { set: ['end'], value: shifted.end },
    ...shifted.tasks.flatMap((t, i) => [
      { set: ['tasks', i, 'start'], value: t.start },
      { set: ['tasks', i, 'deadline'], value: t.deadline },
    ]),
    ...shifted.phases.flatMap((p, i) => [
      { set: ['phases', i, 'start'], value: p.start },
      { set: ['phases', i, 'end'], value: p.end },
    ]),
  ];
  return applyDefinitionEdits(text, edits, file);
}

/** Sets one field; false when it already held that value. */
function setField(doc: Document, path: FieldPath, value: unknown): boolean {
  const node = doc.getIn(path, true);
  if (value === undefined) {
    if (!doc.hasIn(path)) return false;
    doc.deleteIn(path);
    return true;
  }
  if (isScalar(node)) {
    if (node.value === value) return false;
    // The node stays: its comment and quoting go with it.
    node.value = value;
    return true;
  }
  if (isSeq(node) && Array.isArray(value)) {
    if (JSON.stringify(node.toJSON()) === JSON.stringify(value)) return false;
    node.items = value.map((v) => doc.createNode(v));
    return true;
  }
  if (node === undefined && isEmptyValue(value)) return false;
  doc.setIn(path, doc.createNode(value));
  return true;
}

const isEmptyValue = (value: unknown) => value === '' || (Array.isArray(value) && value.length === 0);

function addItem(doc: Document, path: FieldPath, value: unknown): void {
  const list = doc.getIn(path, true);
  if (isSeq(list)) {
    // A list written `[]` grows in block style, one row a few lines like the others.
    if (list.flow && isCollection(doc.createNode(value))) list.flow = false;
    list.items.push(doc.createNode(value));
  } else if (list === undefined || (isScalar(list) && list.value === null)) {
    doc.setIn(path, doc.createNode([value]));
  } else {
    throw new DefinitionError([{ file: '', field: fieldPath(path), message: isMap(list) ? '这里是映射，不是列表' : '这里不是列表' }]);
  }
}

/**
 * The original's lines wherever the edited text has the same line: `before` is the unedited
 * document as the writer prints it, `after` the edited one; lines the edits did not touch are
 * taken from `original`, so the writer's own spacing never reaches them.
 */
function keepUnchangedLines(original: string, before: string, after: string): string {
  const source = original.split('\n');
  const a = before.split('\n');
  const b = after.split('\n');
  // The writer changed the number of lines somewhere: its text is the document, whole.
  if (source.length !== a.length) return after;
  const out: string[] = [];
  let j = 0;
  for (const [ai, bj] of commonLines(a, b)) {
    for (; j < bj; j++) out.push(b[j]);
    out.push(source[ai]);
    j++;
  }
  for (; j < b.length; j++) out.push(b[j]);
  return out.join('\n');
}

/** Pairs of equal lines in order (a longest common subsequence, Myers' O(ND) algorithm). */
function commonLines(a: string[], b: string[]): [number, number][] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const pairs: [number, number][] = [];
  for (let k = 0; k < start; k++) pairs.push([k, k]);
  pairs.push(...myers(a.slice(start, endA), b.slice(start, endB)).map(([x, y]): [number, number] => [x + start, y + start]));
  for (let k = 0; endA + k < a.length; k++) pairs.push([endA + k, endB + k]);
  return pairs;
}

function myers(a: string[], b: string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const at = (k: number) => k + max + 1;
  const v = new Int32Array(2 * max + 3);
  v[at(1)] = 0;
  // The frontier before each round d, to walk back through.
  const trace: Int32Array[] = [];
  search: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[at(k - 1)] < v[at(k + 1)]) ? v[at(k + 1)] : v[at(k - 1)] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[at(k)] = x;
      if (x >= n && y >= m) break search;
    }
  }
  const pairs: [number, number][] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const frontier = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && frontier[at(k - 1)] < frontier[at(k + 1)]) ? k + 1 : k - 1;
    const prevX = frontier[at(prevK)];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      pairs.push([x, y]);
    }
    x = prevX;
    y = prevY;
  }
  return pairs.reverse();
}

// ---------------------------------------------------------------------------------- robot secrets

/** The robots' secret fields under a unit, with how each is shown masked. */
const ROBOT_SECRET_PATHS: { path: string[]; mask: (value: string) => string }[] = [
  { path: ['robots', 'wecom'], mask: maskWebhook },
  { path: ['robots', 'dingtalk', 'webhook'], mask: maskWebhook },
  { path: ['robots', 'dingtalk', 'secret'], mask: maskSecret },
];

interface SecretScalar {
  /** `<unit id>/<field>`: where the same secret is found again in another version of the text. */
  where: string;
  value: string;
  /** The scalar as written (quoted or not). */
  source: string;
  mask: (value: string) => string;
  range: [number, number];
}

/** Every robot secret written out in the text (references excepted), with its place in the text. */
function robotSecrets(text: string): SecretScalar[] {
  const doc = parseDocument(text, { prettyErrors: false });
  const units = doc.get('units', true);
  if (!isSeq(units)) return [];
  const found: SecretScalar[] = [];
  for (const unit of units.items) {
    if (!isMap(unit)) continue;
    for (const { path, mask } of ROBOT_SECRET_PATHS) {
      const node = unit.getIn(path, true);
      if (!isScalar(node) || typeof node.value !== 'string' || !node.range || secretReference(node.value)) continue;
      const range: [number, number] = [node.range[0], node.range[1]];
      found.push({ where: `${String(unit.get('id'))}/${path.join('.')}`, value: node.value, source: text.slice(...range), mask, range });
    }
  }
  return found;
}

/** Replaces each found scalar by the YAML text `by` gives, from the end. */
function replaceScalars(text: string, scalars: SecretScalar[], by: (s: SecretScalar) => string | undefined): string {
  let out = text;
  for (const s of [...scalars].sort((a, b) => b.range[0] - a.range[0])) {
    const replacement = by(s);
    if (replacement !== undefined) out = `${out.slice(0, s.range[0])}${replacement}${out.slice(s.range[1])}`;
  }
  return out;
}

/** The text as the console shows it: each robot webhook's key and 加签 secret written out masked to its last 4 characters. */
export function maskDefinitionSecrets(text: string): string {
  // Quoted: a masked value starts with *, an alias in YAML.
  return replaceScalars(text, robotSecrets(text), (s) => JSON.stringify(s.mask(s.value)));
}

/**
 * The text an administrator saved from the masked view, with each secret still shown masked put
 * back from `before` (the same unit and field, and the same mask): a secret that was not retyped
 * is kept, one retyped is taken as typed.
 */
export function unmaskDefinitionSecrets(text: string, before: string): string {
  const kept = new Map(robotSecrets(before).map((s) => [s.where, s]));
  return replaceScalars(text, robotSecrets(text), (s) => {
    const original = kept.get(s.where);
    return original && original.value !== s.value && s.mask(original.value) === s.value ? original.source : undefined;
  });
}
