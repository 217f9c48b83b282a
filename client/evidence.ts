// Evidence from a client: upload the files' bytes to PostgreSQL, then tell the task's workflow
// with their ids and metadata. A refused submission removes the files it uploaded.
// Monthly materials sent without a task go the same way, but straight into the record (no
// workflow: the campaign reads them when it checks the month).
import type { Client } from '@temporalio/client';
import { deleteEvidenceFile, insertEvidenceFile, insertSubmission } from '../db/evidence.js';
import type { Db } from '../db/pool.js';
import { createHash, randomUUID } from 'node:crypto';
import { MAX_EVIDENCE_FILE_BYTES, type EvidenceFileRef, type EvidenceForm } from '../domain/task-state.js';
import { submitEvidenceUpdate, type TaskUpdateResult } from '../workflows/messages.js';
import { ActionRejected, runUpdate, taskHandle } from './campaigns.js';

export interface EvidenceUpload {
  name: string;
  contentType: string;
  content: Buffer;
}

export interface EvidenceSubmission {
  campaignId: string;
  taskId: string;
  unitId: string;
  form: EvidenceForm;
  text?: string;
  files?: EvidenceUpload[];
  interim?: boolean;
  by?: string;
}

/** Stores one file for a task (or, taskId null, for monthly materials) and returns what the workflow is told about it. */
export async function uploadEvidenceFile(
  db: Db,
  target: { campaignId: string; taskId: string | null; unitId: string; form: EvidenceForm; description?: string },
  file: EvidenceUpload,
): Promise<EvidenceFileRef> {
  if (file.content.length > MAX_EVIDENCE_FILE_BYTES) {
    throw new ActionRejected(
      `文件“${file.name}”大小 ${(file.content.length / 1048576).toFixed(1)} MiB，超过单个文件 ${MAX_EVIDENCE_FILE_BYTES / 1048576} MiB 的上限`,
      'FileTooLarge',
    );
  }
  const sha256 = createHash('sha256').update(file.content).digest('hex');
  const row = await insertEvidenceFile(db, {
    campaign_id: target.campaignId,
    task_id: target.taskId,
    unit_id: target.unitId,
    form: target.form,
    file_name: file.name,
    content_type: file.contentType,
    size_bytes: file.content.length,
    sha256,
    description: target.description ?? '',
    content: file.content,
  });
  return { id: row.id, name: row.file_name, contentType: row.content_type, size: row.size_bytes, sha256 };
}

/** Uploads the files, then runs the submitEvidence update; refused: the uploads are removed, ActionRejected thrown. */
export async function submitEvidence(db: Db, client: Client, s: EvidenceSubmission): Promise<TaskUpdateResult> {
  const refs: EvidenceFileRef[] = [];
  try {
    for (const file of s.files ?? []) {
      refs.push(await uploadEvidenceFile(db, { ...s, description: s.text }, file));
    }
    return await runUpdate(taskHandle(client, s.campaignId, s.taskId), submitEvidenceUpdate, {
      unitId: s.unitId,
      form: s.form,
      text: s.text,
      files: refs,
      interim: s.interim,
      by: s.by,
    });
  } catch (error) {
    for (const ref of refs) await deleteEvidenceFile(db, ref.id).catch(() => undefined);
    throw error;
  }
}

export interface MaterialsSubmission {
  campaignId: string;
  unitId: string;
  form: EvidenceForm;
  text?: string;
  files?: EvidenceUpload[];
  by?: string;
  /** When it counts as sent (the console's clock). */
  submittedAt: Date;
}

/**
 * 每月定时报送 without a task: uploads the files, then records one submission with no task and its
 * files, in PostgreSQL directly; a failure removes the uploads. Returns the submission's id.
 */
export async function submitMaterials(db: Db, s: MaterialsSubmission): Promise<number> {
  const refs: EvidenceFileRef[] = [];
  try {
    for (const file of s.files ?? []) {
      refs.push(await uploadEvidenceFile(db, { ...s, taskId: null, description: s.text }, file));
    }
    return await insertSubmission(db, {
      key: `materials/${s.campaignId}/${s.unitId}/${randomUUID()}`,
      campaignId: s.campaignId,
      taskId: null,
      unitId: s.unitId,
      form: s.form,
      text: s.text,
      interim: false,
      by: s.by,
      submittedAt: s.submittedAt.toISOString(),
      fileIds: refs.map((r) => r.id),
    });
  } catch (error) {
    for (const ref of refs) await deleteEvidenceFile(db, ref.id).catch(() => undefined);
    throw error;
  }
}
