// The baseline: the same reminder-and-escalation load on pg-boss, the PostgreSQL job queue a Node
// team would reach for instead of Temporal. Deliberately minimal, and faithful where it matters
// for the comparison:
//
//   campaign start  the same campaign rows (db/campaigns.ts insertCampaign), then one `assign` job
//                   per task, inserted in bulk;
//   assign job      the assignment notice through the very same issueNotice as chuangwen
//                   (activities/notices.ts: load context, render, gapless number, notice + outbox in
//                   one transaction, SMTP with a Message-ID from the key), made with the production
//                   worker's services (sender, signed unit links: the same messages per notice as
//                   chuangwen's worker sends, bench/production-settings.ts), the task's event and row
//                   (db/events.ts), and three delayed jobs: the acknowledgement deadline, the next
//                   weekly check (Monday 09:00, moved to a working day) and the overdue check at the
//                   deadline's instant (the benchmark's deadline map, bench/deadline-map.ts, applied
//                   as for chuangwen);
//   overdue job     unless the task is closed or withdrawn: rung 1 of the task's resolved ladder
//                   (domain/ladder.ts) through issueNotice, and its event;
//   ack / weekly    a reminder when the task is still unacknowledged / silent; weekly reschedules itself.
//
// Calendar arithmetic runs in-process on the same WorkingCalendar; there is no workflow history, no
// signal to a campaign, no per-task process state: a job row per timer.
//
// Run as a script it is the baseline's worker process (configuration in BENCH_WORKER, as
// bench/worker-process.ts); imported, it gives the driver's side (schema, queues, campaign start).
import { fileURLToPath } from 'node:url';
import PgBoss from 'pg-boss';
import { DateTime } from 'luxon';
import { createMailer } from '../activities/mailer.js';
import { createNoticeActivities } from '../activities/notices.js';
import { endOfCivilDay, loadCampaignCalendar } from '../services/calendar.js';
import { insertCampaign, loadTask } from '../db/campaigns.js';
import { recordTaskEvent } from '../db/events.js';
import { createPool, type Db } from '../db/pool.js';
import type { CampaignDefinition } from '../domain/definition.js';
import { resolveEscalation } from '../domain/ladder.js';
import { DEFAULT_RECIPIENTS } from '../domain/notices.js';
import { mappedInstant, type DeadlineMap } from './deadline-map.js';
import { productionConfig } from './production-settings.js';

export const QUEUES = { assign: 'assign', overdue: 'overdue', ack: 'ack-lapse', weekly: 'weekly-check' } as const;

export interface BaselineConfig {
  databaseUrl: string;
  smtpUrl: string;
  deadlineMap?: DeadlineMap;
  /** Jobs fetched per poll. */
  batchSize: number;
  /** Polling loops per queue (pg-boss 10 runs one batch at a time per loop). */
  loops: number;
  pollingIntervalSeconds: number;
  poolSize?: number;
}

interface TaskJob {
  campaignId: string;
  taskId: string;
}

/** The driver's pg-boss: creates the schema and the queues; used to send jobs. */
export async function startBoss(databaseUrl: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: databaseUrl, supervise: false, schedule: false, max: 4 });
  boss.on('error', (error) => console.error('pg-boss:', error));
  await boss.start();
  for (const name of Object.values(QUEUES)) await boss.createQueue(name);
  return boss;
}

/** Starts a campaign the pg-boss way: its rows, then one assign job per task. */
export async function startBaselineCampaign(boss: PgBoss, db: Db, definition: CampaignDefinition): Promise<void> {
  await insertCampaign(db, definition);
  const jobs = definition.tasks.map((t) => ({
    name: QUEUES.assign,
    data: { campaignId: definition.id, taskId: t.id } satisfies TaskJob,
    singletonKey: `${definition.id}/${t.id}`,
  }));
  for (let i = 0; i < jobs.length; i += 1000) await boss.insert(jobs.slice(i, i + 1000));
}

