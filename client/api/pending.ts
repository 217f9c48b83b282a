// Actions whose forms and API exist but whose workflow update does not yet: they answer 501 and say so.
export const PENDING_ACTIONS = {
  addTask: '新增整治任务',
  addComplaint: '登记群众来信来访、媒体曝光',
  enterScores: '录入测评分数',
} as const;
export type PendingAction = keyof typeof PENDING_ACTIONS;

/** Which of them are still waiting for the workflows (true = pending). */
export const PENDING: Record<PendingAction, boolean> = {
  addTask: true,
  addComplaint: true,
  enterScores: true,
};

export function pendingMessage(action: PendingAction): string {
  return `“${PENDING_ACTIONS[action]}”尚待工作流支持，本次提交未生效。表单内容已保留，请稍后再试或联系创建办。`;
}
