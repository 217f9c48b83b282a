// How much a task takes from one message and one day: the same limits in the workflow's validators
// (the last word), the API's JSON schemas and the portal's forms (maxlength), so that a link holder
// cannot grow a task's record, its mails or its workflow history without bound.

/** Longest free text: a progress report, an evidence description, a reason, a comment. */
export const MAX_TEXT_CHARS = 2000;
/** Longest name: who acted (`by`). */
export const MAX_NAME_CHARS = 40;
/** Longest id (a unit's, a task's), as the campaign definition allows them. */
export const MAX_ID_CHARS = 64;
/** Longest evidence file name (client/api/actions.ts cleans names to this). */
export const MAX_FILE_NAME_CHARS = 120;
/** Most reasons in one failed verification. */
export const MAX_REASONS = 20;
/** Progress reports one task takes per civil day; evidence submissions, the same again. */
export const MAX_REPORTS_PER_DAY = 20;
/** Parts of one task its lead unit may hand to sub-units (转办), and reports one sub-unit may send on one part. */
export const MAX_DELEGATIONS = 20;
export const MAX_DELEGATION_REPORTS = 60;

/**
 * Length in characters (code points), as JSON Schema's maxLength counts. The HTML maxlength
 * attribute counts UTF-16 units, never fewer: what a form lets through, the workflow accepts.
 */
export function textLength(value: string): number {
  return [...value].length;
}

/** Why a text is too long, in Chinese, or undefined when it fits. */
export function tooLong(value: unknown, max: number, what: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  return textLength(value) > max ? `${what}不能超过 ${max} 个字（现为 ${textLength(value)} 个字）` : undefined;
}
