// The whole record of one task, read from the database: every notice with its delivery receipts,
// every event (签收, 报送, 期限, 督办), every piece of evidence. Attached to accountability referrals.
import { DateTime } from 'luxon';
import { loadCampaignContext, loadTask } from '../db/campaigns.js';
import { listTaskEvents } from '../db/events.js';
import { listEvidence } from '../db/evidence.js';
import { listTaskNotices, listTaskOutbox } from '../db/notices.js';
import type { Queryable } from '../db/pool.js';
import { EVENT_NAMES, EVIDENCE_FORMS, TASK_STATUSES, type EvidenceForm, type TaskStatus } from '../domain/task-state.js';
import type { TaskRecord } from './docx.js';

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

/** One line about an event's detail, for people. */
export function describeEvent(kind: string, detail: Record<string, unknown>, unitName: (id: string) => string = (x) => x): string {
  const d = detail ?? {};
  const parts: string[] = [];
  const str = (k: string) => (typeof d[k] === 'string' && d[k] !== '' ? (d[k] as string) : undefined);
  if (str('documentNumber')) parts.push(`文号 ${str('documentNumber')}`);
  if (str('text')) parts.push(str('text')!);
  if (str('form')) parts.push(`形式：${EVIDENCE_FORMS[str('form') as EvidenceForm] ?? str('form')}`);
  if (Array.isArray(d.files) && d.files.length) parts.push(`文件：${(d.files as { name: string }[]).map((f) => f.name).join('、')}`);
  if (str('reason')) parts.push(`理由：${str('reason')}`);
  if (str('comment')) parts.push(`意见：${str('comment')}`);
  if (Array.isArray(d.reasons) && d.reasons.length) parts.push(`问题：${(d.reasons as string[]).join('；')}`);
  if (str('requestedDeadline')) parts.push(`申请延至 ${str('requestedDeadline')}`);
  if (str('newDeadline')) parts.push(`新完成时限 ${str('newDeadline')}`);
  if (str('deadline') && kind !== 'extensionApproved') parts.push(`完成时限 ${str('deadline')}`);
  if (str('rectificationDeadline')) parts.push(`整改时限 ${str('rectificationDeadline')}`);
  if (str('from') && str('to')) parts.push(`${unitName(str('from')!)} → ${unitName(str('to')!)}`);
  if (typeof d.deduction === 'number' && d.deduction > 0) parts.push(`扣减年终绩效分 ${d.deduction} 分`);
  if (str('warning')) parts.push(str('warning')!);
  return parts.join('；');
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
