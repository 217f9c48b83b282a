// The unit portal: what a signed link points at — a task and the unit's place in it, or the
// campaign whose monthly materials the unit sends.
import type { Queryable } from '../pool.js';

export interface TaskLinkTargetRow {
  lead_unit: string;
  cooperating_units: string[];
  /** The link's unit's name; null when the campaign has no such unit. */
  unit_name: string | null;
}

/** The task a link names, with the name of the link's unit; undefined when there is no such task. */
export async function findTaskLinkTarget(
  db: Queryable,
  campaignId: string,
  taskId: string,
  unitId: string,
): Promise<TaskLinkTargetRow | undefined> {
  const { rows } = await db.query<TaskLinkTargetRow>(
    `SELECT t.lead_unit, t.cooperating_units, u.name AS unit_name FROM tasks t
     LEFT JOIN units u ON u.campaign_id = t.campaign_id AND u.id = $3
     WHERE t.campaign_id = $1 AND t.id = $2`,
    [campaignId, taskId, unitId],
  );
  return rows[0];
}

export interface MaterialsLinkTargetRow {
  title: string;
  office: { name?: string } | null;
  /** The link's unit's name; null when the campaign has no such unit. */
  unit_name: string | null;
}

/** The campaign a materials link names, with the name of the link's unit; undefined when there is no such campaign. */
export async function findMaterialsLinkTarget(db: Queryable, campaignId: string, unitId: string): Promise<MaterialsLinkTargetRow | undefined> {
  const { rows } = await db.query<MaterialsLinkTargetRow>(
    `SELECT c.title, c.office, u.name AS unit_name FROM campaigns c
     LEFT JOIN units u ON u.campaign_id = c.id AND u.id = $2
     WHERE c.id = $1`,
    [campaignId, unitId],
  );
  return rows[0];
}
