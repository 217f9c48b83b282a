// 佐证材料: the submissions a task's workflow accepted, over the uploaded files in evidence_files
// (bytes stored by insertEvidenceFile below). Workflows see only ids and metadata.
// Monthly materials (每月定时报送) that a unit sends without a task are submissions with no task
// (task_id NULL), written by the unit portal directly.
import type { Db, Queryable } from './pool.js';
import { inTransaction } from './pool.js';
import type { EvidenceForm } from '../domain/task-state.js';

export interface StoredFileMeta {
  id: string;
  campaign_id: string;
  task_id: string | null;
  unit_id: string;
  form: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  /** The submission it belongs to, if any (and that submission's key). */
  submission_id: number | null;
  submission_key: string | null;
}

/** Metadata of the given uploaded files (no bytes), with the submission each belongs to. */
export async function findEvidenceFiles(db: Queryable, ids: string[]): Promise<StoredFileMeta[]> {
  const { rows } = await db.query<StoredFileMeta>(
    `SELECT f.id, f.campaign_id, f.task_id, f.unit_id, f.form, f.file_name, f.content_type, f.size_bytes, f.sha256,
            l.submission_id, s.key AS submission_key
     FROM evidence_files f
     LEFT JOIN evidence_submission_files l ON l.file_id = f.id
     LEFT JOIN evidence_submissions s ON s.id = l.submission_id
     WHERE f.id = ANY ($1::uuid[]) ORDER BY f.uploaded_at, f.id`,
    [ids],
  );
  return rows;
}

export interface NewSubmission {
  key: string;
  campaignId: string;
  /** null: monthly materials sent without a task. */
  taskId: string | null;
  unitId: string;
  form: EvidenceForm;
  text?: string;
  interim: boolean;
  by?: string;
  submittedAt: string;
  fileIds: string[];
}

/**
 * Inserts a submission and links its files, all or nothing; a repeated key returns the first
 * submission's id. A file already linked to another submission makes it fail (primary key).
 */
export async function insertSubmission(db: Db, s: NewSubmission): Promise<number> {
  return inTransaction(db, async (tx) => {
    const existing = await tx.query<{ id: number }>('SELECT id FROM evidence_submissions WHERE key = $1', [s.key]);
    if (existing.rows[0]) return existing.rows[0].id;
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO evidence_submissions (key, campaign_id, task_id, unit_id, form, text, interim, submitted_by, submitted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [s.key, s.campaignId, s.taskId, s.unitId, s.form, s.text ?? null, s.interim, s.by ?? null, s.submittedAt],
    );
    const id = rows[0].id;
    if (s.fileIds.length > 0) {
      await tx.query(
        `INSERT INTO evidence_submission_files (submission_id, file_id, position)
         SELECT $1, file_id, position FROM unnest($2::uuid[]) WITH ORDINALITY AS t(file_id, position)`,
        [id, s.fileIds],
      );
    }
    return id;
  });
}

export interface SubmissionRow {
  id: number;
  unit_id: string;
  form: EvidenceForm;
  text: string | null;
  interim: boolean;
  submitted_by: string | null;
  submitted_at: Date;
  files: { id: string; name: string; content_type: string; size: number; sha256: string }[];
}

/** A task's evidence submissions, oldest first, each with its files' metadata. */
export async function listEvidence(db: Queryable, campaignId: string, taskId: string): Promise<SubmissionRow[]> {
  const { rows } = await db.query<SubmissionRow>(
    `SELECT s.id, s.unit_id, s.form, s.text, s.interim, s.submitted_by, s.submitted_at,
            COALESCE(json_agg(json_build_object('id', f.id, 'name', f.file_name, 'content_type', f.content_type,
                                                'size', f.size_bytes, 'sha256', f.sha256) ORDER BY l.position)
                     FILTER (WHERE f.id IS NOT NULL), '[]') AS files
     FROM evidence_submissions s
     LEFT JOIN evidence_submission_files l ON l.submission_id = s.id
     LEFT JOIN evidence_files f ON f.id = l.file_id
     WHERE s.campaign_id = $1 AND s.task_id = $2
     GROUP BY s.id ORDER BY s.submitted_at, s.id`,
    [campaignId, taskId],
  );
  return rows;
}

export interface MaterialsSubmissionRow extends SubmissionRow {
  /** The task it was evidence for; null: sent as monthly materials, without a task. */
  task_id: string | null;
  task_title: string | null;
}

