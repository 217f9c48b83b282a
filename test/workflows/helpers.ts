// Shared by the lifecycle, ladder and calendar tests: one task's workflow started on its own
// (its campaign registered in PostgreSQL, no campaign workflow), and readers of what it left
// behind: notices, events, the performance ledger, the SMTP sink's mailbox.
import { DateTime } from 'luxon';
import { WorkflowUpdateFailedError, WorkflowUpdateStage, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type pg from 'pg';
import { insertCampaign } from '../../db/campaigns.js';
import { listMailbox } from '../../db/mailbox.js';
import type { Db } from '../../db/pool.js';
import { definitionSchema, type CampaignDefinition } from '../../domain/definition.js';
import { TASK_QUEUE, taskWorkflowId } from '../../domain/ids.js';
import { startSimulation, type Simulation } from '../../stack/simulation.js';
import { afterAll, afterEach } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { taskStateQuery } from '../../workflows/messages.js';
import { RectificationWorkflow, type RectificationInput } from '../../workflows/rectification.js';
import { shanghaiDate, testDefinition, ZONE } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { loadBundledCalendar } from '../../services/calendar.js';
import { WorkingCalendar } from '../../domain/calendar.js';

export const DAY = 24 * 3600_000;

/**
 * A database of its own and a time-skipping stack for one test file (a worker per file, as the
 * SDK's own tests have it), torn down after the file; what a test left running is terminated after
 * each test. Call once at the top of the file: `const { database, sim } = await simulationForFile();`
 */
export async function simulationForFile(): Promise<{ database: TestDatabase; sim: Simulation }> {
  const database = await createTestDatabase();
  const sim = await startSimulation({ db: database.db });
  afterEach(terminateLeftovers);
  afterAll(async () => {
    await sim.stop();
    await database.drop();
  });
  return { database, sim };
}
export const local = (at: Date | string) =>
  (typeof at === 'string' ? DateTime.fromISO(at) : DateTime.fromJSDate(at)).setZone(ZONE);

/** testDefinition plus what the ladder needs: a discipline office, an enterprise, escalation rules. */
export function ladderDefinition(options: {
  today: Date;
  deadlineInDays?: number;
  startInDays?: number;
  leadUnit?: string;
  escalation?: unknown;
  taskEscalation?: unknown;
  calendar?: unknown;
  start?: string;
  deadline?: string;
}): CampaignDefinition {
  const start = options.start ?? shanghaiDate(options.today, options.startInDays ?? -1);
  const deadline = options.deadline ?? shanghaiDate(options.today, options.deadlineInDays ?? 3);
  const base = testDefinition({
    start: start < shanghaiDate(options.today, -1) ? start : shanghaiDate(options.today, -1),
    end: DateTime.fromISO(deadline).plus({ days: 120 }).toISODate()!,
    tasks: [{ id: 'lanes', start, deadline }],
    calendar: options.calendar,
  });
  return definitionSchema.parse({
    ...base,
    // Numbers are gapless per prefix, word and year: each campaign its own prefix, so tests can count.
    office: {
      ...base.office,
      documentPrefix: `测试${base.id.slice(-4)}`,
      discipline: { name: '园区纪检监察室', email: 'discipline@test.example.org' },
    },
    units: [
      ...base.units,
      {
        id: 'tourism',
        name: '北海旅游公司',
        kind: 'enterprise',
        principal: { name: '唐总经理', email: 'ly-principal@test.example.org' },
        contact: { name: '许联络员', email: 'ly@test.example.org' },
        responsibleLeader: 'urban',
      },
    ],
    tasks: base.tasks.map((t) => ({
      ...t,
      leadUnit: options.leadUnit ?? t.leadUnit,
      cooperatingUnits: options.leadUnit && options.leadUnit !== 'enforcement' ? [] : t.cooperatingUnits,
      ...(options.taskEscalation ? { escalation: options.taskEscalation } : {}),
    })),
    ...(options.escalation ? { escalation: options.escalation } : {}),
  });
}

const started: WorkflowHandle[] = [];

/**
 * Terminates what a test left running (a failed test), so that its timers and activities do not
 * hold up the time-skipping clock of the next test. Call from afterEach.
 */
export async function terminateLeftovers(): Promise<void> {
  for (const handle of started.splice(0)) {
    const status = await handle.describe().then((d) => d.status.name).catch(() => undefined);
    if (status === 'RUNNING') await handle.terminate('test cleanup').catch(() => undefined);
  }
}

/** Registers the campaign and starts the task's workflow directly (as the campaign would). */
export async function startTask(
  sim: Simulation,
  def: CampaignDefinition,
  extra: Partial<RectificationInput> = {},
  taskId = def.tasks[0].id,
): Promise<WorkflowHandle<typeof RectificationWorkflow>> {
  await insertCampaign(sim.db, def);
  const task = def.tasks.find((t) => t.id === taskId)!;
  const handle = await sim.env.client.workflow.start(RectificationWorkflow, {
    workflowId: taskWorkflowId(def.id, taskId),
    taskQueue: TASK_QUEUE,
    args: [{ campaignId: def.id, timeZone: def.timeZone, task, ...extra }],
  });
  started.push(handle);
  return handle;
}

/** Waits until the task's timeline has an entry of this kind (e.g. 'assigned': assignment done). */
export async function waitForEvent(handle: WorkflowHandle, kind: string) {
  return waitFor(async () => {
    const state = await handle.query(taskStateQuery).catch(() => undefined);
    return state?.timeline.some((e) => e.kind === kind) ? state : undefined;
  }, `event ${kind}`);
}

export async function waitForStatus(handle: WorkflowHandle, status: string) {
  return waitFor(async () => {
    const state = await handle.query(taskStateQuery).catch(() => undefined);
    return state?.status === status ? state : undefined;
  }, `status ${status}`);
}

/**
 * Waits until the workflow has completed and returns its final state (by query). Not
 * handle.result(): on the time-skipping server that unlocks time skipping and the clock jumps years.
 */
export async function finished(handle: WorkflowHandle) {
  await waitFor(async () => (await handle.describe()).status.name === 'COMPLETED', `${handle.workflowId} to complete`);
  return handle.query(taskStateQuery);
}

export interface NoticeRowLite {
  id: number;
  kind: string;
  document_number: string;
  title: string;
  body: string;
  issued_at: Date;
  recipients: { to: string[]; cc: string[] };
  rung: number | null;
  calendar_warning: string | null;
  details: Record<string, unknown>;
}

export async function notices(db: Db, campaignId: string): Promise<NoticeRowLite[]> {
  const { rows } = await db.query<NoticeRowLite>(
    `SELECT id, kind, document_number, title, body, issued_at, recipients, rung, calendar_warning, details
     FROM notices WHERE campaign_id = $1 ORDER BY issued_at, id`,
    [campaignId],
  );
  return rows;
}

export async function eventKinds(db: Db, campaignId: string): Promise<string[]> {
  const { rows } = await db.query<{ kind: string }>(
    'SELECT kind FROM task_events WHERE campaign_id = $1 ORDER BY occurred_at, id',
    [campaignId],
  );
  return rows.map((r) => r.kind);
}

export async function ledger(db: Db, campaignId: string) {
  const { rows } = await db.query<{ unit_id: string; points: number; reason: string; notice_id: number | null; year: number }>(
    'SELECT unit_id, points, reason, notice_id, year FROM performance_ledger WHERE campaign_id = $1 ORDER BY id',
    [campaignId],
  );
  return rows;
}

export async function taskRow(db: Db, campaignId: string) {
  const { rows } = await db.query<{
    status: string;
    rung: number;
    rung_name: string;
    deadline: string;
    lead_unit: string;
    next_deadline_at: Date | null;
    next_escalation_at: Date | null;
  }>('SELECT * FROM tasks WHERE campaign_id = $1', [campaignId]);
  return rows[0];
}

/** The campaign's own notices (no task), by kind. */
export async function campaignNoticeKinds(db: Db, campaignId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ kind: string; n: number }>(
    `SELECT kind, count(*)::int AS n FROM notices WHERE campaign_id = $1 AND task_id IS NULL GROUP BY kind`,
    [campaignId],
  );
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

/** Mail to an address about this campaign (tests share the sink: subjects carry the campaign's prefix). */
export async function mailTo(db: Db, address: string, def?: CampaignDefinition) {
  const all = await listMailbox(db, { to: address });
  return def ? all.filter((m) => m.subject.startsWith(`【${def.office.documentPrefix}`)) : all;
}

/** The official calendar the tests check against (bundled data plus a campaign's own years). */
export function calendarOf(def: CampaignDefinition): WorkingCalendar {
  const bundled = loadBundledCalendar();
  for (const [year, data] of Object.entries(def.calendar ?? {})) bundled.years[Number(year)] = data;
  return new WorkingCalendar(bundled);
}

/** A timer's notice is issued within a moment after it is due (workflow task time), never before. */
export function issuedAtAbout(at: Date, dueMs: number): boolean {
  const late = at.getTime() - dueMs;
  return late >= 0 && late < 60_000;
}

/** The civil date of an instant in Shanghai. */
export const civil = (at: Date | string) => local(at).toISODate()!;

/** End (24:00) of a civil date in Shanghai, as epoch ms. */
export const endOf = (date: string) => DateTime.fromISO(date, { zone: ZONE }).plus({ days: 1 }).toMillis();

export async function closeTask(handle: WorkflowHandle, unitId = 'enforcement') {
  const { submitEvidenceUpdate, verifyUpdate } = await import('../../workflows/messages.js');
  const state = await handle.query(taskStateQuery);
  if (state.status === 'assigned') {
    const { acknowledgeUpdate } = await import('../../workflows/messages.js');
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ unitId }] });
  }
  await handle.executeUpdate(submitEvidenceUpdate, { args: [{ unitId, form: 'report', text: '整改完成，报请核查。' }] });
  return handle.executeUpdate(verifyUpdate, { args: [{ passed: true, by: '创建办' }] });
}

