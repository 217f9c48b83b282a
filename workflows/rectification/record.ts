// The task's state and its record: every event goes to the timeline and to PostgreSQL (an
// activity), every notice is issued by an activity with an idempotency key derived from the
// workflow, its first run and a counter that travels with the state when the task continues as new.
import { log, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { TaskEvent } from '../../db/events.js';
import {
  DEFAULT_RECIPIENTS,
  type NoticeDetails,
  type NoticeKind,
  type RecipientList,
  type Wording,
} from '../../domain/notices.js';
import { TERMINAL_STATUSES, type TaskState } from '../../domain/task-state.js';
import type { RectificationInput } from '../messages.js';
import { FEWER_ROUND_TRIPS } from './patches.js';

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const localActivities = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface EventSpec {
  kind: string;
  actor?: string;
  detail?: Record<string, unknown>;
  change?: { deadline?: string; leadUnit?: string };
}

export interface NotifyOptions {
  rung?: number;
  recipients?: RecipientList;
  details?: NoticeDetails;
  wording?: Wording;
  deduction?: { points: number; reason: string };
  attachRecord?: boolean;
  calendarWarning?: string;
  /** Share one notice with the lead unit's other lapses of this rung today (docs/notices.md). */
  gather?: boolean;
}

/** A task's state before its assignment. */
function initialState(input: RectificationInput): TaskState {
  const { campaignId, task, complaint } = input;
  return {
    campaignId,
    taskId: task.id,
    title: task.title,
    status: 'scheduled',
    leadUnit: task.leadUnit,
    rung: 0,
    rungName: '',
    ladder: [],
    failedVerifications: 0,
    evidence: [],
    extensions: [],
    calendarWarnings: [],
    notices: [],
    timeline: [],
    ...(complaint ? { complaint: { source: complaint.source, summary: complaint.summary, reference: complaint.reference } } : {}),
  };
}

export class TaskRecord {
  readonly state: TaskState;
  /** Behind FEWER_ROUND_TRIPS: asked once, before the first command, and fixed for the run. */
  readonly fewerRoundTrips: boolean;
  /** Look-ups and record writes: local activities behind FEWER_ROUND_TRIPS, ordinary ones before. */
  readonly local: typeof activities;
  /** Idempotency keys of notices and events derive from the workflow and its first run. */
  private readonly keyBase: string;
  protected eventSeq: number;
  protected readonly noticeAttempts: Record<string, number>;

  constructor(readonly input: RectificationInput) {
    const { carried } = input;
    this.fewerRoundTrips = patched(FEWER_ROUND_TRIPS);
    this.local = this.fewerRoundTrips ? localActivities : activities;
    const info = workflowInfo();
    this.keyBase = `${info.workflowId}@${info.firstExecutionRunId}`;
    this.state = carried?.state ?? initialState(input);
    this.eventSeq = carried?.eventSeq ?? 0;
    this.noticeAttempts = carried?.noticeAttempts ?? {};
  }

  get campaignId(): string {
    return this.input.campaignId;
  }
  get taskId(): string {
    return this.input.task.id;
  }
  get timeZone(): string {
    return this.input.timeZone;
  }

  /** Workflow time. */
  now(): string {
    return new Date().toISOString();
  }
  terminal(): boolean {
    return TERMINAL_STATUSES.includes(this.state.status);
  }
  /** An idempotency key under this task. */
  key(suffix: string): string {
    return `${this.keyBase}/${suffix}`;
  }

  /** Appends to the timeline and the record. */
  async record({ kind, actor, detail, change = {} }: EventSpec): Promise<void> {
    const event = this.eventOf({ kind, actor, detail, change });
    this.state.timeline.push({ at: event.occurredAt, kind, actor, detail });
    await this.local.recordTaskEvent(event);
  }

  /** The record's row for an event, with the task as it stands now. */
  private eventOf({ kind, actor, detail, change = {} }: EventSpec): TaskEvent {
    const { state } = this;
    return {
      key: this.key(`event/${++this.eventSeq}`),
      campaignId: this.campaignId,
      taskId: this.taskId,
      occurredAt: this.now(),
      kind,
      actor,
      detail,
      status: state.status,
      rung: state.rung,
      rungName: state.rungName,
      nextDeadlineAt: state.deadlineAt,
      lastProgressAt: state.lastProgressAt,
      nextEscalationAt: state.nextEscalationAt,
      acknowledgeBy: state.status === 'assigned' ? state.acknowledgeBy : undefined,
      ...change,
    };
  }

  /** Issues a notice; answers its document number. */
  notify(kind: NoticeKind, options: NotifyOptions = {}): Promise<string> {
    return this.issue(kind, options);
  }

  /**
   * Issues a notice and records the event it goes with. Behind FEWER_ROUND_TRIPS the event is
   * written with the notice (one activity) once `before` has run; histories before it issue the
   * notice, run `before`, then record the event (which may then cite the document number).
   */
  async notifyWithEvent(
    kind: NoticeKind,
    options: NotifyOptions,
    event: (documentNumber?: string) => EventSpec,
    before: () => Promise<void> = async () => {},
  ): Promise<void> {
    if (this.fewerRoundTrips) {
      await before();
      await this.issue(kind, options, event());
    } else {
      const documentNumber = await this.issue(kind, options);
      await before();
      await this.record(event(documentNumber));
    }
  }

  private async issue(kind: NoticeKind, options: NotifyOptions, withEvent?: EventSpec): Promise<string> {
    const issuedAt = this.now();
    const event = withEvent ? this.eventOf(withEvent) : undefined;
    const rung = options.rung ?? 0;
    const slot = `${kind}/${rung}`;
    const attempt = (this.noticeAttempts[slot] = (this.noticeAttempts[slot] ?? 0) + 1);
    const recipients =
      options.recipients ??
      (DEFAULT_RECIPIENTS as Partial<Record<NoticeKind, RecipientList>>)[kind] ??
      ({ to: ['leadUnit.contact'], cc: [] } satisfies RecipientList);
    const issued = await activities.issueNotice({
      key: this.key(`notice/${kind}/rung-${rung}/attempt-${attempt}`),
      campaignId: this.campaignId,
      taskId: this.taskId,
      kind,
      issuedAt,
      recipients,
      ...(options.rung ? { rung: options.rung } : {}),
      ...(options.details ? { details: options.details } : {}),
      ...(options.wording ? { wording: options.wording } : {}),
      ...(options.deduction ? { deduction: options.deduction } : {}),
      ...(options.attachRecord ? { attachRecord: true } : {}),
      ...(options.calendarWarning ? { calendarWarning: options.calendarWarning } : {}),
      ...(options.gather ? { gather: 'unitDay' as const } : {}),
      ...(event ? { event } : {}),
    });
    const { documentNumber } = issued;
    const { state } = this;
    state.notices.push({ kind, documentNumber, issuedAt, ...(options.rung ? { rung: options.rung } : {}) });
    state.timeline.push({ at: issuedAt, kind: `notice.${kind}`, detail: { ...issued } });
    if (event) {
      state.timeline.push({ at: event.occurredAt, kind: event.kind, actor: event.actor, detail: { ...event.detail, documentNumber } });
    }
    return documentNumber;
  }

  /** A deadline computed in a year without a holiday schedule: timeline, record, worker log. */
  private async calendarWarning(warning: string | undefined, context: string): Promise<string | undefined> {
    if (!warning) return undefined;
    log.warn(`节假日安排缺失：${warning}`, { campaignId: this.campaignId, taskId: this.taskId, context });
    if (!this.state.calendarWarnings.includes(warning)) this.state.calendarWarnings.push(warning);
    await this.record({ kind: 'calendarWarning', detail: { warning, context } });
    return warning;
  }

  async workingDaysAfter(from: string, days: number, context: string) {
    const result = await this.local.addWorkingDays({ campaignId: this.campaignId, timeZone: this.timeZone, from, days });
    return { ...result, warning: await this.calendarWarning(result.warning, context) };
  }

  async setDeadline(date: string): Promise<void> {
    this.state.deadline = date;
    this.state.deadlineAt = await this.local.deadlineInstant({ timeZone: this.timeZone, date });
  }
}
