// The state of one rectification task, as its workflow holds it and its query returns it.
import type { NoticeKind } from './notices.js';

export const TASK_STATUSES = {
  scheduled: '未开始',
  assigned: '已交办',
  acknowledged: '已签收',
  inProgress: '整改中',
  closed: '已销号',
} as const;
export type TaskStatus = keyof typeof TASK_STATUSES;

export interface TimelineEntry {
  /** ISO instant, workflow time */
  at: string;
  kind: string;
  actor?: string;
  detail?: Record<string, unknown>;
}

export interface TaskState {
  campaignId: string;
  taskId: string;
  status: TaskStatus;
  /** 0: on time; 1: overdue notice issued. */
  rung: number;
  deadlineAt?: string;
  nextCheckAt?: string;
  acknowledgedAt?: string;
  lastProgressAt?: string;
  closedAt?: string;
  notices: { kind: NoticeKind; documentNumber: string; issuedAt: string }[];
  timeline: TimelineEntry[];
}

/** The escalation rungs a task can reach; 0 means it has not lapsed. */
export const RUNG_NAMES = ['未逾期', '逾期通报', '督办函', '约谈', '追责'] as const;
