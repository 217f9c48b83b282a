// The editor's edits of a definition's YAML text: nothing but the edited lines changes, comments and
// fields the editor does not show stay, and a text saved without a change is the same, byte for byte.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateDefinitionYaml } from '../../client/api/actions.js';
import { editorForm, editsFromForm } from '../../client/web/editor-form.js';
import { applyDefinitionEdits, shiftDates } from '../../services/definition-editor.js';
import { repoRoot } from '../plan/support.js';

const examplesDir = path.join(repoRoot, 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));
const read = (name: string) => readFileSync(path.join(examplesDir, name), 'utf8');

/** The lines of `after` that differ from `before`, by number (both texts keep their line count). */
function changedLines(before: string, after: string): { line: number; before: string; after: string }[] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return a.flatMap((text, i) => (text === b[i] ? [] : [{ line: i + 1, before: text, after: b[i] }]));
}

/** Every line of `lines`, in order, among `within`. */
function isSubsequence(lines: string[], within: string[]): boolean {
  let i = 0;
  for (const line of within) if (i < lines.length && line === lines[i]) i++;
  return i === lines.length;
}

describe('the definition editor', () => {
  it.each(examples)('%s: loaded into the form and saved with no edits, it is byte-identical', (name) => {
    const text = read(name);
    const form = editorForm(parse(text), []);
    // The form posted back exactly as it was shown.
    const shown = new Map(form.sections.flatMap((s) => [...s.fields, ...(s.rows ?? []).flatMap((r) => r.fields)]).map((f) => [f.name, f.value]));
    const edits = editsFromForm(form, (name) => shown.get(name));
    expect(edits).toEqual([]);
    expect(applyDefinitionEdits(text, edits)).toBe(text);
    // Setting each field to the value it has is no change either.
    expect(applyDefinitionEdits(text, [{ set: ['title'], value: parse(text).title }, { set: ['start'], value: parse(text).start }])).toBe(text);
  });

  it('changes exactly the line of the field edited, keeping its comment', () => {
    const text = read('longling-2016.yaml');
    const after = applyDefinitionEdits(text, [{ set: ['office', 'discipline', 'email'], value: 'jijian@longling.example.org' }]);
    expect(changedLines(text, after)).toEqual([
      { line: expect.any(Number), before: '    email: discipline@longling-2016.example.org', after: '    email: jijian@longling.example.org' },
    ]);
    const start = applyDefinitionEdits(text, [{ set: ['start'], value: '2016-02-01' }]);
    expect(changedLines(text, start)).toEqual([
      { line: expect.any(Number), before: 'start: 2016-01-01 # 方案只写了年份，取 2016 年全年', after: 'start: 2016-02-01 # 方案只写了年份，取 2016 年全年' },
    ]);
  });

  it('edits one field of a unit written in flow style on its own line only', () => {
    const text = read('beihai-2021.yaml');
    const after = applyDefinitionEdits(text, [{ set: ['units', 1, 'contact', 'email'], value: 'zhengli@beihai.example.org' }]);
    expect(changedLines(text, after)).toEqual([
      { line: 34, before: '    contact: { name: 郑丽, email: zhifa@beihai.example.org }', after: '    contact: {name: 郑丽, email: zhengli@beihai.example.org}' },
    ]);
  });

  it('adds and removes a unit and a task, leaving the rest of the text as it was', () => {
    const text = read('beihai-2021.yaml');
    const unit = { id: 'night-market', name: '夜市管理所', kind: 'department', principal: { name: '何军', email: 'hejun@beihai.example.org' }, contact: { name: '白雪', email: 'baixue@beihai.example.org' } };
    const task = { id: 'night-market-smoke', title: '整治夜市油烟', leadUnit: 'night-market', cooperatingUnits: [], start: '2021-05-01', deadline: '2021-06-30' };
    const added = applyDefinitionEdits(text, [{ add: ['units'], value: unit }, { add: ['tasks'], value: task }]);
    const def = parse(added);
    expect(def.units.at(-1)).toEqual(unit);
    expect(def.tasks.at(-1)).toEqual(task);
    // Only lines were inserted: every line of the original is still there, in order, untouched.
    expect(isSubsequence(text.split('\n'), added.split('\n'))).toBe(true);
    expect(validateDefinitionYaml(added, 'added.yaml').valid).toBe(true);

    const removed = applyDefinitionEdits(added, [{ remove: ['tasks', def.tasks.length - 1] }, { remove: ['units', def.units.length - 1] }]);
    expect(removed).toBe(text);

    // A unit in the middle: its lines go, and no other line changes.
    const withoutTraffic = applyDefinitionEdits(text, [{ remove: ['units', 3] }]);
    expect(text.split('\n').filter((l) => !withoutTraffic.split('\n').includes(l))).toEqual([
      '  - id: traffic-police',
      '    name: 北海交警队',
      '    principal: { name: 马超, title: 队长, email: machao@beihai.example.org }',
      '    contact: { name: 朱磊, email: jiaojing@beihai.example.org }',
    ]);
  });

  it('keeps every comment and every field the form does not show', () => {
    const text = read('guiyang-2020.yaml');
    const after = applyDefinitionEdits(text, [{ set: ['title'], value: '桂阳工业园区创建全国文明城市工作（修订）' }, { add: ['phases'], value: { name: '巩固提升', start: '2020-10-01', end: '2020-12-31' } }]);
    const comments = (t: string) => t.split('\n').filter((l) => l.includes('#')).map((l) => l.slice(l.indexOf('#')));
    expect(comments(after)).toEqual(comments(text));
    const before = parse(text);
    const now = parse(after);
    for (const key of Object.keys(before).filter((k) => k !== 'title' && k !== 'phases')) expect(now[key], key).toEqual(before[key]);
  });

  it('moves every date so that the campaign starts on the day given, and nothing else', () => {
    const text = read('beihai-2021.yaml');
    const after = shiftDates(text, '2027-04-01');
    const def = parse(after);
    expect([def.start, def.end, def.tasks[0].start, def.tasks[0].deadline]).toEqual(['2027-04-01', '2027-12-31', '2027-04-01', '2027-06-30']);
    expect(changedLines(text, after).every((c) => /^\s*(start|end|deadline): \d{4}-\d{2}-\d{2}/.test(c.after))).toBe(true);
  });

  it('names the line of a text that is not YAML', () => {
    expect(() => applyDefinitionEdits('id: a\ntitle: [unclosed\n', [{ set: ['id'], value: 'b' }])).toThrow(/YAML 语法错误/);
  });
});
