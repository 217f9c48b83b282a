// npm run examples — one campaign definition per seed plan in ../shared/plans, as the importer writes it
// (its comments kept), with the contacts it cannot know filled in by a fixed rule, so that every file
// passes `chuangwen plan validate` and can be started as it stands:
//
//   x@placeholder.invalid → x@<plan>.example.org (example.org is reserved for documentation: nothing is delivered)
//   a name 待填写          → the role the person holds: a unit's principal its title (主要负责人), a contact
//                            联络员, a leader its title or 领导, the office's director its title or 主任,
//                            the superior body the name the plan gives it (上级 when none)
//   a unit the plan names as a person (principal and contact the same person) has one address, the contact's.
//
// The rule is written at the top of every file and in docs/import.md (示例). Exit 2 when the plans are absent.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isScalar, parseDocument, visit, type Document, type Scalar } from 'yaml';
import { parseDefinition } from '../domain/definition-yaml.js';
import { PLACEHOLDER_EMAIL_DOMAIN } from '../domain/definition.js';
import { importPlan } from '../plan/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The seed plans lie beside the clone (as test/plan/support.ts finds them). */
export const plansDir = path.resolve(repoRoot, '../shared/plans');

export interface ExamplePlan {
  /** The plan's file in ../shared/plans. */
  plan: string;
  /** The example's file stem in examples/, also the campaign id. */
  stem: string;
  /** The plan's slug: addresses are <local>@<slug>.example.org. */
  slug: string;
}

export const EXAMPLES: ExamplePlan[] = [
  { plan: '1-guiyang-2020.txt', stem: 'guiyang-2020', slug: 'guiyang-2020' },
  // examples/beihai-2021.yaml is the hand-finished example of the same plan (README, demo, tests).
  { plan: '2-beihai-2021.txt', stem: 'beihai-2021-imported', slug: 'beihai-2021' },
  { plan: '3-linxi-2016.txt', stem: 'linxi-2016', slug: 'linxi-2016' },
  { plan: '4-longling-2016.txt', stem: 'longling-2016', slug: 'longling-2016' },
  { plan: '5-hecheng-2015.txt', stem: 'hecheng-2015', slug: 'hecheng-2015' },
];

const TO_FILL = '待填写';
const PLACEHOLDER_SUFFIX = `@${PLACEHOLDER_EMAIL_DOMAIN}`;

/** What was filled in one file. */
export interface Filled {
  yaml: string;
  id: string;
  emails: number;
  names: number;
}

/** Imports one seed plan and fills its placeholders; the YAML text as examples/<stem>.yaml holds it. */
export async function buildExample(example: ExamplePlan): Promise<Filled> {
  const file = `examples/${example.stem}.yaml`;
  const result = await importPlan(await readFile(path.join(plansDir, example.plan)), example.plan, { outputName: file });
  if (result.problems.length > 0) {
    throw new Error(`${example.plan}：导入结果除占位邮箱外还有 ${result.problems.length} 处错误：${result.problems.map((p) => `${p.field}: ${p.message}`).join('；')}`);
  }
  const doc = parseDocument(result.yaml);
  const names = fillNames(doc, example.plan);
  const emails = fillEmails(doc, example.slug);
  setId(doc, example.stem);
  doc.commentBefore = [...header(example, emails, names), ...markFilled(doc.commentBefore ?? '')].join('\n');

  const yaml = doc.toString({ lineWidth: 0, indent: 2 });
  leftovers(yaml, example.plan);
  parseDefinition(yaml, file); // throws a DefinitionError naming line and field
  return { yaml, id: example.stem, emails, names };
}

/** The header that says where the file comes from and how its contacts were filled. */
function header(example: ExamplePlan, emails: number, names: number): string[] {
  return [
    ` 示例：由 npm run examples（examples/build.ts）从 ../shared/plans/${example.plan} 导入后按下面的规则补全；`,
    ' 请勿手改，重新运行 npm run examples 即覆盖。人名与邮箱都是示例，不是方案写明的联系方式。',
    ' 补全规则（docs/import.md「示例」）：',
    `   占位邮箱 x@${PLACEHOLDER_EMAIL_DOMAIN} → x@${example.slug}.example.org（example.org 是文档保留域名，不会投递）；`,
    `   「${TO_FILL}」的姓名 → 所任角色：单位主要负责人写其职务（主要负责人），联络员写「联络员」，`,
    '   领导写其职务（未写职务写「领导」），创建办主任写其职务（主任），上级写方案所说的机关名称（未写为「上级」）；',
    '   按个人建的责任单位（主要负责人与联络员是同一人）只用一个邮箱：联络员的地址。',
    ` 本文件补全：邮箱 ${emails} 处，姓名 ${names} 处。以下是导入程序写的注释（其中的「待填写」计数指补全之前）。`,
    '',
  ];
}

