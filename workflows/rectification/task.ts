// One rectification task as its workflow holds it: the state, the record, the ladder (the classes
// it extends), the turns its handlers and timers take, and what a run hands over to the next.
import { patched } from '@temporalio/workflow';
import { WORKDAY_START } from '../../domain/instants.js';
import type { DelegationFacts } from '../../domain/notices.js';
import type { DelegationEntry, ReportDay, TaskState } from '../../domain/task-state.js';
import type { CarriedTask, RectificationInput, TaskBrief, TaskUpdateResult } from '../messages.js';
import { ACTIVE, checkReportsLeft, type TaskFacts } from './checks.js';
import { refuseIf } from '../refusals.js';
import { LadderTask } from './ladder.js';
import { REPORTS_PER_DAY } from './patches.js';
import { turnTaker, type Turns } from './turns.js';

/** What a new run carries of the lists that grow: the record (PostgreSQL) keeps everything. */
const CARRIED_TIMELINE = 50;
const CARRIED_EVIDENCE = 20;
const CARRIED_NOTICES = 20;

/** The task without its growing lists: what an update answers. */
function briefOf(state: TaskState): TaskBrief {
  const brief: Partial<TaskState> = { ...state };
  delete brief.evidence;
  delete brief.notices;
  delete brief.timeline;
  delete brief.calendarWarnings;
  return brief as TaskBrief;
}

/**
 * What the next run carries: the state with the tail of its timeline, evidence and notices (the
 * record has them all), keeping every rung notice of the current lead unit (the next rung cites them).
 */
function carryOver(carried: CarriedTask): CarriedTask {
  const { state } = carried;
  const keep = state.notices.map(
    (n, i) => i >= state.notices.length - CARRIED_NOTICES || (i >= carried.ladderNoticesFrom && n.rung !== undefined),
  );
  const timeline = state.timeline.slice(-CARRIED_TIMELINE);
  return {
    ...carried,
    ladderNoticesFrom: keep.slice(0, carried.ladderNoticesFrom).filter(Boolean).length,
    state: {
      ...state,
      timeline,
      timelineOmitted: (state.timelineOmitted ?? 0) + state.timeline.length - timeline.length,
      evidence: state.evidence.slice(-CARRIED_EVIDENCE),
      notices: state.notices.filter((_, i) => keep[i]),
    },
  };
}

export class RectificationTask extends LadderTask {
  /** The campaign's units, once loaded (until then any unit passes the checks); `parent`: whose sub-unit it is. */
  units: { id: string; name: string; kind: string; parent?: string }[] = [];
  /** Evidence submissions so far (the key of the next one); the state keeps only the latest after a hand-over. */
  evidenceCount: number;
  lastCheckAt: string;
  /** Bumped whenever a turn ends: the timer loop then looks again at what it waits for. */
  version = 0;
  private readonly turns: Turns;

  constructor(input: RectificationInput) {
    super(input);
    this.evidenceCount = input.carried?.evidenceCount ?? 0;
    this.lastCheckAt = input.carried?.lastCheckAt ?? '';
    this.turns = turnTaker(() => this.version++);
  }

  /** What the checks read, as it stands now. */
  facts(): TaskFacts {
    return { state: this.state, units: this.units, plan: this.plan };
  }

  /** Loads the plan and the units at the start of a run. */
  async load(): Promise<void> {
    const loaded = await this.loadPlan(this.state.leadUnit);
    this.plan = loaded.escalation;
    this.units = loaded.units;
    this.state.ladder = this.plan.ladder.map((r) => r.name);
  }

  /** Handlers and the timer loop run one at a time. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.turns.run(fn);
  }
  /** Nobody holds the turn or waits for it. */
  idle(): boolean {
    return this.turns.idle();
  }

  /** An update's turn: it checks again and acts, then answers the task and what it added to the timeline. */
  act(fn: () => Promise<void>): Promise<TaskUpdateResult> {
    return this.exclusive(async () => {
      const from = this.state.timeline.length;
      await fn();
      return { ...briefOf(this.state), events: this.state.timeline.slice(from) };
    });
  }

