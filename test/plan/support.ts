// Shared by the plan-import tests: where the five real plans are, and reading an import back.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { parse } from 'yaml';
import { DefinitionError, parseDefinition } from '../../domain/definition-yaml.js';
import { isPlaceholderProblem, type PlanImport } from '../../plan/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** CI lays shared/ beside the clone. */
export const plansDir = path.resolve(repoRoot, '../shared/plans');
export const havePlans = existsSync(plansDir);
if (!havePlans) {
  console.warn(`跳过真实方案的测试：找不到 ${plansDir}（shared/ 应放在仓库旁边）`);
}

export interface Def {
  id: string;
  title: string;
  office: { name: string; documentPrefix: string; email: string; director?: { name: string; title?: string }; superior?: { name: string; email: string } };
  start: string;
  end: string;
  source?: { title?: string; issuingBody?: string; period?: string; references: string[] };
  leaders: { id: string; role: string; name: string; title?: string; email: string }[];
  units: { id: string; name: string; kind: string; responsibleLeader?: string; principal: { name: string } }[];
  areas?: { name: string; responsibleLeader?: string; units: string[]; duties: string }[];
  phases?: { name: string; start: string; end: string }[];
  tasks: {
    id: string;
    title: string;
    description: string;
    leadUnit: string;
    cooperatingUnits: string[];
    start: string;
    deadline: string;
    indicators?: string[];
  }[];
  indicators?: { text: string; metric?: string; operator?: string; value?: number; unit?: string }[];
  cadences?: Record<string, Record<string, unknown>>;
  manual?: { rule: string; line?: number; reason: string }[];
  escalation?: { ladder: Record<string, unknown>[]; [key: string]: unknown };
  assessment?: Record<string, Record<string, unknown>>;
}

/** The definition as plain data. */
export function definitionOf(result: PlanImport): Def {
  return parse(result.yaml) as Def;
}

/** Tasks as [title, lead unit name, cooperating unit names]. */
export function taskUnits(def: Def): [string, string, string[]][] {
  const name = (id: string) => def.units.find((u) => u.id === id)?.name ?? `?${id}`;
  return def.tasks.map((t) => [t.title, name(t.leadUnit), t.cooperatingUnits.map(name)]);
}

/** Leaders as [role, name]. */
export function leaderRoles(def: Def): [string, string][] {
  return def.leaders.map((l) => [l.role, l.name]);
}

/** Every problem parseDefinition reports for the import; all must be placeholder e-mail addresses. */
export function definitionProblems(result: PlanImport): { placeholders: number; others: string[] } {
  try {
    parseDefinition(result.yaml, `${result.id}.yaml`);
    return { placeholders: 0, others: [] };
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    return {
      placeholders: error.problems.filter(isPlaceholderProblem).length,
      others: error.problems.filter((p) => !isPlaceholderProblem(p)).map((p) => `${p.field}: ${p.message}`),
    };
  }
}

/** A minimal Word document: one paragraph per line of the text; a table is rows of cells of paragraphs. */
export function makeDocx(content: string | (string | string[][][])[]): Buffer {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const para = (p: string) => `<w:p><w:r><w:t xml:space="preserve">${esc(p)}</w:t></w:r></w:p>`;
  const table = (rows: string[][][]) =>
    `<w:tbl>${rows.map((r) => `<w:tr>${r.map((c) => `<w:tc>${c.map(para).join('')}</w:tc>`).join('')}</w:tr>`).join('')}</w:tbl>`;
  const blocks = typeof content === 'string' ? content.split('\n') : content;
  const body = blocks.map((b) => (typeof b === 'string' ? para(b) : table(b))).join('');
  return Buffer.from(
    zipSync({
      '[Content_Types].xml': strToU8(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
          '</Types>',
      ),
      '_rels/.rels': strToU8(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
          '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
          '</Relationships>',
      ),
      'word/document.xml': strToU8(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
          `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
      ),
    }),
  );
}

