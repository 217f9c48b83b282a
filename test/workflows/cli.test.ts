// The task, notice and calendar commands, run in-process against the time-skipping server and
// the test database (TEMPORAL_ADDRESS and DATABASE_URL point at them).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import mammoth from 'mammoth';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerCalendarCommands } from '../../client/commands/calendar.js';
import { registerNoticeCommands } from '../../client/commands/notice.js';
import { registerTaskCommands } from '../../client/commands/task.js';
import { BadInputError } from '../../client/exit-codes.js';
import { startSimulation, type Simulation } from '../../stack/simulation.js';
import { taskStateQuery } from '../../workflows/messages.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ladderDefinition, notices, startTask, terminateLeftovers, waitForEvent } from './helpers.js';

let database: TestDatabase;
let sim: Simulation;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  sim = await startSimulation({ db: database.db });
  dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-cli-'));
  process.env.DATABASE_URL = database.url;
  process.env.TEMPORAL_ADDRESS = sim.env.address;
});
afterEach(terminateLeftovers);
afterAll(async () => {
  await sim?.stop();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `chuangwen ...args` in-process; returns what it printed. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command('chuangwen').exitOverride();
  registerTaskCommands(program);
  registerNoticeCommands(program);
  registerCalendarCommands(program);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await program.parseAsync(['node', 'chuangwen', ...args]);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

describe('command line', () => {
  it('acknowledges, submits evidence files, shows the task, lists notices and exports a 公文 as .docx', async () => {
    const def = ladderDefinition({ today: await sim.now(), deadlineInDays: 10 });
    await sim.withWorker(async () => {
      const task = await startTask(sim, def);
      await waitForEvent(task, 'assigned');
      expect(await cli('task', 'ack', def.id, 'lanes', '--unit', 'enforcement', '--by', '郑丽')).toContain('任务 lanes：已签收');
      await expect(cli('task', 'ack', def.id, 'lanes', '--unit', 'enforcement')).rejects.toThrow(BadInputError);

      const photo = path.join(dir, '整改后.jpg');
      await writeFile(photo, Buffer.from('\xff\xd8\xff\xe0 jpeg', 'latin1'));
      const out = await cli('task', 'evidence', def.id, 'lanes', '--unit', 'enforcement', '--form', 'photo', '--file', photo, '--text', '整改后照片');
      expect(out).toContain('待核查');
      const state = await task.query(taskStateQuery);
      expect(state.evidence[0].files[0]).toMatchObject({ name: '整改后.jpg', contentType: 'image/jpeg' });

      const shown = await cli('task', 'show', def.id, 'lanes');
      expect(shown).toContain('状态：待核查');
      expect(shown).toContain('图片资料');
      // The unit acted; who at the unit is its label.
      expect(shown).toContain('签收（enforcement 郑丽）');

      const listed = await cli('notice', 'list', def.id);
      const [assignment] = await notices(database.db, def.id);
      expect(listed).toContain(assignment.document_number);
      expect(listed).toContain('交办通知');

      const file = path.join(dir, 'notice.docx');
      expect(await cli('notice', 'docx', assignment.document_number, '-o', file)).toContain(`已导出 ${assignment.document_number}`);
      const text = (await mammoth.extractRawText({ buffer: await readFile(file) })).value;
      expect(text).toContain(assignment.title);
      expect(text).toContain('区综合执法分局：');
      await expect(cli('notice', 'docx', '没有这个文号', '-o', file)).rejects.toThrow(BadInputError);

      expect(await cli('task', 'verify', def.id, 'lanes', '--pass')).toContain('已销号');
    });
  });

  it('imports a year of holidays from YAML, refusing a wrong one with the reason', async () => {
    const good = path.join(dir, '2031.yaml');
    await writeFile(good, 'calendar:\n  2031:\n    holidays: [2031-01-01, 2031-10-01..2031-10-07]\n    workdays: [2031-09-28, 2031-10-11]\n');
    expect(await cli('calendar', 'import', good, '--source', '国办发明电〔2030〕7号')).toContain('已导入 2031 年的节假日安排');
    const { rows } = await database.db.query('SELECT year, workdays, source FROM calendar_years WHERE year = 2031');
    expect(rows[0]).toEqual({ year: 2031, workdays: ['2031-09-28', '2031-10-11'], source: '国办发明电〔2030〕7号' });

    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, '2032:\n  holidays: [2032-10-01]\n  workdays: [2032-10-06]\n');
    await expect(cli('calendar', 'import', bad)).rejects.toThrow(/调休上班日 2032-10-06 是星期三/);
  });
});