  /** Counts a report against its civil day, in the handler's turn after its checks; a new day is looked up. */
  async countReport(kind: 'progress' | 'evidence'): Promise<void> {
    if (!patched(REPORTS_PER_DAY)) return;
    const { state, timeZone } = this;
    const at = this.now();
    if (!state.reportsToday || Date.parse(at) >= Date.parse(state.reportsToday.endsAt)) {
      const date = await this.local.civilDate({ timeZone, at });
      const day: ReportDay = { date, endsAt: await this.local.deadlineInstant({ timeZone, date }), progress: 0, evidence: 0 };
      state.reportsToday = day;
    }
    refuseIf(checkReportsLeft(state, kind, Date.now()));
    state.reportsToday[kind]++;
  }

  /** When the weekly check is due next. */
  async nextCheck(): Promise<void> {
    const { campaignId, timeZone, input } = this;
    // The campaign reminds the unit of all its silent tasks at once: no timer here.
    if (input.unitReminders) return;
    const weeklyCheck = input.weeklyCheck ?? { weekday: 1, time: WORKDAY_START };
    this.state.nextCheckAt = (await this.local.nextCheckTime({ campaignId, timeZone, after: this.now(), ...weeklyCheck })).at;
  }

  /** The timers' turn: whatever is due of the acknowledgement deadline, the next rung and the weekly check. */
  async onTimers(): Promise<void> {
    const { state } = this;
    if (this.terminal()) return;
    const t = Date.now();
    if (state.status === 'assigned' && !state.acknowledgementOverdue && state.acknowledgeBy && t >= Date.parse(state.acknowledgeBy)) {
      // 领办逾期: a reminder, and the lapse recorded against the unit.
      state.acknowledgementOverdue = true;
      const points = this.plan!.acknowledgement.deduction;
      const deduction = points > 0 ? { deduction: points } : {};
      const overdue = { kind: 'acknowledgementOverdue', detail: { acknowledgeBy: state.acknowledgeBy, ...deduction } };
      await this.notifyWithEvent(
        'acknowledgementReminder',
        {
          details: { acknowledgeBy: state.acknowledgeBy, ...deduction },
          ...(points > 0 ? { deduction: { points, reason: `领办逾期：“${this.input.task.title}”` } } : {}),
        },
        () => overdue,
      );
    }
    if (state.nextEscalationAt && state.status !== 'evidenceSubmitted' && t >= Date.parse(state.nextEscalationAt)) {
      await this.fireRung(state.rung + 1);
    }
    if (state.nextCheckAt && t >= Date.parse(state.nextCheckAt)) {
      // 每周一检查: a reminder when nothing was reported since the last check.
      const silent = !state.lastProgressAt || state.lastProgressAt < this.lastCheckAt;
      // A sub-unit's lapse is the lead unit's to chase: its reminder lists it (only tasks that delegated have any).
      const overdue = this.overdueDelegations();
      if ((silent || overdue.length > 0) && ACTIVE.includes(state.status)) {
        const overdueDelegations = overdue.length > 0 ? { overdueDelegations: overdue } : {};
        await this.notify('reminder', { details: { ...(silent ? { silentSince: state.lastProgressAt ?? this.lastCheckAt } : {}), ...overdueDelegations } });
      }
      this.lastCheckAt = this.now();
      await this.nextCheck();
    }
  }

  /** Ends the open delegations (reassignment, withdrawal, 销号); the record ends its rows with the event. */
  endDelegations(): void {
    for (const d of this.state.delegations ?? []) {
      if (d.status !== 'open') continue;
      d.status = 'ended';
      d.endedAt = this.now();
    }
  }

  /** Parts handed to sub-units that are past their due date and not done, as a notice cites them. */
  overdueDelegations(): DelegationFacts[] {
    const t = Date.now();
    return (this.state.delegations ?? [])
      .filter((d) => d.status === 'open' && t >= Date.parse(d.dueAt))
      .map((d) => this.delegationFacts(d));
  }

  /** How a notice cites a delegation. */
  delegationFacts(d: DelegationEntry): DelegationFacts {
    const unitName = this.units.find((u) => u.id === d.unitId)?.name ?? d.unitId;
    return { seq: d.seq, unitId: d.unitId, unitName, part: d.part, due: d.due };
  }

  /** What the next run carries (its lists cut to their tails). */
  handOver(): CarriedTask {
    const { state, eventSeq, evidenceCount, noticeAttempts, lastCheckAt, anchor, ladderNoticesFrom } = this;
    return carryOver({ state, eventSeq, evidenceCount, noticeAttempts, lastCheckAt, anchor, ladderNoticesFrom });
  }
}