/** The importer's header line counting what is to fill now says it was filled. */
function markFilled(comment: string): string[] {
  return comment.split('\n').map((line) => (/^ ?待填写：/.test(line) ? line.replace('待填写：', '导入时待填写：').replace(/。$/, '；均已按上述规则补全。') : line));
}

function setId(doc: Document, id: string) {
  const node = doc.get('id', true);
  if (!isScalar(node)) throw new Error('定义没有 id');
  node.value = id;
  node.comment = ' 示例文件名';
}

type Path = (string | number)[];

/** The scalar at path, when it is the text 待填写. */
function placeholderAt(doc: Document, at: Path): Scalar | undefined {
  const node = doc.getIn(at, true);
  return isScalar(node) && node.value === TO_FILL ? node : undefined;
}

function fill(node: Scalar | undefined, value: string): number {
  if (!node) return 0;
  node.value = value;
  if (typeof node.comment === 'string' && node.comment.trim() === TO_FILL) node.comment = ' 示例补全';
  return 1;
}

interface DefData {
  office?: { director?: { title?: string }; superior?: { name?: string } };
  leaders?: { title?: string }[];
  units?: { principal?: { name?: string; title?: string; email?: string }; contact?: { name?: string; email?: string } }[];
  assessment?: { reportTo?: { to?: string } };
}

/** Every name 待填写 becomes the role its holder has; a 待填写 anywhere else stops the build. */
function fillNames(doc: Document, plan: string): number {
  const data = doc.toJS() as DefData;
  let n = 0;
  (data.units ?? []).forEach((unit, i) => {
    n += fill(placeholderAt(doc, ['units', i, 'principal', 'name']), unit.principal?.title || '主要负责人');
    n += fill(placeholderAt(doc, ['units', i, 'contact', 'name']), '联络员');
  });
  (data.leaders ?? []).forEach((leader, i) => {
    n += fill(placeholderAt(doc, ['leaders', i, 'name']), leader.title || '领导');
  });
  n += fill(placeholderAt(doc, ['office', 'director', 'name']), data.office?.director?.title || '主任');
  n += fill(placeholderAt(doc, ['office', 'superior', 'name']), data.assessment?.reportTo?.to || '上级');
  n += fill(placeholderAt(doc, ['office', 'discipline', 'name']), '纪检监察室');

  // A unit the importer made of a person: the principal's address is the contact's.
  (data.units ?? []).forEach((unit, i) => {
    const person = unit.principal?.name;
    if (!person || person === TO_FILL || person !== unit.contact?.name || !unit.contact.email) return;
    const node = doc.getIn(['units', i, 'principal', 'email'], true);
    if (isScalar(node)) node.value = unit.contact.email;
  });

  visit(doc, {
    Scalar(_, node) {
      if (node.value === TO_FILL) throw new Error(`${plan}：还有一处「${TO_FILL}」不知按什么角色补全（examples/build.ts 的规则需要补充）`);
    },
  });
  return n;
}

/** Every placeholder address x@placeholder.invalid becomes x@<slug>.example.org. */
function fillEmails(doc: Document, slug: string): number {
  let n = 0;
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && node.value.endsWith(PLACEHOLDER_SUFFIX)) {
        node.value = `${node.value.slice(0, -PLACEHOLDER_SUFFIX.length)}@${slug}.example.org`;
        if (typeof node.comment === 'string' && node.comment.trim() === TO_FILL) node.comment = ' 示例补全';
        n++;
      }
    },
  });
  return n;
}

function leftovers(yaml: string, plan: string) {
  const left = yaml.split('\n').filter((line) => !line.trimStart().startsWith('#') && line.includes(PLACEHOLDER_SUFFIX));
  if (left.length) throw new Error(`${plan}：补全后仍有占位邮箱：${left.join(' / ')}`);
}

async function main(): Promise<number> {
  if (!existsSync(plansDir)) {
    process.stderr.write(`找不到种子方案目录 ${plansDir}（shared/ 应放在仓库旁边），未生成任何示例\n`);
    return 2;
  }
  for (const example of EXAMPLES) {
    const built = await buildExample(example);
    const out = path.join(repoRoot, 'examples', `${example.stem}.yaml`);
    await writeFile(out, built.yaml, 'utf8');
    process.stdout.write(`examples/${example.stem}.yaml ← ${example.plan}：邮箱 ${built.emails} 处、姓名 ${built.names} 处已补全\n`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
