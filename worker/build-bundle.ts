// Writes the workflow bundle to dist/, so a production worker does not bundle at start.
import { mkdir, writeFile } from 'node:fs/promises';
import { bundleWorkflows } from './bundle.js';

const bundle = await bundleWorkflows();
await mkdir('dist', { recursive: true });
await writeFile('dist/workflow-bundle.js', bundle.code);
console.log(`已生成 dist/workflow-bundle.js（${(bundle.code.length / 1024).toFixed(0)} KiB）`);
