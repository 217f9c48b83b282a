// The weekly 催办 as an office sends it: once a week to each unit, listing every task of the unit
// that reported nothing since the last check, with each task's link; not one mail per task. A unit
// with 30 open tasks gets one mail a week; each task's record shows the numbered notice.
// Fixed dates in 2035 (no holiday schedule: Monday–Friday; 2035-01-01 is a Monday).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runUpdate, startCampaign, taskHandle } from '../../client/campaigns.js';
import { definitionSchema } from '../../domain/definition.js';
import { startSimulation } from '../../stack/simulation.js';
import { acknowledgeUpdate, reportProgressUpdate } from '../../workflows/messages.js';
import { createTestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { mailTo, terminateLeftovers } from './helpers.js';

const database = await createTestDatabase();
const sim = await startSimulation({ db: database.db, links: { publicUrl: 'http://127.0.0.1:1', secret: 'unit-reminders-test-secret-of-32-bytes!!' } });
afterEach(terminateLeftovers);
afterAll(async () => {
  await sim.stop();
  await database.drop();
});

const at = (iso: string) => Date.parse(iso);

describe('the weekly 催办, once per unit', () => {
  it('reminds a unit of its 30 silent tasks in one mail a week, and leaves out a task that reported', { timeout: 180_000 }, async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `street-${String(i + 1).padStart(2, '0')}`);
    const def = definitionSchema.parse({
      ...testDefinition({
        start: '2035-01-02',
        end: '2035-02-28',
        tasks: [
          ...ids.map((id, i) => ({ id, start: '2035-01-02', deadline: `2035-02-${String(10 + (i % 15)).padStart(2, '0')}`, cooperatingUnits: [] })),
          { id: 'pipes', start: '2035-01-02', deadline: '2035-02-20', leadUnit: 'utilities', cooperatingUnits: [] },
        ],
      }),
    });
    const lead = (id: string) => (id === 'pipes' ? 'utilities' : 'enforcement');

    await sim.withWorker(async () => {
      await startCampaign(sim.env.client, def);
      // Every task assigned (Tue Jan 2), then acknowledged by its unit: only progress is missing.
      await sim.env.sleep(at('2035-01-02T02:00:00Z') - (await sim.env.currentTimeMs()));
      for (const id of [...ids, 'pipes']) {
        await waitFor(async () => (await taskHandle(sim.env.client, def.id, id).describe().catch(() => undefined)) !== undefined, `${id} started`);
        await runUpdate(taskHandle(sim.env.client, def.id, id), acknowledgeUpdate, { unitId: lead(id) });
      }
      // First check Mon Jan 8 09:00; the pipes are reported on Tue Jan 9; second check Mon Jan 15.
      await sim.env.sleep(at('2035-01-09T02:00:00Z') - (await sim.env.currentTimeMs()));
      await runUpdate(taskHandle(sim.env.client, def.id, 'pipes'), reportProgressUpdate, { unitId: 'utilities', text: '已完成管网排查' });
      await sim.env.sleep(at('2035-01-16T02:00:00Z') - (await sim.env.currentTimeMs()));
    });

    const { rows: reminders } = await database.db.query<{ unit_id: string; task_id: string | null; document_number: string; title: string; body: string }>(
      `SELECT unit_id, task_id, document_number, title, body FROM notices WHERE campaign_id = $1 AND kind = 'reminder' ORDER BY issued_at, unit_id`,
      [def.id],
    );
    // Jan 8: one to each unit; Jan 15: the street unit only (the pipes reported on Jan 9).
    expect(reminders.map((r) => [r.unit_id, r.task_id, r.title])).toEqual([
      ['enforcement', null, '关于督促报送30项整治任务工作进展的催办通知'],
      ['utilities', null, '关于督促报送“整治任务pipes”工作进展的催办通知'],
      ['enforcement', null, '关于督促报送30项整治任务工作进展的催办通知'],
    ]);
    expect(reminders[0].document_number).toBe('测试创城催办〔2035〕1号');
    expect(reminders[0].body).toContain('你单位牵头的以下30项整治任务，自2035年1月2日以来未报送工作进展');
    expect(reminders[0].body).toContain('1. “整治任务street-01”，完成时限2035年2月10日。');

    // The unit's contact: one mail a week, carrying a link for each of its 30 tasks.
    const mails = (await mailTo(database.db, 'zf@test.example.org', def)).filter((m) => m.subject.includes('催办'));
    expect(mails).toHaveLength(2);
    expect(mails[0].text_body.match(/”办理链接：http:\/\/127\.0\.0\.1:1\/u\//g)).toHaveLength(30);
    expect(await mailTo(database.db, 'gy@test.example.org', def).then((m) => m.filter((x) => x.subject.includes('催办')))).toHaveLength(1);

    // Each task's record shows each reminder with its number.
    const { rows: events } = await database.db.query<{ task_id: string; n: number }>(
      `SELECT task_id, count(*)::int AS n FROM task_events WHERE campaign_id = $1 AND kind = 'notice.reminder' GROUP BY task_id ORDER BY task_id`,
      [def.id],
    );
    expect(events.find((e) => e.task_id === 'pipes')?.n).toBe(1);
    expect(events.filter((e) => e.task_id.startsWith('street-')).map((e) => e.n)).toEqual(ids.map(() => 2));
  });
});
