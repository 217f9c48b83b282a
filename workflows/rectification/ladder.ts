// The escalation ladder of one task: when the current deadline lapses, the rungs of its plan
// (domain/ladder.ts) are issued one at a time, each after its grace period in working days.
import { patched } from '@temporalio/workflow';
import { lastMomentBefore } from '../../domain/instants.js';
import type { EscalationPlan } from '../../domain/ladder.js';
import type { NoticeDetails } from '../../domain/notices.js';
import type { Anchor, RectificationInput } from '../messages.js';
import { RUNG_NOTICES_PER_UNIT_DAY } from './patches.js';
import { TaskRecord, type EventSpec, type NotifyOptions } from './record.js';

export class LadderTask extends TaskRecord {
  /** The task's escalation plan, loaded at the start and again on reassignment. */
  plan?: EscalationPlan;
  /** What the next rung's grace period counts from: the current deadline, or the last rung's issue. */
  anchor: Anchor;
  /** Notices before this index belong to an earlier lead unit (before a reassignment). */
  ladderNoticesFrom: number;

  constructor(input: RectificationInput) {
    super(input);
    this.anchor = input.carried?.anchor ?? { kind: 'deadline' };
    this.ladderNoticesFrom = input.carried?.ladderNoticesFrom ?? 0;
  }

  /** Loads the plan of the task led by `leadUnit` (and the campaign's units). */
  loadPlan(leadUnit: string) {
    const { campaignId, taskId, input } = this;
    return this.local.loadTaskPlan({ campaignId, taskId, leadUnit, override: input.task.escalation });
  }

  /** When the next rung is due, from the anchor and its grace period. */
  async planNextRung(): Promise<void> {
    const { state, anchor } = this;
    const next = this.plan?.ladder[state.rung];
    if (!next || !state.deadlineAt) {
      state.nextEscalationAt = undefined;
      state.nextRungName = undefined;
      return;
    }
    let at: string;
    if (anchor.kind === 'deadline') {
      at = next.graceDays === 0
        ? state.deadlineAt
        : (await this.workingDaysAfter(lastMomentBefore(state.deadlineAt), next.graceDays, `${next.name}宽限期`)).lapsesAt;
    } else {
      at = next.graceDays === 0
        ? anchor.at
        : (await this.workingDaysAfter(anchor.at, next.graceDays, `${next.name}宽限期`)).lapsesAt;
    }
    state.nextEscalationAt = at;
    state.nextRungName = next.name;
  }

  /** Issues rung n (1-based) now. */
  async fireRung(n: number, options: { rectificationDays?: number; reasons?: string[]; actor?: string } = {}): Promise<void> {
    const { state, input } = this;
    const rung = this.plan!.ladder[n - 1];
    const issuedAt = this.now();
    const warnings: string[] = [];
    const details: NoticeDetails = {};
    const rectificationDays = options.rectificationDays ?? rung.rectificationDays;
    let newDeadline: { date: string; at: string } | undefined;
    if (rectificationDays > 0) {
      const r = await this.workingDaysAfter(issuedAt, rectificationDays, `${rung.name}整改时限`);
      if (r.warning) warnings.push(r.warning);
      newDeadline = { date: r.date, at: r.lapsesAt };
      details.rectificationDeadline = r.date;
    }
    if (rung.meeting) {
      const m = await this.workingDaysAfter(issuedAt, rung.meeting.inWorkingDays, '约谈时间');
      if (m.warning && !warnings.includes(m.warning)) warnings.push(m.warning);
      details.meetingAt = await this.local.instantOf({ timeZone: this.timeZone, date: m.date, time: rung.meeting.time });
    }
    if (rung.deduction > 0) details.deduction = rung.deduction;
    if (rung.interviewTarget) details.interviewTarget = rung.interviewTarget;
    if (rung.noticeScope) details.noticeScope = rung.noticeScope;
    if (options.reasons?.length) details.reasons = options.reasons;
    const { complaint } = input;
    if (complaint) {
      details.complaint = {
        source: complaint.source,
        ...(complaint.summary ? { summary: complaint.summary } : {}),
        ...(complaint.reference ? { reference: complaint.reference } : {}),
        ...(complaint.receivedAt ? { receivedAt: complaint.receivedAt } : {}),
      };
    }
    const earlier = state.notices.slice(this.ladderNoticesFrom).filter((x) => x.rung !== undefined).map((x) => x.documentNumber);
    if (earlier.length) details.previousNumbers = earlier;

    state.rung = n;
    state.rungName = rung.name;
    if (newDeadline) {
      state.deadline = newDeadline.date;
      state.deadlineAt = newDeadline.at;
      this.anchor = { kind: 'deadline' };
    } else {
      this.anchor = { kind: 'issued', at: issuedAt };
    }
    const notice: NotifyOptions = {
      rung: n,
      recipients: rung.recipients,
      details,
      wording: rung.wording,
      ...(rung.deduction > 0 ? { deduction: { points: rung.deduction, reason: `${rung.name}：“${input.task.title}”` } } : {}),
      attachRecord: rung.attachRecord,
      calendarWarning: warnings.length ? warnings.join(' ') : undefined,
      // A lapse found by the clock gathers; a complaint, a refusal or an officer's act is about one task.
      gather: rung.batch === 'unitDay' && !complaint && !options.reasons?.length && !options.actor && !rung.attachRecord && patched(RUNG_NOTICES_PER_UNIT_DAY),
    };
    // Sent with the notice, the event goes before its number exists; recorded after it (older histories), it cites it.
    const event = (documentNumber?: string): EventSpec => ({
      kind: rung.notice,
      actor: options.actor,
      detail: {
        rung: n,
        rungName: rung.name,
        ...(documentNumber ? { documentNumber } : {}),
        ...(details.rectificationDeadline ? { rectificationDeadline: details.rectificationDeadline } : {}),
        ...(details.meetingAt ? { meetingAt: details.meetingAt } : {}),
        ...(rung.deduction > 0 ? { deduction: rung.deduction } : {}),
      },
      change: complaint && newDeadline ? { deadline: newDeadline.date } : {},
    });
    await this.notifyWithEvent(rung.notice, notice, event, () => this.planNextRung());
  }

  /** 拒不整改 / 屡不整改: jump to the refusal rung. */
  async climbOnRefusal(reasons: string[], actor?: string): Promise<void> {
    const target = this.plan?.onRefusal;
    if (!target || this.state.rung >= target) return;
    await this.fireRung(target, { reasons, actor });
  }

  /** Computes the acknowledgement deadline of a (re)assignment. */
  async planAcknowledgement(): Promise<string | undefined> {
    const ack = await this.workingDaysAfter(this.now(), this.plan!.acknowledgement.workingDays, '签收时限');
    this.state.acknowledgeBy = ack.lapsesAt;
    this.state.acknowledgementOverdue = false;
    return ack.warning;
  }
}
