// The ladder's notices as an office sends them: the tasks of one unit lapsing on one day get one
// numbered 逾期通报 (and later one 督办函) listing each task, with each task's link; each task's
// record shows its own rung with that number; 约谈 stays one letter per task.
// Fixed dates in 2035 (no holiday schedule: Monday–Friday; 2035-01-01 is a Monday).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Transporter } from 'nodemailer';
import { createActivities } from '../../activities/index.js';
import type { IssueNoticeInput } from '../../activities/notices.js';
import { createMailer } from '../../activities/mailer.js';
import { runUpdate, startCampaign, taskHandle } from '../../client/campaigns.js';
import { insertCampaign } from '../../db/campaigns.js';
import { definitionSchema, type CampaignDefinition } from '../../domain/definition.js';
import { campaignWorkflowId } from '../../domain/ids.js';
import { startSimulation } from '../../stack/simulation.js';
import { acknowledgeUpdate } from '../../workflows/messages.js';
import { createTestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { mailTo, terminateLeftovers } from './helpers.js';

const database = await createTestDatabase();
const sim = await startSimulation({ db: database.db, links: { publicUrl: 'http://127.0.0.1:1', secret: 'batched-notices-test-secret-of-32-bytes!' } });
afterEach(terminateLeftovers);
afterAll(async () => {
  await sim.stop();
  await database.drop();
});

const at = (iso: string) => Date.parse(iso);
const sleepUntil = async (iso: string) => {
  const ms = at(iso) - (await sim.env.currentTimeMs());
  if (ms <= 0) throw new Error(`模拟时钟已过 ${iso}`);
  await sim.env.sleep(ms);
};

interface Notice {
  kind: string;
  unit_id: string;
  task_id: string | null;
  document_number: string;
  title: string;
  body: string;
  issued_at: Date;
}

async function rungNotices(def: CampaignDefinition): Promise<Notice[]> {
  const { rows } = await database.db.query<Notice>(
    `SELECT kind, unit_id, task_id, document_number, title, body, issued_at FROM notices
     WHERE campaign_id = $1 AND rung IS NOT NULL ORDER BY issued_at, document_number`,
    [def.id],
  );
  return rows;
}

/** Each task's rung events (the rung itself and the notice it was issued with): task → kind → number. */
async function rungEvents(def: CampaignDefinition, kinds: string[]) {
  const { rows } = await database.db.query<{ task_id: string; kind: string; number: string }>(
    `SELECT task_id, kind, detail->>'documentNumber' AS number FROM task_events
     WHERE campaign_id = $1 AND kind = ANY ($2) ORDER BY task_id, kind`,
    [def.id, kinds],
  );
  return rows.map((r) => `${r.task_id} ${r.kind} ${r.number}`);
}

/** Starts the campaign and acknowledges every task on the campaign's first day, so that only the deadlines speak. */
async function startAcknowledged(def: CampaignDefinition) {
  await startCampaign(sim.env.client, def);
  await sleepUntil(`${def.start}T02:00:00Z`);
  for (const task of def.tasks) {
    const handle = taskHandle(sim.env.client, def.id, task.id);
    await waitFor(async () => (await handle.describe().catch(() => undefined)) !== undefined, `${task.id} started`);
    await runUpdate(handle, acknowledgeUpdate, { unitId: task.leadUnit });
  }
}

/** Ends what a test started, so that its timers run no further in the next test. */
async function terminate(def: CampaignDefinition) {
  const handles = [sim.env.client.workflow.getHandle(campaignWorkflowId(def.id)), ...def.tasks.map((t) => taskHandle(sim.env.client, def.id, t.id))];
  for (const handle of handles) await handle.terminate('test finished').catch(() => undefined);
}

const number = (n: number, word = '通报', prefix = '测试创城') => `${prefix}${word}〔2035〕${n}号`;

describe('rung notices, once per unit and day', () => {
  it('sends one 逾期通报 and one 督办函 per unit and day listing its tasks, and one 约谈 per task', { timeout: 240_000 }, async () => {
    const task = (id: string, deadline: string, leadUnit = 'enforcement') => ({ id, start: '2035-01-02', deadline, leadUnit, cooperatingUnits: [] });
    const def = definitionSchema.parse(
      testDefinition({
        start: '2035-01-02',
        end: '2035-03-30',
        tasks: [
          // Three of the street unit's tasks lapse at the end of Wed Jan 10, a fourth a day later;
          // the utilities bureau's one lapses with the first three.
          task('lanes', '2035-01-10'),
          task('signs', '2035-01-10'),
          task('stalls', '2035-01-10'),
          task('market', '2035-01-11'),
          task('pipes', '2035-01-10', 'utilities'),
        ],
      }),
    );

    await sim.withWorker(async () => {
      await startAcknowledged(def);
      // 逾期通报 Jan 11 and 12, 督办函 three working days after the deadline, 约谈 when its 限期 lapses.
      await sleepUntil('2035-01-27T02:00:00Z');
      await terminate(def);
    });

    const all = await rungNotices(def);
    const overdue = all.filter((n) => n.kind === 'overdue');
    // One per unit and day: the street unit's three of Jan 10 in one, the utilities bureau's own, and the street unit's of Jan 11.
    expect(overdue.map((n) => [n.unit_id, n.task_id, n.title])).toEqual(
      expect.arrayContaining([
        ['enforcement', null, '关于区综合执法分局3项整治任务逾期未完成的通报'],
        ['utilities', 'pipes', '关于“整治任务pipes”整治任务逾期未完成的通报'],
        ['enforcement', 'market', '关于“整治任务market”整治任务逾期未完成的通报'],
      ]),
    );
    expect(overdue).toHaveLength(3);
    // Numbered from one sequence without a gap: the counter moved once per letter, not once per task.
    expect(overdue.map((n) => n.document_number).sort()).toEqual([number(1), number(2), number(3)]);
    const batch = overdue.find((n) => n.task_id === null)!;
    expect(batch.body).toContain('区综合执法分局牵头的以下3项整治任务，截至2035年1月11日仍未完成销号，现予以通报：');
    expect(batch.body).toContain('1. “整治任务lanes”，完成时限2035年1月10日，扣减年终绩效分2分。');
    expect(batch.body).toContain('3. “整治任务stalls”，完成时限2035年1月10日，扣减年终绩效分2分。');
    const market = overdue.find((n) => n.task_id === 'market')!;
    expect(market.document_number).toBe(number(3));

    // The unit's principal reads one 逾期通报 for the three, with each task's own link.
    const principal = await mailTo(database.db, 'zf-principal@test.example.org', def);
    const batchMails = principal.filter((m) => m.subject === `【${batch.document_number}】${batch.title}`);
    expect(batchMails).toHaveLength(1);
    for (const id of ['lanes', 'signs', 'stalls']) {
      expect(batchMails[0].text_body).toMatch(new RegExp(`“整治任务${id}”办理链接：http://127\\.0\\.0\\.1:1/u/`));
    }
    expect(principal.filter((m) => m.subject.includes('逾期未完成的通报'))).toHaveLength(2); // the batch, and market's of the next day
    // The responsible leader and the office get the same letter once, without the unit's links.
    const leader = (await mailTo(database.db, 'urban@test.example.org', def)).filter((m) => m.subject.includes(batch.document_number));
    expect(leader).toHaveLength(1);
    expect(leader[0].text_body).not.toContain('办理链接');
    expect(leader[0].cc_header).toContain('office@test.example.org');
    // The other unit hears of its own task only.
    const utilities = (await mailTo(database.db, 'gy-principal@test.example.org', def)).filter((m) => m.subject.includes('逾期'));
    expect(utilities.map((m) => m.subject)).toEqual([`【${overdue.find((n) => n.task_id === 'pipes')!.document_number}】关于“整治任务pipes”整治任务逾期未完成的通报`]);

    // Each task's record: its own rung, citing the shared number; its own deduction in the ledger.
    expect(await rungEvents(def, ['overdue', 'notice.overdue'])).toEqual(
      expect.arrayContaining(
        ['lanes', 'signs', 'stalls'].flatMap((id) => [`${id} notice.overdue ${batch.document_number}`, `${id} overdue ${batch.document_number}`]),
      ),
    );
    const { rows: deductions } = await database.db.query<{ points: number; reason: string }>(
      `SELECT points, reason FROM performance_ledger WHERE campaign_id = $1 AND unit_id = 'enforcement' AND reason LIKE '逾期通报%' ORDER BY reason`,
      [def.id],
    );
    expect(deductions).toEqual([
      { points: -2, reason: `逾期通报：“整治任务lanes”（${batch.document_number}）` },
      { points: -2, reason: `逾期通报：“整治任务market”（${market.document_number}）` },
      { points: -2, reason: `逾期通报：“整治任务signs”（${batch.document_number}）` },
      { points: -2, reason: `逾期通报：“整治任务stalls”（${batch.document_number}）` },
    ]);

    // The 督办函 three working days later: again one for the three, each with its own 限期整改.
    const letters = all.filter((n) => n.kind === 'supervisionLetter');
    expect(letters.map((n) => [n.unit_id, n.task_id])).toEqual(
      expect.arrayContaining([['enforcement', null], ['utilities', 'pipes'], ['enforcement', 'market']]),
    );
    expect(letters).toHaveLength(3);
    expect(letters.map((n) => n.document_number).sort()).toEqual([number(1, '督办'), number(2, '督办'), number(3, '督办')]);
    const letter = letters.find((n) => n.task_id === null)!;
    expect(letter.title).toBe('关于限期整改3项整治任务问题的督办函');
    expect(letter.body).toContain(`1. “整治任务lanes”，完成时限2035年1月10日，此前已发${batch.document_number}，请于2035年1月24日前整改到位。`);
    expect(await rungEvents(def, ['supervisionLetter'])).toEqual(
      expect.arrayContaining(['lanes', 'signs', 'stalls'].map((id) => `${id} supervisionLetter ${letter.document_number}`)),
    );

    // 约谈 is about one task: one letter each, each with its own number.
    const interviews = all.filter((n) => n.kind === 'interview' && n.unit_id === 'enforcement' && n.task_id !== 'market');
    expect(interviews.map((n) => n.task_id).sort()).toEqual(['lanes', 'signs', 'stalls']);
    expect(new Set(interviews.map((n) => n.document_number)).size).toBe(3);
  });

  it('sends the batch once when its sender fails after opening it', { timeout: 120_000 }, async () => {
    // After the first test's dates (the simulated clock only moves forward): deadline Tue Apr 10.
    const base = testDefinition({
      start: '2035-04-02',
      end: '2035-05-31',
      tasks: ['lanes', 'signs'].map((id) => ({ id, start: '2035-04-02', deadline: '2035-04-10', cooperatingUnits: [] })),
    });
    const def = definitionSchema.parse({ ...base, office: { ...base.office, documentPrefix: '故障创城' } });
    // The first attempt to seal this campaign's batch fails (the outbox refuses its first message).
    await database.db.query(`CREATE SEQUENCE IF NOT EXISTS seal_failures`);
    await database.db.query(`
      CREATE OR REPLACE FUNCTION fail_first_seal() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM notices WHERE id = NEW.notice_id AND campaign_id = '${def.id}' AND kind = 'overdue')
           AND nextval('seal_failures') = 1 THEN
          RAISE EXCEPTION '发件队列暂不可用';
        END IF;
        RETURN NEW;
      END $$`);
    await database.db.query('CREATE TRIGGER fail_first_seal BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION fail_first_seal()');
    try {
      await sim.withWorker(async () => {
        await startAcknowledged(def);
        await sleepUntil('2035-04-12T02:00:00Z');
        await terminate(def);
      });
    } finally {
      await database.db.query('DROP TRIGGER fail_first_seal ON outbox');
    }
    const { rows: failures } = await database.db.query<{ n: number }>(`SELECT last_value::int AS n FROM seal_failures`);
    expect(failures[0].n).toBeGreaterThanOrEqual(1);

    const overdue = (await rungNotices(def)).filter((n) => n.kind === 'overdue');
    expect(overdue.map((n) => [n.document_number, n.title])).toEqual([[number(1, '通报', '故障创城'), '关于区综合执法分局2项整治任务逾期未完成的通报']]);
    const mails = (await mailTo(database.db, 'zf-principal@test.example.org', def)).filter((m) => m.subject.includes('逾期'));
    expect(mails).toHaveLength(1);
    expect(mails[0].deliveries).toBe(1);
    expect(await rungEvents(def, ['overdue'])).toEqual([`lanes overdue ${overdue[0].document_number}`, `signs overdue ${overdue[0].document_number}`]);
  });
});

describe('notices issued in bulk (issueNotices)', () => {
  it('numbers n notices in one go without a gap, sends them all though one fails, and issues nothing twice on a retry', async () => {
    const base = testDefinition({ start: '2035-01-02', end: '2035-02-28' });
    const def = definitionSchema.parse({ ...base, office: { ...base.office, documentPrefix: '批量创城' } });
    await insertCampaign(database.db, def);
    // The pooled transport to the sink, except that the utilities bureau's server refuses mail once.
    const pooled = createMailer(sim.sink.url);
    let refusals = 1;
    const mailer = {
      sendMail: async (message: { to: { address: string }[] }) => {
        if (message.to.some((a) => a.address === 'gy@test.example.org') && refusals-- > 0) throw new Error('550 邮箱暂不可用');
        return pooled.sendMail(message);
      },
    } as unknown as Transporter;
    const { issueNotices } = createActivities({ db: database.db, mailer });
    const notice = (unitId: string, name: string): IssueNoticeInput => ({
      key: `bulk-test/${def.id}/${unitId}`,
      campaignId: def.id,
      unitId,
      kind: 'reminder',
      issuedAt: '2035-01-08T01:00:00.000Z',
      recipients: { to: ['leadUnit.contact'], cc: [] },
      document: { title: `关于督促${name}报送工作进展的催办通知`, addressees: `${name}：`, paragraphs: ['请于本周内报送整改进展。'] },
    });
    const inputs = [notice('enforcement', '区综合执法分局'), notice('utilities', '区公用事业局'), notice('service', '北海服务中心')];

    try {
      await expect(issueNotices(inputs)).rejects.toThrow('550 邮箱暂不可用');
      // Numbered and stored all together, 1 to 3 in the order asked; two mails out, the refused one owed.
      const { rows } = await database.db.query<{ unit_id: string; document_number: string; status: string }>(
        `SELECT n.unit_id, n.document_number, o.status FROM notices n JOIN outbox o ON o.notice_id = n.id WHERE n.campaign_id = $1 ORDER BY n.id`,
        [def.id],
      );
      expect(rows).toEqual([
        { unit_id: 'enforcement', document_number: number(1, '催办', '批量创城'), status: 'sent' },
        { unit_id: 'utilities', document_number: number(2, '催办', '批量创城'), status: 'failed' },
        { unit_id: 'service', document_number: number(3, '催办', '批量创城'), status: 'sent' },
      ]);

      // The retry numbers nothing again and sends only the refused one.
      const retried = await issueNotices(inputs);
      expect(retried.map((n) => n.documentNumber)).toEqual([1, 2, 3].map((n) => number(n, '催办', '批量创城')));
      for (const [address, n] of [['zf@test.example.org', 1], ['gy@test.example.org', 2], ['fw@test.example.org', 3]] as const) {
        const mails = await mailTo(database.db, address, def);
        expect(mails.map((m) => [m.subject, m.deliveries])).toEqual([[`【${number(n, '催办', '批量创城')}】${inputs[n - 1].document!.title}`, 1]]);
      }
      const { rows: sequence } = await database.db.query<{ last_number: number }>(
        `SELECT last_number FROM document_sequences WHERE prefix = '批量创城' AND word = '催办'`,
      );
      expect(sequence).toEqual([{ last_number: 3 }]);
    } finally {
      pooled.close();
    }
  });
});
