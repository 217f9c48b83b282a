// Instants that workflows and activities compute alike. Pure: no imports, no clock, so workflow
// code may use it and an activity computing ahead for a workflow gets the very same answer.

/** Local time of assignment, and of the weekly check and the campaign's cadences when the plan names none. */
export const WORKDAY_START = '09:00';

/** The last millisecond of the civil day that lapses at `lapsesAt` (its 24:00). */
export function lastMomentBefore(lapsesAt: string): string {
  return new Date(Date.parse(lapsesAt) - 1).toISOString();
}
