// Signals, queries and updates, defined once: workflows set the handlers, clients import them.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { TaskState } from '../domain/task-state.js';

export interface AcknowledgeInput {
  unitId: string;
  by?: string;
}
export interface ProgressInput {
  unitId: string;
  text: string;
  by?: string;
}
export interface VerifyInput {
  passed: boolean;
  comment?: string;
  by?: string;
}

export const acknowledgeUpdate = defineUpdate<TaskState, [AcknowledgeInput]>('acknowledge');
export const reportProgressUpdate = defineUpdate<TaskState, [ProgressInput]>('reportProgress');
export const verifyUpdate = defineUpdate<TaskState, [VerifyInput]>('verify');
export const taskStateQuery = defineQuery<TaskState>('taskState');

export interface CampaignState {
  campaignId: string;
  title: string;
  tasks: Record<string, { status: string; rung: number }>;
  endedAt?: string;
}
export const campaignStateQuery = defineQuery<CampaignState>('campaignState');
/** Sent by each task's workflow to its campaign when the task's status or rung changes. */
export const taskChangedSignal = defineSignal<[{ taskId: string; status: string; rung: number }]>('taskChanged');
