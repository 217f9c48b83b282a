// The lint rules that keep the rooms apart fail where they should: an import cycle, a client that
// calls activities as a library, a workflow that reaches for I/O, a promise nobody awaits.
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd(), ignore: false });

async function rulesBroken(filePath: string, text?: string): Promise<string[]> {
  const results = text === undefined ? await eslint.lintFiles([filePath]) : await eslint.lintText(text, { filePath });
  return results.flatMap((r) => r.messages.map((m) => m.ruleId ?? m.message));
}

/** A real file of the tree with one line added, linted as if it stood there. */
function withLine(filePath: string, line: string): string {
  return `${line}\n${readFileSync(filePath, 'utf8')}`;
}

describe('lint rules', () => {
  it('fails on an import cycle', async () => {
    expect(await rulesBroken('test/fixtures/lint/cycle-a.ts')).toContain('import-x/no-cycle');
  });

  it('fails when client/ imports activities/', async () => {
    const text = withLine('client/cli.ts', "import { createNoticeActivities } from '../activities/notices.js';\nvoid createNoticeActivities;");
    expect(await rulesBroken('client/cli.ts', text)).toContain('no-restricted-imports');
  });

  it('fails when workflow code imports anything but domain/ and the SDK', async () => {
    for (const line of ["import { Pool } from 'pg';\nvoid Pool;", "import { openDb } from '../db/pool.js';\nvoid openDb;"]) {
      expect(await rulesBroken('workflows/index.ts', withLine('workflows/index.ts', line))).toContain('no-restricted-imports');
    }
  });

  it('fails on a floating promise in product code', async () => {
    const text = `${readFileSync('db/pool.ts', 'utf8')}\nexport function forgetful(): void {\n  Promise.resolve(1);\n}\n`;
    expect(await rulesBroken('db/pool.ts', text)).toContain('@typescript-eslint/no-floating-promises');
  });

  it('passes the tree as it is', async () => {
    const results = await new ESLint({ cwd: process.cwd() }).lintFiles(['workflows', 'domain']);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}: ${m.ruleId} ${m.message}`))).toEqual([]);
  });
});
