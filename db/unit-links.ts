// Versions of unit links (migration 0014): a link works only while the version it carries is the
// stored one; no row is version 0.
import type { Queryable } from './pool.js';

/** The materials link of a unit has no task: stored under task ''. */
const MATERIALS = '';

export interface LinkVersionKey {
  campaignId: string;
  unitId: string;
  /** Absent: the unit's materials link. */
  taskId?: string | null;
}

/** Version key of a sub-unit's link to what it was handed of a task (转办, migration 0019), apart from any task link it has. */
const DELEGATION_PREFIX = 'delegation:';
export function delegationLinkKey(campaignId: string, taskId: string, unitId: string): LinkVersionKey {
  return { campaignId, unitId, taskId: `${DELEGATION_PREFIX}${taskId}` };
}

export async function currentLinkVersion(db: Queryable, key: LinkVersionKey): Promise<number> {
  const { rows } = await db.query<{ version: number }>(
    'SELECT version FROM unit_link_versions WHERE campaign_id = $1 AND unit_id = $2 AND task_id = $3',
    [key.campaignId, key.unitId, key.taskId ?? MATERIALS],
  );
  return rows[0]?.version ?? 0;
}

/** Withdraws every link of one unit to one task, or to its materials: the new version. */
export async function bumpLinkVersion(db: Queryable, key: LinkVersionKey & { reason: string; at?: Date }): Promise<number> {
  const { rows } = await db.query<{ version: number }>(
    `INSERT INTO unit_link_versions (campaign_id, unit_id, task_id, version, revoked_at, reason)
     VALUES ($1, $2, $3, 1, $4, $5)
     ON CONFLICT (campaign_id, unit_id, task_id)
     DO UPDATE SET version = unit_link_versions.version + 1, revoked_at = EXCLUDED.revoked_at, reason = EXCLUDED.reason
     RETURNING version`,
    [key.campaignId, key.unitId, key.taskId ?? MATERIALS, key.at ?? new Date(), key.reason],
  );
  return rows[0].version;
}

export interface RevokedLinks {
  /** Tasks whose links of the unit were withdrawn. */
  tasks: string[];
  /** Whether the unit's materials link was withdrawn too. */
  materials: boolean;
}

/**
 * Withdraws a unit's links: to one task, or (no task given) to every task of the campaign it leads
 * or cooperates on and to its materials; and its links to parts of those tasks handed to it (转办).
 * Unknown campaign or unit: undefined.
 */
export async function revokeUnitLinks(
  db: Queryable,
  input: { campaignId: string; unitId: string; taskId?: string; reason: string; at?: Date },
): Promise<RevokedLinks | undefined> {
  const { rows: unit } = await db.query('SELECT 1 FROM units WHERE campaign_id = $1 AND id = $2', [input.campaignId, input.unitId]);
  if (!unit[0]) return undefined;
  const { rows: tasks } = await db.query<{ id: string }>(
    `SELECT id FROM tasks WHERE campaign_id = $1 AND ($3::text IS NULL OR id = $3)
       AND (lead_unit = $2 OR $2 = ANY (cooperating_units) OR $3::text IS NOT NULL)
     ORDER BY id`,
    [input.campaignId, input.unitId, input.taskId ?? null],
  );
  if (input.taskId && tasks.length === 0) return undefined;
  // Every (unit, task) the unit ever had a link to: also tasks it led before a reassignment.
  const { rows: known } = await db.query<{ task_id: string }>(
    `SELECT task_id FROM unit_link_versions WHERE campaign_id = $1 AND unit_id = $2 AND task_id <> '' AND $3::text IS NULL
       AND task_id NOT LIKE '${DELEGATION_PREFIX}%'`,
    [input.campaignId, input.unitId, input.taskId ?? null],
  );
  const { rows: handed } = await db.query<{ task_id: string }>(
    `SELECT DISTINCT task_id FROM task_delegations WHERE campaign_id = $1 AND sub_unit = $2 AND ($3::text IS NULL OR task_id = $3) ORDER BY task_id`,
    [input.campaignId, input.unitId, input.taskId ?? null],
  );
  const ids = [...new Set([...tasks.map((t) => t.id), ...known.map((k) => k.task_id)])].sort();
  for (const taskId of ids) await bumpLinkVersion(db, { ...input, taskId });
  for (const { task_id } of handed) await bumpLinkVersion(db, { ...input, ...delegationLinkKey(input.campaignId, task_id, input.unitId) });
  const materials = !input.taskId;
  if (materials) await bumpLinkVersion(db, { campaignId: input.campaignId, unitId: input.unitId, reason: input.reason, at: input.at });
  return { tasks: [...new Set([...ids, ...handed.map((h) => h.task_id)])].sort(), materials };
}
