// Summarises V8 CPU profiles written by a benchmark worker (BENCH_CPU_PROFILE=<dir>): self time by
// package or source folder, and the heaviest functions. `tsx bench/profile-summary.ts <dir>`
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function bucketOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const own = /\/work\/[^/]+\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/`;
  return url.split('/').slice(-2).join('/');
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx bench/profile-summary.ts <dir>');
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
    const p = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<number, number>();
    p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
    const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
    const buckets = new Map<string, number>();
    const fns = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const n = byId.get(id)!;
      const b = bucketOf(n.callFrame.url, n.callFrame.functionName);
      buckets.set(b, (buckets.get(b) ?? 0) + us);
      const f = `${n.callFrame.functionName || '(anonymous)'} ${bucketOf(n.callFrame.url, '')}:${n.callFrame.lineNumber + 1}`;
      fns.set(f, (fns.get(f) ?? 0) + us);
    }
    const pct = (us: number) => `${((100 * us) / total).toFixed(1)} %`;
    console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
    for (const [b, us] of [...buckets].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us).padStart(7)}  ${b}`);
    console.log('  heaviest functions:');
    for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us).padStart(7)}  ${f}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
