// Signals, queries and updates, defined once: workflows set the handlers, clients import them.
// Every task update returns the task as it stands after it (without its growing lists) and the
// entries it added to the timeline; a refusal (wrong state, unknown or wrong unit, empty or too long
// input, the day's reports used up) fails the update with a Chinese reason and changes nothing.
// Free texts are limited by domain/limits.ts: MAX_TEXT_CHARS for texts, MAX_NAME_CHARS for names.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CampaignDefinition, Task } from '../domain/definition.js';
import type { ComplaintSource } from '../domain/notices.js';
import type { EvidenceFileRef, EvidenceForm, TaskState, TimelineEntry } from '../domain/task-state.js';

// ---------------------------------------------------------------------------------------------
// Task: the workflow's input

/** A complaint from citizens or the media (plan 4) that this task answers: it starts at the supervision letter. */
export interface ComplaintInput {
  source: ComplaintSource;
  summary?: string;
  /** e.g. the hotline ticket or the article. */
  reference?: string;
  /** ISO instant. */
  receivedAt?: string;
  /** Working days to rectify; default: the campaign's escalation.complaints.rectificationDays (3). */
  rectificationDays?: number;
}

export interface RectificationInput {
  campaignId: string;
  timeZone: string;
  task: Task;
  /** 每周一检查: weekday (1 = Monday) and local time of the weekly progress check. */
  weeklyCheck?: { weekday: number; time: string };
  /**
   * The campaign reminds each unit once a week of all its silent tasks (patch one-reminder-per-unit):
   * the task keeps no weekly timer and sends no reminder of its own.
   */
  unitReminders?: boolean;
  /** The task comes from a complaint: urgent, short deadline, starts at the ladder's complaint rung (督办函). */
  complaint?: ComplaintInput;
  /** Start the climb at this rung (1-based) instead of with an assignment notice. */
  startAtRung?: number;
  /** A run continued as new: what the previous run knew (no assignment again). */
  carried?: CarriedTask;
  /** Continue as new past this many history events (default TASK_HISTORY_LIMIT). */
  historyLimit?: number;
}

/** What the grace period of the next rung counts from: the current deadline, or the last rung's issue. */
export type Anchor = { kind: 'deadline' } | { kind: 'issued'; at: string };

/** The task's state and the counters behind its idempotency keys and timers, from one run to the next. */
export interface CarriedTask {
  state: TaskState;
  eventSeq: number;
  evidenceCount: number;
  noticeAttempts: Record<string, number>;
  lastCheckAt: string;
  anchor: Anchor;
  ladderNoticesFrom: number;
}

// ---------------------------------------------------------------------------------------------
// Task: the responsible unit

/** 签收: the lead unit confirms receipt. */
export interface AcknowledgeInput {
  unitId: string;
  by?: string;
}
/** 进展报告 */
export interface ProgressInput {
  unitId: string;
  text: string;
  by?: string;
}
/**
 * 佐证材料 in one of the four forms, with text and/or files already uploaded to PostgreSQL
 * (client/evidence.ts uploads and then sends this). `interim`: a 阶段性材料 that does not ask for
 * verification; otherwise the task goes to evidenceSubmitted (待核查).
 */
export interface EvidenceInput {
  unitId: string;
  form: EvidenceForm;
  text?: string;
  files?: EvidenceFileRef[];
  interim?: boolean;
  by?: string;
}
/** 延期申请: a new deadline, as a date or as working days beyond the current one. */
export interface ExtensionRequestInput {
  unitId: string;
  reason: string;
  /** 'YYYY-MM-DD' */
  until?: string;
  /** Working days beyond the current deadline. */
  workingDays?: number;
  by?: string;
}

/**
 * 转办: the lead unit hands part of its task to one of its sub-units (a unit whose 上级单位 it is),
 * due no later than the task's current deadline. The task stays the lead unit's.
 */
