// npm run eval:import — imports every plan of test/plan/corpus (and the .docx/.xlsx/.pdf and encoding
// variants built from them) and prints, per plan and in total, the share of actions found and of lead units
// right. --misses lists what was missed; --text-only skips the variants; --docs also writes the table into
// docs/import.md (between its eval:start and eval:end marks).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { corpusDir, evaluateCorpus, table } from './recall.js';

const args = new Set(process.argv.slice(2));
const scores = await evaluateCorpus({ variants: !args.has('--text-only') });
const markdown = table(scores);
process.stdout.write(`${markdown}\n`);
if (args.has('--docs')) {
  const docs = path.resolve(corpusDir, '../../../docs/import.md');
  const text = await readFile(docs, 'utf8');
  const replaced = text.replace(/(<!-- eval:start -->)[\s\S]*?(<!-- eval:end -->)/, `$1\n${markdown}\n$2`);
  await writeFile(docs, replaced, 'utf8');
  process.stdout.write(`\n已写入 ${path.relative(process.cwd(), docs)}\n`);
}
if (args.has('--misses')) {
  for (const s of scores) {
    if (s.misses.length === 0) continue;
    process.stdout.write(`\n${s.name}\n${s.misses.map((m) => `  ${m}`).join('\n')}\n`);
  }
}