function createHandlers(db: Db, boss: PgBoss, config: BaselineConfig) {
  const production = productionConfig({ databaseUrl: config.databaseUrl, smtpUrl: config.smtpUrl });
  const mailer = createMailer(config.smtpUrl, production.smtpMaxConnections);
  const { issueNotice } = createNoticeActivities({
    db,
    mailer,
    mailFrom: production.mailFrom,
    links: { publicUrl: production.publicUrl, secret: production.linkSecret },
  });
  const now = () => new Date().toISOString();

  async function campaignOf(campaignId: string) {
    const { rows } = await db.query<{ time_zone: string; escalation: unknown }>(
      `SELECT time_zone, definition->'escalation' AS escalation FROM campaigns WHERE id = $1`,
      [campaignId],
    );
    return rows[0];
  }

  /** Monday 09:00 after `after`, moved to the next working day. */
  function nextCheck(calendar: Awaited<ReturnType<typeof loadCampaignCalendar>>, after: DateTime, zone: string): string {
    let day = after.setZone(zone).startOf('day');
    for (let i = 0; i < 14; i++) {
      if (day.weekday === 1) {
        const moved = calendar.nextWorkingDay(day.toISODate()!, { inclusive: true }).date;
        const at = DateTime.fromISO(`${moved}T09:00`, { zone });
        if (at > after) return at.toUTC().toISO()!;
      }
      day = day.plus({ days: 1 });
    }
    throw new Error('no Monday in two weeks');
  }

  async function assign({ campaignId, taskId }: TaskJob): Promise<void> {
    const [campaign, task] = await Promise.all([campaignOf(campaignId), loadTask(db, campaignId, taskId)]);
    const zone = campaign.time_zone;
    const deadlineAt = mappedInstant(config.deadlineMap, task.deadline, endOfCivilDay(task.deadline, zone));
    const calendar = await loadCampaignCalendar(db, campaignId);
    const issuedAt = now();
    const plan = resolveEscalation(campaign.escalation, 'department');
    const ackDate = calendar.addWorkingDays(DateTime.fromISO(issuedAt).setZone(zone).toISODate()!, plan.acknowledgement.workingDays).date;
    const acknowledgeBy = endOfCivilDay(ackDate, zone);
    const key = `pgboss/${campaignId}/${taskId}`;
    await issueNotice({ key: `${key}/notice/assignment`, campaignId, taskId, kind: 'assignment', issuedAt, recipients: DEFAULT_RECIPIENTS.assignment });
    await recordTaskEvent(db, {
      key: `${key}/event/assigned`,
      campaignId,
      taskId,
      occurredAt: issuedAt,
      kind: 'assigned',
      status: 'assigned',
      rung: 0,
      nextDeadlineAt: deadlineAt,
      nextEscalationAt: deadlineAt,
      acknowledgeBy,
      detail: { deadline: task.deadline },
    });
    const data: TaskJob = { campaignId, taskId };
    await boss.insert([
      { name: QUEUES.overdue, data, startAfter: deadlineAt, singletonKey: `${key}/overdue` },
      { name: QUEUES.ack, data, startAfter: acknowledgeBy, singletonKey: `${key}/ack` },
      { name: QUEUES.weekly, data, startAfter: nextCheck(calendar, DateTime.fromISO(issuedAt), zone), singletonKey: `${key}/weekly/1` },
    ]);
  }

  const closed = (status: string) => status === 'closed' || status === 'withdrawn';

  async function overdue({ campaignId, taskId }: TaskJob): Promise<void> {
    const task = await loadTask(db, campaignId, taskId);
    if (closed(task.status) || task.status === 'evidenceSubmitted' || task.rung >= 1) return;
    const campaign = await campaignOf(campaignId);
    const rung = resolveEscalation(campaign.escalation, 'department').ladder[0];
    const issuedAt = now();
    const key = `pgboss/${campaignId}/${taskId}`;
    const issued = await issueNotice({
      key: `${key}/notice/${rung.notice}/rung-1`,
      campaignId,
      taskId,
      kind: rung.notice,
      issuedAt,
      rung: 1,
      recipients: rung.recipients,
      ...(rung.deduction > 0 ? { details: { deduction: rung.deduction }, deduction: { points: rung.deduction, reason: `${rung.name}：“${task.title}”` } } : {}),
    });
    await recordTaskEvent(db, {
      key: `${key}/event/rung-1`,
      campaignId,
      taskId,
      occurredAt: issuedAt,
      kind: rung.notice,
      status: task.status,
      rung: 1,
      rungName: rung.name,
      detail: { rung: 1, rungName: rung.name, documentNumber: issued.documentNumber },
    });
  }

  async function ackLapse({ campaignId, taskId }: TaskJob): Promise<void> {
    const task = await loadTask(db, campaignId, taskId);
    if (task.status !== 'assigned') return;
    await issueNotice({
      key: `pgboss/${campaignId}/${taskId}/notice/acknowledgementReminder`,
      campaignId,
      taskId,
      kind: 'acknowledgementReminder',
      issuedAt: now(),
      recipients: DEFAULT_RECIPIENTS.acknowledgementReminder,
    });
  }

  async function weekly(job: TaskJob & { week?: number }): Promise<void> {
    const task = await loadTask(db, job.campaignId, job.taskId);
    if (closed(task.status)) return;
    const week = job.week ?? 1;
    const key = `pgboss/${job.campaignId}/${job.taskId}`;
    const since = Date.now() - 7 * 86_400_000;
    if (!task.last_progress_at || task.last_progress_at.getTime() < since) {
      await issueNotice({ key: `${key}/notice/reminder/${week}`, campaignId: job.campaignId, taskId: job.taskId, kind: 'reminder', issuedAt: now(), recipients: DEFAULT_RECIPIENTS.reminder });
    }
    const campaign = await campaignOf(job.campaignId);
    const calendar = await loadCampaignCalendar(db, job.campaignId);
    await boss.send(QUEUES.weekly, { ...job, week: week + 1 }, {
      startAfter: nextCheck(calendar, DateTime.now(), campaign.time_zone),
      singletonKey: `${key}/weekly/${week + 1}`,
    });
  }

  return { handlers: { [QUEUES.assign]: assign, [QUEUES.overdue]: overdue, [QUEUES.ack]: ackLapse, [QUEUES.weekly]: weekly }, mailer };
}

