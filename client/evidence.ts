// Evidence from a client: upload the files' bytes to PostgreSQL, then tell the task's workflow
// with their ids and metadata. A refused submission removes the files it uploaded.
import type { Client } from '@temporalio/client';
import type { Db } from '../db/pool.js';
import { deleteEvidenceFile, insertEvidenceFile } from '../db/users.js';
import { createHash } from 'node:crypto';
import { MAX_EVIDENCE_FILE_BYTES, type EvidenceFileRef, type EvidenceForm, type TaskState } from '../domain/task-state.js';
import { submitEvidenceUpdate } from '../workflows/messages.js';
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

/** Stores one file for a task and returns what the workflow is told about it. */
export async function uploadEvidenceFile(
  db: Db,
  target: { campaignId: string; taskId: string; unitId: string; form: EvidenceForm; description?: string },
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
export async function submitEvidence(db: Db, client: Client, s: EvidenceSubmission): Promise<TaskState> {
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
