// How much of a plan the importer reads: over a corpus of real plans with hand-written expectations
// (<name>.expected.yaml beside each text), the share of actions found and of lead units right.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as OpenCC from 'opencc-js/t2cn';
import { parse } from 'yaml';
import { importPlan, PlanInputError } from '../plan/index.js';
import { UNASSIGNED_UNIT_NAME } from '../plan/units.js';
import { VARIANTS } from './variants.js';

export const corpusDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/plan/corpus');

export interface ExpectedAction {
  /** A short distinctive part of the action's title. */
  title: string;
  /** The lead unit the plan names, or null when it names none. */
  lead: string | null;
  /** The deadline the plan gives (YYYY-MM-DD), when checked. */
  deadline?: string;
}

export interface Expected {
  source?: string;
  shape?: string;
  issuingBody?: string;
  actions: ExpectedAction[];
}

/** What is counted, per plan and in total. */
interface Counts {
  actions: number;
  found: number;
  /** Actions for which the plan names a lead unit. */
  leads: number;
  leadsRight: number;
  /** Actions without a unit in the plan, imported with the lead to be filled. */
  unnamed: number;
  unnamedKept: number;
  deadlines: number;
  deadlinesRight: number;
}

const COUNTED = ['actions', 'found', 'leads', 'leadsRight', 'unnamed', 'unnamedKept', 'deadlines', 'deadlinesRight'] as const;

export interface PlanScore extends Counts {
  name: string;
  shape: string;
  issuingBody?: { expected: string; got?: string };
  /** What went wrong, for the report. */
  misses: string[];
  error?: string;
}

