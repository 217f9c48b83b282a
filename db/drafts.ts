// Drafts of campaign definitions (migration 0018): the console's editor saves here until a start.
import type { Queryable } from './pool.js';

export interface DraftRow {
  id: number;
  title: string;
  yaml: string;
  source_file_name: string;
  created_by: string;
  created_at: Date;
  updated_by: string;
  updated_at: Date;
  started_campaign_id: string | null;
  started_at: Date | null;
}

/** A draft without its text, for the list. */
export type DraftSummaryRow = Omit<DraftRow, 'yaml'>;

export async function insertDraft(db: Queryable, draft: { title: string; yaml: string; sourceFileName: string; by: string }): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO campaign_drafts (title, yaml, source_file_name, created_by, updated_by) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
    [draft.title, draft.yaml, draft.sourceFileName, draft.by],
  );
  return Number(rows[0].id);
}

export async function listDrafts(db: Queryable): Promise<DraftSummaryRow[]> {
  const { rows } = await db.query<DraftSummaryRow & { id: string }>(
    `SELECT id, title, source_file_name, created_by, created_at, updated_by, updated_at, started_campaign_id, started_at
       FROM campaign_drafts ORDER BY updated_at DESC, id DESC`,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function findDraft(db: Queryable, id: number): Promise<DraftRow | undefined> {
  const { rows } = await db.query<DraftRow & { id: string }>(`SELECT * FROM campaign_drafts WHERE id = $1`, [id]);
  return rows[0] ? { ...rows[0], id: Number(rows[0].id) } : undefined;
}

/** Saves the text; false when there is no such draft. */
export async function updateDraft(db: Queryable, id: number, draft: { title: string; yaml: string; by: string }): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE campaign_drafts SET title = $2, yaml = $3, updated_by = $4, updated_at = now() WHERE id = $1`,
    [id, draft.title, draft.yaml, draft.by],
  );
  return (rowCount ?? 0) > 0;
}

export async function markDraftStarted(db: Queryable, id: number, campaignId: string): Promise<void> {
  await db.query(`UPDATE campaign_drafts SET started_campaign_id = $2, started_at = now() WHERE id = $1`, [id, campaignId]);
}