export interface DelegateInput {
  /** The lead unit, who hands it over. */
  unitId: string;
  /** The sub-unit it goes to. */
  subUnitId: string;
  /** What is handed over. */
  part: string;
  /** 'YYYY-MM-DD', not after the task's current deadline. */
  due: string;
  by?: string;
}
/** The sub-unit's answer on what it was handed: progress, or done (办结). It goes to the lead unit. */
export interface DelegationReportInput {
  /** The sub-unit. */
  unitId: string;
  /** Which delegation of the task (its number). */
  seq: number;
  text: string;
  done?: boolean;
  by?: string;
}

// ---------------------------------------------------------------------------------------------
// Task: the office

/** 核查 / 现场核查: passed closes the task (销号); failed returns it to inProgress with the reasons. */
export interface VerifyInput {
  passed: boolean;
  /** Required when failed (or reasons). */
  comment?: string;
  reasons?: string[];
  by?: string;
}
/** The office's decision on the pending extension request; approving may set another date. */
export interface ExtensionDecisionInput {
  approved: boolean;
  /** 'YYYY-MM-DD', instead of the date asked for. */
  until?: string;
  comment?: string;
  by?: string;
}
/** 改派: another unit leads the task from now on; a new deadline is needed if the old one has passed. */
export interface ReassignInput {
  unitId: string;
  reason: string;
  /** 'YYYY-MM-DD' */
  deadline?: string;
  by?: string;
}
/** 撤销: the task ends; the unit is notified. */
export interface WithdrawInput {
  reason: string;
  by?: string;
}
/** 拒不整改: the unit refuses; the climb jumps to the ladder's refusal rung (enterprises: 全园区通报 and 约谈). */
export interface RefusalInput {
  reason: string;
  by?: string;
}

/** The task without the lists that grow with its life (evidence, notices, timeline, calendar warnings). */
export type TaskBrief = Omit<TaskState, 'evidence' | 'notices' | 'timeline' | 'calendarWarnings'>;
/**
 * What a task update answers: the task as it stands and what the update added to its timeline.
 * A subset of TaskState (workers before 2026-12-03 answered the whole state, which fits it too).
 */
export interface TaskUpdateResult extends TaskBrief {
  /** The timeline entries this update added (its event, the notices it issued). */
  events?: TimelineEntry[];
}

export const acknowledgeUpdate = defineUpdate<TaskUpdateResult, [AcknowledgeInput]>('acknowledge');
export const reportProgressUpdate = defineUpdate<TaskUpdateResult, [ProgressInput]>('reportProgress');
export const submitEvidenceUpdate = defineUpdate<TaskUpdateResult, [EvidenceInput]>('submitEvidence');
export const requestExtensionUpdate = defineUpdate<TaskUpdateResult, [ExtensionRequestInput]>('requestExtension');
export const verifyUpdate = defineUpdate<TaskUpdateResult, [VerifyInput]>('verify');
export const decideExtensionUpdate = defineUpdate<TaskUpdateResult, [ExtensionDecisionInput]>('decideExtension');
export const reassignUpdate = defineUpdate<TaskUpdateResult, [ReassignInput]>('reassign');
export const withdrawUpdate = defineUpdate<TaskUpdateResult, [WithdrawInput]>('withdraw');
export const recordRefusalUpdate = defineUpdate<TaskUpdateResult, [RefusalInput]>('recordRefusal');
export const delegateUpdate = defineUpdate<TaskUpdateResult, [DelegateInput]>('delegate');
export const reportDelegationUpdate = defineUpdate<TaskUpdateResult, [DelegationReportInput]>('reportDelegation');
export const taskStateQuery = defineQuery<TaskState>('taskState');

// ---------------------------------------------------------------------------------------------
// Campaign

export interface CampaignInput {
  definition: CampaignDefinition;
  /** What an earlier run handed over when it continued as new. */
  carried?: CampaignCarry;
  /** Continue as new past this many history events (default HISTORY_LIMIT); tests set it low to exercise the hand-over. */
  historyLimit?: number;
}

