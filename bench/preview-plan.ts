// Writes the plan `chuangwen campaign preview` is measured on (docs/benchmarks.md, 预览): the Beihai
// plan's office, leaders and ten units with 50 tasks, every cadence the seed plans prescribe, a year
// from the given start. Usage: tsx bench/preview-plan.ts OUT.yaml [START]
import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { DEFAULT_CADENCES } from '../domain/cadences.js';
import { addDays } from '../domain/calendar.js';
import { parseDefinition } from '../domain/definition-yaml.js';

const [out, start = '2027-01-01'] = process.argv.slice(2);
if (!out) throw new Error('用法：tsx bench/preview-plan.ts OUT.yaml [START]');
const plan = parseDefinition(await readFile(new URL('../examples/beihai-2021.yaml', import.meta.url), 'utf8'), 'beihai-2021.yaml');
const units = plan.units.map((u) => u.id);
const definition = {
  ...plan,
  id: 'preview-bench',
  start,
  end: addDays(start, 364),
  phases: [],
  cadences: DEFAULT_CADENCES,
  // Deadlines spread over the year: 30 to 325 days after the start.
  tasks: Array.from({ length: 50 }, (_, i) => ({
    id: `task-${String(i + 1).padStart(2, '0')}`,
    title: `专项整治任务${i + 1}`,
    description: '按方案要求完成整治。',
    leadUnit: units[i % units.length],
    cooperatingUnits: [units[(i + 1) % units.length]],
    start,
    deadline: addDays(start, 30 + ((i * 6) % 296)),
  })),
};
await writeFile(out, stringify(definition));
console.log(`${out}：${definition.tasks.length} 项任务，${definition.units.length} 个单位，${definition.start} 至 ${definition.end}`);
