// The CLI run as a user runs it (a process, its exit code and what it prints) against a test
// database and the time-skipping server, with a worker serving the task queue for the whole file,
// as `npm start` does. Call once at the top of a test file.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { startSimulation, type Simulation } from '../../stack/simulation.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const run = promisify(execFile);
const CLI = path.resolve('client/cli.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliStack {
  database: TestDatabase;
  sim: Simulation;
  /** The file's scratch folder, removed after the file. */
  dir: string;
  /** Runs `chuangwen …` with the stack's Temporal address and database. */
  chuangwen(...args: string[]): Promise<CliResult>;
  /** Writes a file into the file's scratch folder and returns its path. */
  file(name: string, content: string): Promise<string>;
}

export async function cliStackForFile(): Promise<CliStack> {
  const database = await createTestDatabase();
  const sim = await startSimulation({ db: database.db });
  const dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-cli-'));
  let release: () => void = () => undefined;
  const worker = sim.withWorker(() => new Promise<void>((resolve) => (release = resolve)));
  afterAll(async () => {
    release();
    await worker;
    await sim.stop();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    database,
    sim,
    dir,
    async chuangwen(...args) {
      try {
        const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
          env: { ...process.env, TEMPORAL_ADDRESS: sim.env.address, DATABASE_URL: database.url },
          maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as CliResult;
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },
    async file(name, content) {
      const at = path.join(dir, name);
      await writeFile(at, content);
      return at;
    },
  };
}
