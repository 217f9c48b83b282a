// Reads a campaign definition from YAML text and reports every problem with line and field.
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { secretReferenceProblems, type Env } from './channels.js';
import { definitionSchema, taskSchema, type CampaignDefinition, type Task } from './definition.js';

export interface DefinitionProblem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path of the field, e.g. tasks[2].leadUnit */
  field?: string;
  message: string;
}

export class DefinitionError extends Error {
  constructor(readonly problems: DefinitionProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'DefinitionError';
  }
}

export function formatProblem(p: DefinitionProblem): string {
  const where = [p.file, p.line, p.column].filter((x) => x !== undefined).join(':');
  return `${where}${p.field ? ` ${p.field}` : ''}: ${p.message}`;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * Parses and validates; throws DefinitionError listing every problem found. With `env` (the
 * console's or the CLI's environment), the robots' secret references (`env:NAME`) must name a
 * variable set there too.
 */
export function parseDefinition(text: string, file = '<definition>', options: { env?: Env } = {}): CampaignDefinition {
  const { env } = options;
  return parseWith(definitionSchema, text, file, '定义文件应为 YAML 映射（键: 值）', env ? (def) => secretReferenceProblems(def, env) : undefined);
}

/**
 * One task to add to a running campaign (`chuangwen campaign add-task`): the fields of a
 * definition's tasks[] entry, validated by the same schema; every problem with line and field.
 * That its units belong to the campaign is the campaign workflow's to check.
 */
export function parseTask(text: string, file = '<task>'): Task {
  return parseWith(taskSchema, text, file, '任务文件应为一项任务的 YAML 映射（键: 值）：id、title、leadUnit、start、deadline 等');
}

/**
 * The limits of every YAML reader here (the console's uploads and API, the CLI's files): aliases
 * (&anchor / *reference) expand at most this many times, so a few lines of nested references (an
 * "alias bomb", billions of nodes) are refused instead of filling the memory.
 */
export const YAML_LIMITS = { maxAliasCount: 100 } as const;

export const ALIAS_BOMB_MESSAGE =
  'YAML 别名（&锚点 / *引用）展开后过大，疑似恶意构造的文件，已拒绝；请直接写出内容，不要层层引用';

/**
 * Reads YAML text as the console and the CLI both do: syntax errors, duplicate keys and expanding
 * aliases past YAML_LIMITS are a DefinitionError naming file, line and column, never a crash.
 */
export function readYaml(text: string, file: string): { doc: Document; data: unknown; position: (offset: number) => { line: number; col: number } } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => lineCounter.linePos(offset);

  if (doc.errors.length > 0) {
    throw new DefinitionError(
      doc.errors.map((e) => {
        const { line, col } = position(e.pos[0]);
        return { file, line, column: col, message: `YAML 语法错误：${e.message.split('\n')[0]}` };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (error) {
    const message =
      error instanceof Error && /alias/i.test(error.message)
        ? ALIAS_BOMB_MESSAGE
        : `无法读取 YAML：${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    throw new DefinitionError([{ file, line: 1, message }]);
  }
  return { doc, data, position };
}

/** `more`: problems of a valid value that the schema cannot see (the environment), each with its path. */
function parseWith<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
  notAMapping: string,
  more?: (value: z.output<S>) => { path: PropertyKey[]; message: string }[],
): z.output<S> {
  const { doc, data, position } = readYaml(text, file);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new DefinitionError([{ file, line: 1, message: notAMapping }]);
  }
  const result = schema.safeParse(data);
  const problems: { path: PropertyKey[]; at?: PropertyKey[]; message: string }[] = result.success
    ? (more?.(result.data) ?? [])
    : result.error.issues.map((issue) => ({
        // An unknown key is reported at its own line, under its parent's name.
        path: issue.path,
        at: issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path,
        message: issue.message,
      }));
  if (result.success && problems.length === 0) return result.data;
  throw new DefinitionError(
    problems.map((p) => ({ file, ...lineOf(doc, p.at ?? p.path, position), field: fieldPath(p.path), message: p.message })),
  );
}

/** The line of the deepest node of the path that exists in the document. */
function lineOf(
  doc: Document,
  path: readonly PropertyKey[],
  position: (offset: number) => { line: number; col: number },
): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true);
    if (isNode(node) && node.range) {
      const { line, col } = position(node.range[0]);
      return { line, column: col };
    }
  }
  return {};
}
