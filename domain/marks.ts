// The red/yellow/green mark of a unit (红黄绿牌), the same in the console and the monthly bulletin.
export type Mark = 'red' | 'yellow' | 'green';
export const MARK_NAMES: Record<Mark, string> = { red: '红', yellow: '黄', green: '绿' };

/** A task whose deadline comes within this many days is due soon. */
export const DUE_SOON_DAYS = 7;

/** Red: a task overdue; yellow: a deadline within a week or an acknowledgement outstanding; else green. */
export function unitMark(counts: { overdue: number; dueSoon: number; unacknowledged: number }): Mark {
  if (counts.overdue > 0) return 'red';
  if (counts.dueSoon > 0 || counts.unacknowledged > 0) return 'yellow';
  return 'green';
}