async function workerMain(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_WORKER ?? '') as BaselineConfig;
  const db = createPool(config.databaseUrl, config.poolSize);
  const boss = new PgBoss({ connectionString: config.databaseUrl, max: 4, schedule: false });
  boss.on('error', (error) => console.error('pg-boss:', error));
  await boss.start();
  const { handlers, mailer } = createHandlers(db, boss, config);
  const stats: Record<string, { count: number; totalMs: number; maxMs: number; failures: number }> = {};
  for (const [queue, handler] of Object.entries(handlers)) {
    for (let i = 0; i < config.loops; i++) {
      await boss.work<TaskJob>(queue, { batchSize: config.batchSize, pollingIntervalSeconds: config.pollingIntervalSeconds }, async (jobs) => {
        // pg-boss 10 hands over a batch; a failure fails (and retries) the whole batch, and the
        // notice keys make the retry send nothing twice.
        await Promise.all(
          jobs.map(async (job) => {
            const entry = (stats[queue] ??= { count: 0, totalMs: 0, maxMs: 0, failures: 0 });
            const started = performance.now();
            try {
              await handler(job.data);
            } catch (error) {
              entry.failures++;
              throw error;
            } finally {
              const ms = performance.now() - started;
              entry.count++;
              entry.totalMs += ms;
              entry.maxMs = Math.max(entry.maxMs, ms);
            }
          }),
        );
      });
    }
  }
  const elu = performance.eventLoopUtilization();
  const report = () => {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    process.stdout.write(
      `STATS ${JSON.stringify({
        activities: stats,
        eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        heapUsedMiB: mem.heapUsed / 1048576,
        rssMiB: mem.rss / 1048576,
      })}\n`,
    );
  };
  process.on('SIGUSR2', report);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await boss.stop({ graceful: true, wait: true, timeout: 20_000 });
    report();
    mailer.close();
    await db.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.stdout.write('READY\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  workerMain().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
