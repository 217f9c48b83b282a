import { withDirectoryRobots } from '../domain/channels.js';
import type { CampaignDefinition, Leader, Office, Task, Unit } from '../domain/definition.js';
import { directoryPeopleOfCampaign, type DirectoryPersonNow } from './directory.js';
import { endDelegations } from './delegations.js';
import { inTransaction, type Db, type Queryable } from './pool.js';

/** Writes a campaign with its leaders, units and tasks, all or nothing. A repeat is a no-op. */
export async function insertCampaign(db: Db, def: CampaignDefinition): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const { rowCount } = await tx.query(
      `INSERT INTO campaigns (id, title, time_zone, start_date, end_date, office, definition, settings)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7::jsonb - 'tasks') ON CONFLICT (id) DO NOTHING`,
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
        `INSERT INTO units (campaign_id, id, name, kind, principal, contact, responsible_leader, directory_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [def.id, u.id, u.name, u.kind, u.principal, u.contact, u.responsibleLeader ?? null, u.directoryId ?? null],
      );
    }
    await insertTasks(tx, def.id, def.tasks);
    return true;
  });
}

/** A task of a campaign, not yet started; a repeat is a no-op. */
export async function insertTask(db: Queryable, campaignId: string, t: Task): Promise<void> {
  await insertTasks(db, campaignId, [t]);
}

/** Tasks of a campaign, not yet started, in one statement per thousand; repeats are no-ops. */
export async function insertTasks(db: Queryable, campaignId: string, tasks: Task[]): Promise<void> {
  for (let i = 0; i < tasks.length; i += 1000) {
    await db.query(
      `INSERT INTO tasks (campaign_id, id, title, description, lead_unit, cooperating_units, start_date, deadline, status)
       SELECT $1, t.id, t.title, t.description, t."leadUnit", ARRAY(SELECT jsonb_array_elements_text(t."cooperatingUnits")),
              t.start::date, t.deadline::date, 'scheduled'
       FROM jsonb_to_recordset($2::jsonb)
         AS t(id text, title text, description text, "leadUnit" text, "cooperatingUnits" jsonb, start text, deadline text)
       ON CONFLICT DO NOTHING`,
      [campaignId, JSON.stringify(tasks.slice(i, i + 1000))],
    );
  }
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
    // 转办: what was handed down ends with the campaign, and the sub-units' links go.
    await endDelegations(tx, { campaignId }, at, 'campaignEnded');
    return rows.map((r) => r.id);
  });
}

export async function campaignExists(db: Queryable, campaignId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM campaigns WHERE id = $1', [campaignId]);
  return Boolean(rowCount);
}

/** The campaign's definition without its tasks (migration 0012); undefined if there is no such campaign. */
export async function loadCampaignSettings(db: Queryable, campaignId: string): Promise<CampaignSettings | undefined> {
  const { rows } = await db.query<{ settings: CampaignSettings }>(
    "SELECT COALESCE(settings, definition - 'tasks') AS settings FROM campaigns WHERE id = $1",
    [campaignId],
  );
  return rows[0]?.settings;
}

export type CampaignSettings = Omit<CampaignDefinition, 'tasks'>;

/** The campaign's status (running, ended) and its definition without its tasks; undefined if there is no such campaign. */
export async function loadCampaignStatusAndSettings(
  db: Queryable,
  campaignId: string,
): Promise<{ status: string; settings: CampaignSettings } | undefined> {
  const { rows } = await db.query<{ status: string; settings: CampaignSettings }>(
    "SELECT status, COALESCE(settings, definition - 'tasks') AS settings FROM campaigns WHERE id = $1",
    [campaignId],
  );
  return rows[0];
}

export interface CampaignContext {
  id: string;
  title: string;
  timeZone: string;
  office: Office;
  units: Map<string, Unit>;
  leaders: Leader[];
  /** Which notices also go by SMS and group robots (domain/channels.ts); absent: e-mail only. */
  delivery?: CampaignDefinition['delivery'];
}

/**
 * What a notice needs of its campaign. A unit that stands for a 通讯录 entry has the entry's current
 * principal and contact (where the directory has their address) and group robots (where it has
 * them): a new contact or robot applies at once.
 */
export async function loadCampaignContext(db: Queryable, campaignId: string): Promise<CampaignContext> {
  const def = await loadCampaignSettings(db, campaignId);
  if (!def) throw new Error(`创建活动不存在：${campaignId}`);
  const current = new Map((await directoryPeopleOfCampaign(db, campaignId)).map((r) => [r.unitId, r]));
  // The directory's mobile goes with its person (a new contact's, not the former one's).
  const person = (stored: Unit['contact'], now: DirectoryPersonNow) =>
    now.email ? { ...stored, name: now.name || stored.name, email: now.email, mobile: now.mobile || (now.email === stored.email ? stored.mobile : undefined) } : stored;
  const units = def.units.map((u) => {
    const now = current.get(u.id);
    if (!now) return u;
    const robots = withDirectoryRobots(u.robots, now.robots);
    return { ...u, principal: person(u.principal, now.principal), contact: person(u.contact, now.contact), ...(robots ? { robots } : {}) };
  });
  return {
    id: def.id,
    title: def.title,
    timeZone: def.timeZone,
    office: def.office,
    units: new Map(units.map((u) => [u.id, u])),
    leaders: def.leaders,
    delivery: def.delivery,
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