/**
 * The submissions of the campaign's units (or one unit) in [from, to) (ISO instants), of both kinds:
 * monthly materials sent without a task and task evidence, which serves the monthly materials as
 * well (see db/reports.ts formsSubmitted); `withoutTask`: the materials only. Oldest first; with
 * files (metadata only).
 */
export async function listSubmissionsBetween(
  db: Queryable,
  campaignId: string,
  period: { from: string; to: string; unitId?: string; withoutTask?: boolean },
): Promise<MaterialsSubmissionRow[]> {
  const { rows } = await db.query<MaterialsSubmissionRow>(
    `SELECT s.id, s.unit_id, s.task_id, t.title AS task_title, s.form, s.text, s.interim, s.submitted_by, s.submitted_at,
            COALESCE(json_agg(json_build_object('id', f.id, 'name', f.file_name, 'content_type', f.content_type,
                                                'size', f.size_bytes, 'sha256', f.sha256) ORDER BY l.position)
                     FILTER (WHERE f.id IS NOT NULL), '[]') AS files
     FROM evidence_submissions s
     LEFT JOIN tasks t ON t.campaign_id = s.campaign_id AND t.id = s.task_id
     LEFT JOIN evidence_submission_files l ON l.submission_id = s.id
     LEFT JOIN evidence_files f ON f.id = l.file_id
     WHERE s.campaign_id = $1 AND s.submitted_at >= $2 AND s.submitted_at < $3 AND ($4::text IS NULL OR s.unit_id = $4)
       AND (NOT $5 OR s.task_id IS NULL)
     GROUP BY s.id, t.title ORDER BY s.submitted_at, s.id`,
    [campaignId, period.from, period.to, period.unitId ?? null, period.withoutTask ?? false],
  );
  return rows;
}

/** What a unit sent as monthly materials (no task) since an instant: submissions and their files' bytes (the monthly quota). */
export async function materialsUsageSince(
  db: Queryable,
  campaignId: string,
  unitId: string,
  since: Date | string,
): Promise<{ submissions: number; bytes: number }> {
  const { rows } = await db.query<{ submissions: number; bytes: number }>(
    `SELECT count(DISTINCT s.id)::int AS submissions, COALESCE(sum(f.size_bytes), 0)::bigint AS bytes
     FROM evidence_submissions s
     LEFT JOIN evidence_submission_files sf ON sf.submission_id = s.id
     LEFT JOIN evidence_files f ON f.id = sf.file_id
     WHERE s.campaign_id = $1 AND s.unit_id = $2 AND s.task_id IS NULL AND s.submitted_at >= $3`,
    [campaignId, unitId, since],
  );
  return rows[0] ?? { submissions: 0, bytes: 0 };
}

// Evidence files (佐证材料): the uploaded bytes and their metadata.

export interface EvidenceFileRow {
  id: string;
  campaign_id: string;
  /** null: monthly materials (每月定时报送) sent without a task. */
  task_id: string | null;
  unit_id: string;
  form: EvidenceForm;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  description: string;
  uploaded_at: Date;
}

export async function insertEvidenceFile(
  db: Queryable,
  f: Omit<EvidenceFileRow, 'id' | 'uploaded_at'> & { content: Buffer },
): Promise<EvidenceFileRow> {
  const { rows } = await db.query<EvidenceFileRow>(
    `INSERT INTO evidence_files (campaign_id, task_id, unit_id, form, file_name, content_type, size_bytes, sha256, description, content)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     RETURNING id, campaign_id, task_id, unit_id, form, file_name, content_type, size_bytes, sha256, description, uploaded_at`,
    [f.campaign_id, f.task_id, f.unit_id, f.form, f.file_name, f.content_type, f.size_bytes, f.sha256, f.description, f.content],
  );
  return rows[0];
}

export async function listEvidenceFiles(db: Queryable, campaignId: string, taskId: string): Promise<EvidenceFileRow[]> {
  const { rows } = await db.query<EvidenceFileRow>(
    `SELECT id, campaign_id, task_id, unit_id, form, file_name, content_type, size_bytes, sha256, description, uploaded_at
     FROM evidence_files WHERE campaign_id = $1 AND task_id = $2 ORDER BY uploaded_at, id`,
    [campaignId, taskId],
  );
  return rows;
}

export async function readEvidenceFile(
  db: Queryable,
  id: string,
): Promise<(EvidenceFileRow & { content: Buffer }) | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const { rows } = await db.query<EvidenceFileRow & { content: Buffer }>('SELECT * FROM evidence_files WHERE id = $1', [id]);
  return rows[0];
}

export async function deleteEvidenceFile(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM evidence_files WHERE id = $1', [id]);
}