let converter: ((text: string) => string) | undefined;
const simplified = (text: string) => (converter ??= OpenCC.Converter({ from: 't', to: 'cn' }))(text);
/** Compared without spaces, punctuation or quotes, in Simplified characters. */
export const norm = (text: string) => simplified(text).replace(/[\s“”"'‘’（）()，,。：:；;、《》〈〉【】〔〕|]/g, '');

interface ImportedTask {
  title: string;
  description: string;
  lead: string;
  deadline: string;
}

/** Scores one imported plan against its expectations. */
export function score(name: string, expected: Expected, tasks: ImportedTask[], issuingBody?: string): PlanScore {
  const s: PlanScore = {
    name,
    shape: expected.shape ?? '',
    actions: expected.actions.length,
    found: 0,
    leads: 0,
    leadsRight: 0,
    unnamed: 0,
    unnamedKept: 0,
    deadlines: 0,
    deadlinesRight: 0,
    misses: [],
  };
  const used = new Set<number>();
  const pick = (want: string, field: (t: ImportedTask) => string) =>
    tasks.findIndex((t, i) => !used.has(i) && norm(field(t)).includes(want));
  for (const action of expected.actions) {
    const want = norm(action.title);
    let at = pick(want, (t) => t.title);
    if (at < 0) at = pick(want, (t) => `${t.title}${t.description}`);
    if (action.lead) s.leads++;
    else s.unnamed++;
    if (action.deadline) s.deadlines++;
    if (at < 0) {
      s.misses.push(`未找到「${action.title}」`);
      continue;
    }
    used.add(at);
    s.found++;
    const task = tasks[at];
    if (action.lead) {
      const a = norm(task.lead);
      const b = norm(action.lead);
      // The same unit, or the plan's spelling with a note (社会事业局（原文体站）), or a short name of it.
      if (a === b || a.includes(b) || (b.includes(a) && a.length >= 4)) s.leadsRight++;
      else s.misses.push(`「${action.title}」的牵头单位：应为 ${action.lead}，读成 ${task.lead}`);
    } else if (task.lead === UNASSIGNED_UNIT_NAME) {
      s.unnamedKept++;
    } else {
      s.misses.push(`「${action.title}」方案未写单位，却读成 ${task.lead}`);
    }
    if (action.deadline) {
      if (task.deadline === action.deadline) s.deadlinesRight++;
      else s.misses.push(`「${action.title}」的时限：应为 ${action.deadline}，读成 ${task.deadline}`);
    }
  }
  if (expected.issuingBody) {
    s.issuingBody = { expected: expected.issuingBody, got: issuingBody };
    if (norm(issuingBody ?? '') !== norm(expected.issuingBody)) s.misses.push(`发文单位：应为 ${expected.issuingBody}，读成 ${issuingBody ?? '（无）'}`);
  }
  return s;
}

/** Imports one file and scores it. */
export async function evaluate(name: string, input: Buffer, expected: Expected, shape?: string): Promise<PlanScore> {
  try {
    const result = await importPlan(input, name);
    const unitName = new Map(result.model.units.all().map((u) => [u, u.name]));
    const tasks = result.model.tasks.map((t) => ({
      title: t.title,
      description: t.description,
      lead: unitName.get(t.lead) ?? t.lead.name,
      deadline: t.deadline,
    }));
    return score(name, { ...expected, shape: shape ?? expected.shape }, tasks, result.model.source.issuingBody);
  } catch (error) {
    if (!(error instanceof PlanInputError)) throw error;
    const s = score(name, { ...expected, shape: shape ?? expected.shape }, []);
    s.error = error.message;
    return s;
  }
}

async function expectationOf(file: string): Promise<Expected> {
  const text = await readFile(path.join(corpusDir, file.replace(/\.txt$/, '.expected.yaml')), 'utf8');
  const data = (parse(text) ?? {}) as Partial<Expected>;
  return { ...data, actions: (data.actions ?? []).map((a) => ({ ...a, lead: a.lead ?? null })) };
}

/**
 * Every corpus text and every variant built from them, scored; and each text that has actions once more as a
 * page copied without its line breaks (the paragraphs run together).
 */
export async function evaluateCorpus(options: { variants?: boolean } = {}): Promise<PlanScore[]> {
  const files = (await readdir(corpusDir)).filter((f) => f.endsWith('.txt')).sort();
  const scores: PlanScore[] = [];
  const texts = new Map<string, string>();
  for (const file of files) {
    const input = await readFile(path.join(corpusDir, file));
    texts.set(file, input.toString('utf8'));
    scores.push(await evaluate(file, input, await expectationOf(file)));
  }
  if (options.variants !== false) {
    for (const file of files) {
      const expected = await expectationOf(file);
      if (expected.actions.length === 0) continue;
      const flat = texts
        .get(file)!
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join('');
      scores.push(await evaluate(file.replace(/\.txt$/, '.flat.txt'), Buffer.from(flat), expected, '同上，去掉所有换行'));
    }
  }
  if (options.variants !== false) {
    for (const v of VARIANTS) {
      const text = texts.get(v.from);
      if (text === undefined) continue;
      scores.push(await evaluate(v.name, await v.build(text), await expectationOf(v.from), v.shape));
    }
  }
  return scores;
}

export interface Totals extends Counts {
  issuing: number;
  issuingRight: number;
}

export function totals(scores: PlanScore[]): Totals {
  const t: Totals = { actions: 0, found: 0, leads: 0, leadsRight: 0, unnamed: 0, unnamedKept: 0, deadlines: 0, deadlinesRight: 0, issuing: 0, issuingRight: 0 };
  for (const s of scores) {
    for (const key of COUNTED) t[key] += s[key];
    if (s.issuingBody) {
      t.issuing++;
      if (norm(s.issuingBody.got ?? '') === norm(s.issuingBody.expected)) t.issuingRight++;
    }
  }
  return t;
}

const pct = (a: number, b: number) => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)} %`);
const frac = (a: number, b: number) => (b === 0 ? '–' : `${a}/${b}`);

/** The Markdown table docs/import.md shows. */
export function table(scores: PlanScore[]): string {
  const rows = [
    '| 方案 | 形态 | 行动 | 牵头单位 | 未写单位仍导入 | 时限 | 发文单位 |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const s of scores) {
    const body = s.issuingBody ? (norm(s.issuingBody.got ?? '') === norm(s.issuingBody.expected) ? '✓' : '✗') : '–';
    rows.push(
      `| ${s.name} | ${s.shape}${s.error ? `（拒收：${s.error}）` : ''} | ${frac(s.found, s.actions)} | ${frac(s.leadsRight, s.leads)} | ${frac(s.unnamedKept, s.unnamed)} | ${frac(s.deadlinesRight, s.deadlines)} | ${body} |`,
    );
  }
  const t = totals(scores);
  rows.push(
    `| **合计** | ${scores.length} 份 | **${t.found}/${t.actions}（${pct(t.found, t.actions)}）** | **${t.leadsRight}/${t.leads}（${pct(t.leadsRight, t.leads)}）** | ${frac(t.unnamedKept, t.unnamed)} | ${frac(t.deadlinesRight, t.deadlines)} | ${frac(t.issuingRight, t.issuing)} |`,
  );
  return rows.join('\n');
}
