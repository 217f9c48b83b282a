// Workflow ids are derived from campaign and task ids, so starting anything twice is refused, not doubled.
export const TASK_QUEUE = 'chuangwen';

export const campaignWorkflowId = (campaignId: string) => `campaign/${campaignId}`;
export const taskWorkflowId = (campaignId: string, taskId: string) => `campaign/${campaignId}/task/${taskId}`;
/** A campaign's assessment round (started by the campaign as its child). */
export const assessmentWorkflowId = (campaignId: string, round: number) => `${campaignWorkflowId(campaignId)}/assessment/${round}`;
/** The clock of one inspection's problem points. */
export const inspectionWorkflowId = (campaignId: string, inspectionId: number) => `${campaignWorkflowId(campaignId)}/inspection/${inspectionId}`;
