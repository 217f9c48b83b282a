import type { CampaignDefinition, Leader, Office, Task, Unit } from '../domain/definition.js';
import { inTransaction, type Db, type Queryable } from './pool.js';

/** Writes a campaign with its leaders, units and tasks, all or nothing. A repeat is a no-op. */
export async function insertCampaign(db: Db, def: CampaignDefinition): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const { rowCount } = await tx.query(
      `INSERT INTO campaigns (id, title, time_zone, start_date, end_date, office, definition)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [def.id, def.title, def.timeZone, def.start, def.end, def.office, def],
    );
    if (!rowCount) return false;
    for (const l of def.leaders) {
      await tx.query(
        'INSERT INTO leaders (campaign_id, id, role, name, title, email) VALUES ($1, $2, $3, $4, $5, $6)',
        [def.id, l.id, l.role, l.name, l.title ?? null, l.email],
      );
    }
    for (const u of def.units) {
      await tx.query(
        `INSERT INTO units (campaign_id, id, name, kind, principal, contact, responsible_leader)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [def.id, u.id, u.name, u.kind, u.principal, u.contact, u.responsibleLeader ?? null],
      );
    }
    for (const t of def.tasks) await insertTask(tx, def.id, t);
    return true;
  });
}

/** A task of a campaign, not yet started; a repeat is a no-op. */
export async function insertTask(db: Queryable, campaignId: string, t: Task): Promise<void> {
  await db.query(
    `INSERT INTO tasks (campaign_id, id, title, description, lead_unit, cooperating_units, start_date, deadline, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled') ON CONFLICT DO NOTHING`,
    [campaignId, t.id, t.title, t.description, t.leadUnit, t.cooperatingUnits, t.start, t.deadline],
  );
}

/** The campaign has ended: tasks still open are closed out (withdrawn) with an event saying why; returns their ids. */
export async function endCampaign(db: Db, campaignId: string, at: string, reason: string): Promise<string[]> {
  return inTransaction(db, async (tx) => {
    await tx.query(`UPDATE campaigns SET status = 'ended' WHERE id = $1`, [campaignId]);
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE tasks SET status = 'withdrawn', updated_at = now()
       WHERE campaign_id = $1 AND status NOT IN ('closed', 'withdrawn') RETURNING id`,
      [campaignId],
    );
    for (const { id } of rows) {
      await tx.query(
        `INSERT INTO task_events (key, campaign_id, task_id, occurred_at, kind, detail)
         VALUES ($1, $2, $3, $4, 'campaignEnded', $5) ON CONFLICT (key) DO NOTHING`,
        [`campaign/${campaignId}/ended/${id}`, campaignId, id, at, { reason }],
      );
    }
    return rows.map((r) => r.id);
  });
}

export async function campaignExists(db: Queryable, campaignId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM campaigns WHERE id = $1', [campaignId]);
  return Boolean(rowCount);
}

export interface CampaignContext {
  id: string;
  title: string;
  timeZone: string;
  office: Office;
  units: Map<string, Unit>;
  leaders: Leader[];
}

export async function loadCampaignContext(db: Queryable, campaignId: string): Promise<CampaignContext> {
  const { rows } = await db.query<{ definition: CampaignDefinition }>(
    'SELECT definition FROM campaigns WHERE id = $1',
    [campaignId],
  );
  if (!rows[0]) throw new Error(`创建活动不存在：${campaignId}`);
  const def = rows[0].definition;
  return {
    id: def.id,
    title: def.title,
    timeZone: def.timeZone,
    office: def.office,
    units: new Map(def.units.map((u) => [u.id, u])),
    leaders: def.leaders,
  };
}

export interface TaskRow {
  id: string;
  title: string;
  description: string;
  lead_unit: string;
  cooperating_units: string[];
  start_date: string;
  deadline: string;
  status: string;
  rung: number;
  /** The rung's name on the task's own ladder ('' before the first rung). */
  rung_name: string;
  next_deadline_at: Date | null;
  last_progress_at: Date | null;
}

export async function loadTask(db: Queryable, campaignId: string, taskId: string): Promise<TaskRow> {
  const { rows } = await db.query<TaskRow>('SELECT * FROM tasks WHERE campaign_id = $1 AND id = $2', [
    campaignId,
    taskId,
  ]);
  if (!rows[0]) throw new Error(`整治任务不存在：${campaignId}/${taskId}`);
  return rows[0];
}

export async function listTasks(db: Queryable, campaignId: string): Promise<TaskRow[]> {
  const { rows } = await db.query<TaskRow>('SELECT * FROM tasks WHERE campaign_id = $1 ORDER BY deadline, id', [
    campaignId,
  ]);
  return rows;
}
