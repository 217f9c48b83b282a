// Writes to the record: the campaign as started, every event of every task, evidence; and reads
// what a task's workflow needs to know about its campaign (its escalation plan, the units).
import { ApplicationFailure } from '@temporalio/common';
import { endCampaign, insertCampaign, insertTask, loadCampaignSettings } from '../db/campaigns.js';
import { parentsOfUnits } from '../db/delegations.js';
import { recordTaskEvent, type TaskEvent } from '../db/events.js';
import { findEvidenceFiles, insertSubmission } from '../db/evidence.js';
import type { Db } from '../db/pool.js';
import type { CampaignDefinition, Task } from '../domain/definition.js';
import { resolveEscalation, type EscalationPlan } from '../domain/ladder.js';
import type { EvidenceFileRef, EvidenceForm } from '../domain/task-state.js';

export interface TaskPlanInput {
  campaignId: string;
  taskId: string;
  /** The unit whose kind decides the ladder (enterprises climb their own). */
  leadUnit: string;
  /** The task's own ladder (tasks[].escalation) as the workflow was given it. */
  override?: unknown;
}

export interface UnitSummary {
  id: string;
  name: string;
  kind: string;
  /** The unit it is a sub-unit of (转办 goes down to it): the definition's `parent`, else the 通讯录's. */
  parent?: string;
}

export interface TaskPlan {
  escalation: EscalationPlan;
  units: UnitSummary[];
}

export interface RecordEvidenceInput {
  key: string;
  campaignId: string;
  taskId: string;
  unitId: string;
  form: EvidenceForm;
  text?: string;
  files: EvidenceFileRef[];
  interim: boolean;
  by?: string;
  submittedAt: string;
}

export function createRecordActivities({ db }: { db: Db }) {
  return {
    /** A task added to a running campaign, before its workflow starts; a retry is a no-op. */
    async registerTask({ campaignId, task }: { campaignId: string; task: Task }): Promise<void> {
      await insertTask(db, campaignId, task);
    },
    /** Marks the campaign ended and its open tasks closed out; answers which tasks were still open. */
    async closeCampaign({ campaignId, at, reason }: { campaignId: string; at: string; reason: string }): Promise<string[]> {
      return endCampaign(db, campaignId, at, reason);
    },
    /** Registers the campaign with its units, leaders and tasks; a retry is a no-op. */
    async registerCampaign(definition: CampaignDefinition): Promise<void> {
      await insertCampaign(db, definition);
    },

    async recordTaskEvent(event: TaskEvent): Promise<void> {
      await recordTaskEvent(db, event);
    },

    /** The escalation plan of a task (campaign ladder, unit kind, task override) and the campaign's units. */
    async loadTaskPlan(input: TaskPlanInput): Promise<TaskPlan> {
      const def = await loadCampaignSettings(db, input.campaignId);
      if (!def) throw ApplicationFailure.nonRetryable(`未找到创建活动：${input.campaignId}`, 'CampaignNotFound');
      const parents = await parentsOfUnits(db, input.campaignId, def.units);
      const units = def.units.map((u) => {
        const parent = parents.get(u.id);
        return { id: u.id, name: u.name, kind: u.kind ?? 'department', ...(parent ? { parent } : {}) };
      });
      const kind = units.find((u) => u.id === input.leadUnit)?.kind ?? 'department';
      try {
        return { escalation: resolveEscalation(def.escalation, kind, input.override), units };
      } catch (error) {
        throw ApplicationFailure.nonRetryable(`督办规则有误：${(error as Error).message}`, 'InvalidEscalation');
      }
    },

    /**
     * Stores an evidence submission and attaches its uploaded files. Refuses (non-retryable, reason in
     * Chinese) files that are missing, belong to another task, differ from what the submission says,
     * or are already part of another submission. Returns the submission id; a repeated key is a no-op.
     */
    async recordEvidence(input: RecordEvidenceInput): Promise<{ id: number }> {
      const ids = input.files.map((f) => f.id);
      const stored = await findEvidenceFiles(db, ids);
      for (const f of input.files) {
        const row = stored.find((s) => s.id === f.id);
        const problem = !row
          ? '不存在，请先上传'
          : row.campaign_id !== input.campaignId || row.task_id !== input.taskId
            ? '不属于该任务'
            : row.unit_id !== input.unitId
              ? '不是该单位上传的'
              : row.form !== input.form
                ? '上传时的材料形式与本次报送不同'
              : row.sha256 !== f.sha256 || row.size_bytes !== f.size
                ? '内容与报送信息不符（大小或 SHA-256 不一致）'
                : row.submission_id !== null && row.submission_key !== input.key
                  ? '已在其他报送中使用'
                  : undefined;
        if (problem) throw ApplicationFailure.nonRetryable(`佐证材料文件“${f.name}”${problem}`, 'InvalidEvidence');
      }
      const id = await insertSubmission(db, {
        key: input.key,
        campaignId: input.campaignId,
        taskId: input.taskId,
        unitId: input.unitId,
        form: input.form,
        text: input.text,
        interim: input.interim,
        by: input.by,
        submittedAt: input.submittedAt,
        fileIds: ids,
      });
      return { id };
    },
  };
}