export interface CampaignCarry {
  taskIds: string[];
  /** Next instant of each cadence, and the instant it last fired (the start of the period it reports). */
  next: Record<string, string>;
  last: Record<string, string>;
  phasesEntered: number;
  assessmentRounds: number;
  lastPlaceStreaks: Record<string, number>;
  /** 每月报送 checks due after their grace period. */
  materialsChecks: MaterialsCheck[];
  /** Where the next month's materials start to count: the last check's instant. */
  materialsCountFrom?: string;
  /** The campaign runs exactly its plan's rules (patch PLAN_RULES), decided at its first start. */
  planRules?: boolean;
  /** The campaign sends one weekly reminder per unit (patch UNIT_REMINDERS), decided at its first start. */
  unitReminders?: boolean;
}

export interface MaterialsCheck {
  at: string;
  from: string;
  dueAt: string;
  month: string;
}

export interface CampaignState {
  campaignId: string;
  title: string;
  /** The phase the campaign is in, if its definition has phases. */
  phase?: { name: string; start: string; end: string };
  /** When each cadence fires next (ISO instants), e.g. weeklyCheck, monthlyBulletin, dispatch.office. */
  nextCadences: Record<string, string>;
  /** Tasks started so far, by id. */
  taskIds: string[];
  assessmentRounds: number;
  /** Units last in the latest rounds, with how many rounds in a row. */
  lastPlaceStreaks: Record<string, number>;
  endsAt?: string;
  ended?: { at: string; reason: string };
}
export const campaignStateQuery = defineQuery<CampaignState>('campaignState');

export type NewTaskInput = Task;
export interface ComplaintTaskInput {
  id: string;
  title: string;
  description?: string;
  leadUnit: string;
  cooperatingUnits?: string[];
  source: ComplaintSource;
  summary?: string;
  reference?: string;
}
/** Adds a task to a running campaign; answers the task's workflow id. */
export const addTaskUpdate = defineUpdate<{ taskId: string; workflowId: string }, [NewTaskInput]>('addTask');
/** A complaint from citizens or the media becomes an urgent task that starts at the 督办函. */
export const addComplaintUpdate = defineUpdate<{ taskId: string; workflowId: string }, [ComplaintTaskInput]>('addComplaint');
/** Ends the campaign now: open tasks are closed out and a closing summary is sent. */
export const endCampaignUpdate = defineUpdate<CampaignState, [{ reason: string; by?: string }]>('endCampaign');

// ---------------------------------------------------------------------------------------------
// Assessment round

export interface AssessmentScoreInput {
  assessor: string;
  scores: { unitId: string; item: string; score: number }[];
}
export interface AssessmentState {
  campaignId: string;
  round: number;
  label: string;
  windowClosesAt?: string;
  entered: Record<string, Record<string, number>>;
  ranking?: { unitId: string; score: number; rank: number; last: boolean }[];
  consequences?: { unitId: string; streak: number; consequence: string }[];
}
export const enterScoresUpdate = defineUpdate<AssessmentState, [AssessmentScoreInput]>('enterScores');
export const assessmentStateQuery = defineQuery<AssessmentState>('assessmentState');

// ---------------------------------------------------------------------------------------------
// Inspection (问题点位)

export interface InspectionInput {
  campaignId: string;
  inspectionId: number;
  /** Dispatches made by earlier runs (continued as new); absent on the first run, which dispatches the import's points. */
  dispatches?: number;
  /** A dispatch was asked for as the last run ended. */
  dispatchPending?: boolean;
}
/** Send the units the points entered since the last dispatch (交办). */
export const dispatchPointsSignal = defineSignal('dispatchPoints');
/** Points changed outside the clock (a re-check returned one with a new deadline, one was closed): look again. */
export const pointsChangedSignal = defineSignal('pointsChanged');