/** Locks the notices table (inserts wait, reads go on) until release(). */
export async function holdNotices(db: Db): Promise<{ release(): Promise<void> }> {
  const client: pg.PoolClient = await db.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE notices IN EXCLUSIVE MODE');
  return {
    async release() {
      await client.query('COMMIT');
      client.release();
    },
  };
}

/** Waits until an activity is stuck behind the lock: the action holding the task's turn. */
export async function waitForBlockedNotice(db: Db): Promise<void> {
  await waitFor(async () => {
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    return rows[0].n > 0;
  }, 'a notice waiting for the lock');
}

/** Sends an update and returns once the workflow has accepted it (its validator passed). */
export async function accepted<Ret, Arg>(handle: WorkflowHandle, update: UpdateDefinition<Ret, [Arg]>, arg: Arg) {
  return handle.startUpdate(update, { args: [arg], waitForStage: WorkflowUpdateStage.ACCEPTED });
}

/** The outcome of an accepted update: its result, or the reason its handler refused it. */
export async function outcome<Ret>(update: { result(): Promise<Ret> }): Promise<{ ok: true; value: Ret } | { ok: false; message: string; reason?: string }> {
  try {
    return { ok: true, value: await update.result() };
  } catch (error) {
    if (!(error instanceof WorkflowUpdateFailedError)) throw error;
    const cause = error.cause as { message: string; type?: string } | undefined;
    return { ok: false, message: cause?.message ?? error.message, reason: cause?.type };
  }
}

/** Every address the sink received mail for, about this campaign, with the subjects. */
export async function recipients(db: Db, prefix: string) {
  const mail = (await listMailbox(db)).filter((m) => m.subject.startsWith(`【${prefix}`));
  return mail.flatMap((m) => m.envelope_to.map((to) => ({ to, subject: m.subject })));
}
