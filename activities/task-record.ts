// The whole record of one task, read from the database: every notice with its delivery receipts,
// every event (签收, 报送, 期限, 督办), every piece of evidence. Attached to accountability referrals.
import { DateTime } from 'luxon';
import { loadCampaignContext, loadTask } from '../db/campaigns.js';
import { listTaskEvents } from '../db/events.js';
import { listEvidence } from '../db/evidence.js';
import { listTaskNotices, listTaskOutbox } from '../db/notices.js';
import type { Queryable } from '../db/pool.js';
import { describeEvent, EVENT_NAMES, EVIDENCE_FORMS, TASK_STATUSES, type EvidenceForm, type TaskStatus } from '../domain/task-state.js';
import type { TaskRecord } from '../services/docx.js';

export async function loadTaskRecord(db: Queryable, campaignId: string, taskId: string, madeAt: string): Promise<TaskRecord> {
  const ctx = await loadCampaignContext(db, campaignId);
  const task = await loadTask(db, campaignId, taskId);
  const zone = ctx.timeZone;
  const when = (at: Date | string) =>
    (typeof at === 'string' ? DateTime.fromISO(at) : DateTime.fromJSDate(at)).setZone(zone).toFormat('yyyy-MM-dd HH:mm');
  const unitName = (id: string) => ctx.units.get(id)?.name ?? id;

  const [notices, outbox, events, evidence] = await Promise.all([
    listTaskNotices(db, campaignId, taskId),
    listTaskOutbox(db, campaignId, taskId),
    listTaskEvents(db, campaignId, taskId),
    listEvidence(db, campaignId, taskId),
  ]);

  return {
    campaignTitle: ctx.title,
    officeName: ctx.office.name,
    madeAt: when(madeAt),
    task: {
      id: task.id,
      title: task.title,
      description: task.description,
      leadUnit: unitName(task.lead_unit),
      cooperatingUnits: task.cooperating_units.map(unitName),
      start: task.start_date,
      deadline: task.deadline,
      status: TASK_STATUSES[task.status as TaskStatus] ?? task.status,
      rungName: (task as { rung_name?: string }).rung_name ?? '',
    },
    notices: notices.map((n) => {
      const receipts = outbox.filter((o) => o.notice_id === n.id);
      const delivery = receipts.length === 0
        ? '待发送'
        : receipts
            .map((o) =>
              o.status === 'sent' && o.sent_at
                ? `已送达 ${when(o.sent_at)}${o.attempts > 1 ? `（第 ${o.attempts} 次投递）` : ''}`
                : `未送达（已尝试 ${o.attempts} 次${o.last_error ? `：${o.last_error}` : ''}）`,
            )
            .join('\n');
      return {
        documentNumber: n.document_number,
        title: n.title,
        issuedAt: when(n.issued_at),
        to: n.recipients.to.join('、'),
        cc: n.recipients.cc.join('、'),
        delivery,
      };
    }),
    events: events.map((e) => ({
      at: when(e.occurred_at),
      name: EVENT_NAMES[e.kind] ?? e.kind,
      // A unit acts as itself; who at the unit did it (`by`) is shown beside its name.
      actor: e.actor ? `${unitName(e.actor)}${typeof e.detail?.by === 'string' && e.detail.by ? `（${e.detail.by}）` : ''}` : '',
      detail: describeEvent(e.kind, e.detail, unitName),
    })),
    evidence: evidence.map((s) => ({
      at: when(s.submitted_at),
      form: EVIDENCE_FORMS[s.form as EvidenceForm] ?? s.form,
      text: `${s.interim ? '（阶段性材料）' : ''}${s.text ?? ''}`,
      files: s.files.map((f) => `${f.name}（${formatSize(f.size)}，SHA-256 ${f.sha256.slice(0, 12)}…）`).join('\n'),
      by: s.submitted_by ?? unitName(s.unit_id),
    })),
  };
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
