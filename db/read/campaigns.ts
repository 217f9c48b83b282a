// The console's campaigns: the list with its counts, one campaign, its units, how it ended.
import type { CampaignDefinition, Unit } from '../../domain/definition.js';
import type { Queryable } from '../pool.js';

/** What every view of a campaign shows of it. */
interface CampaignHeadRow {
  id: string;
  title: string;
  time_zone: string;
  start_date: string;
  end_date: string;
  status: string;
  created_at: Date;
}

export interface CampaignListRow extends CampaignHeadRow {
  task_count: number;
  closed_count: number;
  /** Open tasks past their deadline (in the campaign's zone at `now`) or on a rung. */
  overdue_count: number;
}

/** Every campaign, newest first, with its tasks counted. */
export async function listCampaignRows(db: Queryable, now: Date): Promise<CampaignListRow[]> {
  const { rows } = await db.query<CampaignListRow>(
    `SELECT c.id, c.title, c.time_zone, c.start_date, c.end_date, c.status, c.created_at,
            count(t.id)::int AS task_count,
            count(t.id) FILTER (WHERE t.status IN ('closed', 'withdrawn'))::int AS closed_count,
            count(t.id) FILTER (WHERE t.status NOT IN ('closed', 'withdrawn')
              AND (t.rung > 0 OR t.deadline < ($1::timestamptz AT TIME ZONE c.time_zone)::date))::int AS overdue_count
     FROM campaigns c LEFT JOIN tasks t ON t.campaign_id = c.id
     GROUP BY c.id ORDER BY c.created_at DESC, c.id`,
    [now],
  );
  return rows;
}

export interface CampaignRecordRow extends CampaignHeadRow {
  definition: CampaignDefinition;
}

export async function findCampaignRow(db: Queryable, campaignId: string): Promise<CampaignRecordRow | undefined> {
  const { rows } = await db.query<CampaignRecordRow>(
    'SELECT id, title, time_zone, start_date, end_date, status, created_at, definition FROM campaigns WHERE id = $1',
    [campaignId],
  );
  return rows[0];
}

export interface UnitListRow {
  id: string;
  name: string;
  kind: string;
  principal: Partial<Unit['principal']> | null;
  contact: Partial<Unit['contact']> | null;
}

/** The campaign's units, by id. */
export async function listUnitRows(db: Queryable, campaignId: string): Promise<UnitListRow[]> {
  const { rows } = await db.query<UnitListRow>(
    'SELECT id, name, kind, principal, contact FROM units WHERE campaign_id = $1 ORDER BY id',
    [campaignId],
  );
  return rows;
}

export interface UnitNameRow {
  id: string;
  name: string;
}

/** The campaign's units' names, by id. */
export async function listUnitNames(db: Queryable, campaignId: string): Promise<UnitNameRow[]> {
  const { rows } = await db.query<UnitNameRow>('SELECT id, name FROM units WHERE campaign_id = $1 ORDER BY id', [campaignId]);
  return rows;
}

export interface ClosedOutTaskRow {
  id: string;
  title: string;
}

/** The tasks the campaign's end closed out (撤销), by deadline. */
export async function listClosedOutTasks(db: Queryable, campaignId: string): Promise<ClosedOutTaskRow[]> {
  const { rows } = await db.query<ClosedOutTaskRow>(
    `SELECT t.id, t.title FROM task_events e JOIN tasks t ON t.campaign_id = e.campaign_id AND t.id = e.task_id
     WHERE e.campaign_id = $1 AND e.kind = 'campaignEnded' ORDER BY t.deadline, t.id`,
    [campaignId],
  );
  return rows;
}
