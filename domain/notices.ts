// Notices: what the office sends, each with its document number (文号).

export const NOTICE_KINDS = {
  assignment: { word: '交办', name: '交办通知' },
  reminder: { word: '催办', name: '催办通知' },
  overdue: { word: '通报', name: '逾期通报' },
} as const;
export type NoticeKind = keyof typeof NOTICE_KINDS;

/** e.g. 北海创城督办〔2021〕3号 */
export function documentNumber(prefix: string, word: string, year: number, sequence: number): string {
  return `${prefix}${word}〔${year}〕${sequence}号`;
}

/**
 * Who receives a notice, as roles resolved against the campaign's units and leaders:
 * the task's lead unit (its contact person or its principal), the cooperating units,
 * the lead unit's responsible leader, the office, or every leader of a role.
 */
export type Recipient =
  | 'leadUnit.contact'
  | 'leadUnit.principal'
  | 'leadUnit.responsibleLeader'
  | 'cooperatingUnits.contact'
  | 'office'
  | `leaders.${string}`;

export interface RecipientList {
  to: Recipient[];
  cc: Recipient[];
}

export const DEFAULT_RECIPIENTS: Record<NoticeKind, RecipientList> = {
  assignment: { to: ['leadUnit.contact'], cc: ['cooperatingUnits.contact'] },
  reminder: { to: ['leadUnit.contact'], cc: [] },
  overdue: { to: ['leadUnit.principal', 'leadUnit.responsibleLeader'], cc: ['office'] },
};
