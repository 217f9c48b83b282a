// What users read for each kind of task event (timelines in the console, the demo, reports).
export const EVENT_LABELS: Record<string, string> = {
  assigned: '已交办',
  acknowledged: '签收',
  progress: '报送进展',
  verified: '核查通过，销号',
  verificationFailed: '核查不通过，退回整改',
  overdue: '逾期',
  'notice.assignment': '交办通知',
  'notice.reminder': '催办',
  'notice.overdue': '逾期通报',
};

export function eventLabel(kind: string): string {
  return EVENT_LABELS[kind] ?? kind;
}
