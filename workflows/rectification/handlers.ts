// The task's updates and query. Each update has a validator (its limits, then its check: a refusal
// is never written to history) and acts in its turn, after checking again: another action may have
// changed the task while it waited.
import { ActivityFailure, ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import type { DelegationEntry, EvidenceEntry } from '../../domain/task-state.js';
import {
  acknowledgeUpdate,
  decideExtensionUpdate,
  delegateUpdate,
  reassignUpdate,
  recordRefusalUpdate,
  reportDelegationUpdate,
  reportProgressUpdate,
  requestExtensionUpdate,
  submitEvidenceUpdate,
  taskStateQuery,
  verifyUpdate,
  withdrawUpdate,
} from '../messages.js';
import * as checks from './checks.js';
import type { Check, Verdict } from './checks.js';
import { lastMomentBefore } from '../../domain/instants.js';
import { DELEGATION_TO_SUB_UNITS } from './patches.js';
import { refuseIf, reject } from '../refusals.js';
import type { RectificationTask } from './task.js';

/** Registers every handler; call before the workflow's first await, so that no message waits for one. */
export function registerHandlers(task: RectificationTask): void {
  const { state } = task;
  const now = () => task.now();
  /** The update's validator: limits first, then the check its handler runs again in its turn. */
  const validator =
    <I>(limit: (input: I) => Verdict, check: Check<I>) =>
    (input: I) =>
      refuseIf(limit(input) ?? check(task.facts(), input, Date.now()));
  const recheck = <I>(check: Check<I>, input: I) => refuseIf(check(task.facts(), input, Date.now()));

  setHandler(taskStateQuery, () => state);

  setHandler(
    acknowledgeUpdate,
    (a) =>
      task.act(async () => {
        recheck(checks.checkAcknowledge, a);
        state.status = 'acknowledged';
        state.acknowledgedAt = now();
        await task.record({ kind: 'acknowledged', actor: a.unitId, detail: a.by ? { by: a.by } : undefined });
      }),
    { validator: validator(checks.limitAcknowledge, checks.checkAcknowledge) },
  );

  setHandler(
    reportProgressUpdate,
    (p) =>
      task.act(async () => {
        recheck(checks.checkProgress, p);
        await task.countReport('progress');
        state.status = 'inProgress';
        state.lastProgressAt = now();
        await task.record({ kind: 'progress', actor: p.unitId, detail: { text: p.text.trim(), ...(p.by ? { by: p.by } : {}) } });
      }),
    { validator: validator(checks.limitProgress, checks.checkProgress) },
  );

  setHandler(
    submitEvidenceUpdate,
    (e) =>
      task.act(async () => {
        recheck(checks.checkEvidence, e);
        await task.countReport('evidence');
        const submittedAt = now();
        const files = (e.files ?? []).map((f) => ({ id: f.id, name: f.name, contentType: f.contentType, size: f.size, sha256: f.sha256 }));
        const text = e.text?.trim() || undefined;
        let id: number;
        try {
          ({ id } = await task.local.recordEvidence({
            key: task.key(`evidence/${task.evidenceCount + 1}`),
            campaignId: task.campaignId,
            taskId: task.taskId,
            unitId: e.unitId,
            form: e.form,
            text,
            files,
            interim: Boolean(e.interim),
            by: e.by,
            submittedAt,
          }));
        } catch (error) {
          // The record refuses files that were never uploaded: a refusal, not a failure.
          if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
            reject(error.cause.message, error.cause.type ?? 'InvalidEvidence');
          }
          throw error;
        }
        const entry: EvidenceEntry = {
          id,
          form: e.form,
          ...(text ? { text } : {}),
          files,
          unitId: e.unitId,
          ...(e.by ? { by: e.by } : {}),
          submittedAt,
          interim: Boolean(e.interim),
        };
        state.evidence.push(entry);
        task.evidenceCount++;
        state.lastProgressAt = submittedAt;
        state.status = e.interim ? 'inProgress' : 'evidenceSubmitted';
        await task.record({
          kind: 'evidence',
          actor: e.unitId,
          detail: {
            ...(e.by ? { by: e.by } : {}),
            submissionId: id,
            form: e.form,
            ...(text ? { text } : {}),
            files: files.map((f) => ({ id: f.id, name: f.name, size: f.size, sha256: f.sha256 })),
            interim: Boolean(e.interim),
          },
        });
      }),
    { validator: validator(checks.limitEvidence, checks.checkEvidence) },
  );

  setHandler(
    verifyUpdate,
    (v) =>
      task.act(async () => {
        recheck(checks.checkVerify, v);
        const by = v.by ?? 'office';
        if (v.passed) {
          state.status = 'closed';
          state.closedAt = now();
          state.nextEscalationAt = undefined;
          state.nextRungName = undefined;
          task.endDelegations();
          await task.record({ kind: 'verified', actor: by, detail: v.comment ? { comment: v.comment } : {} });
          return;
        }
        const reasons = [...(v.reasons ?? []), ...(v.comment ? [v.comment] : [])].map((r) => r.trim()).filter(Boolean);
        state.status = 'inProgress';
        state.failedVerifications++;
        await task.record({ kind: 'verificationFailed', actor: by, detail: { reasons, ...(v.comment ? { comment: v.comment } : {}) } });
        await task.notify('verificationFailed', { details: { reasons } });
        const { plan } = task;
        if (plan && plan.refusalAfterFailures > 0 && state.failedVerifications >= plan.refusalAfterFailures) {
          await task.climbOnRefusal([`整改 ${state.failedVerifications} 次核查不通过（屡不整改）`, ...reasons], by);
        }
      }),
    { validator: validator(checks.limitVerify, checks.checkVerify) },
  );

  setHandler(
    requestExtensionUpdate,
    (r) =>
      task.act(async () => {
        recheck(checks.checkExtensionRequest, r);
        const requestedDeadline =
          r.until ?? (await task.workingDaysAfter(lastMomentBefore(state.deadlineAt!), r.workingDays!, '延期申请')).date;
        const seq = state.extensions.length + 1;
        const reason = r.reason.trim();
        state.extensions.push({ seq, requestedAt: now(), unitId: r.unitId, ...(r.by ? { by: r.by } : {}), reason, requestedDeadline, status: 'pending' });
        await task.record({ kind: 'extensionRequested', actor: r.unitId, detail: { seq, reason, requestedDeadline, ...(r.by ? { by: r.by } : {}) } });
      }),
    { validator: validator(checks.limitExtensionRequest, checks.checkExtensionRequest) },
  );

  setHandler(
    decideExtensionUpdate,
    (d) =>
      task.act(async () => {
        recheck(checks.checkExtensionDecision, d);
        const request = state.extensions.find((e) => e.status === 'pending')!;
        const by = d.by ?? 'office';
        const comment = d.comment ? { comment: d.comment } : {};
        request.decidedAt = now();
        request.decidedBy = by;
        if (d.comment) request.comment = d.comment;
        if (d.approved) {
          const newDeadline = d.until ?? request.requestedDeadline;
          request.status = 'approved';
          request.newDeadline = newDeadline;
          await task.setDeadline(newDeadline);
          task.anchor = { kind: 'deadline' };
          await task.planNextRung();
          await task.record({ kind: 'extensionApproved', actor: by, detail: { seq: request.seq, newDeadline, ...comment }, change: { deadline: newDeadline } });
        } else {
          request.status = 'refused';
          await task.record({ kind: 'extensionRefused', actor: by, detail: { seq: request.seq, ...comment } });
        }
        const { requestedDeadline, newDeadline } = request;
        await task.notify('extensionDecision', {
          details: { extension: { approved: d.approved, requestedDeadline, ...(newDeadline ? { newDeadline } : {}), ...comment } },
        });
      }),
    { validator: validator(checks.limitExtensionDecision, checks.checkExtensionDecision) },
  );

  setHandler(
    reassignUpdate,
    (r) =>
      task.act(async () => {
        recheck(checks.checkReassign, r);
        const by = r.by ?? 'office';
        const newDeadlineAt = r.deadline ? await task.local.deadlineInstant({ timeZone: task.timeZone, date: r.deadline }) : undefined;
        refuseIf(checks.checkReassignDeadline(r.deadline, newDeadlineAt, Date.now()));
        const from = state.leadUnit;
        const previousUnitName = task.units.find((u) => u.id === from)?.name ?? from;
        task.plan = (await task.loadPlan(r.unitId)).escalation;
        state.leadUnit = r.unitId;
        // What the former lead unit handed down ends with its lead (the record withdraws the sub-units' links).
        task.endDelegations();
        state.ladder = task.plan.ladder.map((x) => x.name);
        state.status = 'assigned';
        state.acknowledgedAt = undefined;
        state.rung = 0;
        state.rungName = '';
        task.ladderNoticesFrom = state.notices.length;
        task.anchor = { kind: 'deadline' };
        if (r.deadline) {
          state.deadline = r.deadline;
          state.deadlineAt = newDeadlineAt;
        }
        const warning = await task.planAcknowledgement();
        await task.planNextRung();
        const deadline = r.deadline ? { deadline: r.deadline } : {};
        await task.record({
          kind: 'reassigned',
          actor: by,
          detail: { from, to: r.unitId, reason: r.reason.trim(), ...deadline },
          change: { leadUnit: r.unitId, ...deadline },
        });
        await task.notify('reassignment', { details: { previousUnitName, reason: r.reason.trim() }, calendarWarning: warning });
      }),
    { validator: validator(checks.limitReassign, checks.checkReassign) },
  );

  setHandler(
    withdrawUpdate,
    (w) =>
      task.act(async () => {
        recheck(checks.checkWithdraw, w);
        const notified = state.status !== 'scheduled';
        state.status = 'withdrawn';
        state.withdrawnAt = now();
        task.endDelegations();
        state.nextEscalationAt = undefined;
        state.nextRungName = undefined;
        const withdrawn = { kind: 'withdrawn', actor: w.by ?? 'office', detail: { reason: w.reason.trim() } };
        if (notified) await task.notifyWithEvent('withdrawal', { details: { reason: w.reason.trim() } }, () => withdrawn);
        else await task.record(withdrawn);
      }),
    { validator: validator(checks.limitWithdraw, checks.checkWithdraw) },
  );

  setHandler(
    delegateUpdate,
    (d) =>
      task.act(async () => {
        recheck(checks.checkDelegate, d);
        // Tasks that never delegated issue none of these commands (and replay as they ran).
        patched(DELEGATION_TO_SUB_UNITS);
        const delegations = (state.delegations ??= []);
        const part = d.part.trim();
        const entry: DelegationEntry = {
          seq: delegations.length + 1,
          from: d.unitId,
          unitId: d.subUnitId,
          part,
          due: d.due,
          dueAt: await task.local.deadlineInstant({ timeZone: task.timeZone, date: d.due }),
          delegatedAt: now(),
          ...(d.by ? { by: d.by } : {}),
          status: 'open',
          reports: 0,
        };
        delegations.push(entry);
        const delegated = {
          kind: 'delegated',
          actor: d.unitId,
          detail: { seq: entry.seq, from: d.unitId, to: d.subUnitId, part, due: d.due, ...(d.by ? { by: d.by } : {}) },
        };
        await task.notifyWithEvent('delegation', { details: { delegation: task.delegationFacts(entry) } }, () => delegated);
      }),
    { validator: validator(checks.limitDelegate, checks.checkDelegate) },
  );

  setHandler(
    reportDelegationUpdate,
    (r) =>
      task.act(async () => {
        recheck(checks.checkDelegationReport, r);
        const entry = state.delegations!.find((x) => x.seq === r.seq)!;
        const text = r.text.trim();
        const done = Boolean(r.done);
        entry.reports++;
        entry.lastReportAt = now();
        if (done) {
          entry.status = 'completed';
          entry.completedAt = entry.lastReportAt;
        }
        // On the task's record as the sub-unit's act; the mail goes to the lead unit, which still answers to the office.
        const reported = {
          kind: done ? 'delegationCompleted' : 'delegationProgress',
          actor: r.unitId,
          detail: { seq: r.seq, text, ...(r.by ? { by: r.by } : {}) },
        };
        const details = { delegation: task.delegationFacts(entry), delegationReport: { text, done } };
        await task.notifyWithEvent('delegationReport', { details }, () => reported);
      }),
    { validator: validator(checks.limitDelegationReport, checks.checkDelegationReport) },
  );

  setHandler(
    recordRefusalUpdate,
    (r) =>
      task.act(async () => {
        recheck(checks.checkRefusal, r);
        await task.record({ kind: 'refused', actor: r.by ?? 'office', detail: { reason: r.reason.trim() } });
        await task.climbOnRefusal([r.reason.trim()], r.by ?? 'office');
      }),
    { validator: validator(checks.limitRefusal, checks.checkRefusal) },
  );
}
