// Calendar look-ups as activities, so their answers are recorded in workflow history and replay
// stays deterministic when the holiday data changes. The look-ups themselves are in
// services/calendar.ts; this adapter adds the worker's log line for a year without a schedule.
import { log } from '@temporalio/activity';
import { createCalendarLookups } from '../services/calendar.js';
import type { WorkingCalendar } from '../domain/calendar.js';

/** Missing years already written to the log, per campaign: the warning is in every result, the log line once. */
const warnedOnce = new Set<string>();

function logOnce(campaignId: string, activity: string, result: { missingYears: number[]; warning?: string }): void {
  if (!result.warning) return;
  const seen = `${campaignId}/${result.missingYears.join(',')}`;
  if (warnedOnce.has(seen)) return;
  if (warnedOnce.size > 10_000) warnedOnce.clear();
  warnedOnce.add(seen);
  try {
    log.warn(result.warning, { campaignId, activity, missingYears: result.missingYears });
  } catch {
    // Called outside an activity (a test): the warning is in the result.
  }
}

/** The activities; `getCalendar` supplies the merged calendar of a campaign. */
export function createCalendarActivities(getCalendar: (campaignId: string) => Promise<WorkingCalendar>) {
  const lookups = createCalendarLookups(getCalendar);
  return {
    ...lookups,
    async addWorkingDays(input: Parameters<typeof lookups.addWorkingDays>[0]) {
      const result = await lookups.addWorkingDays(input);
      logOnce(input.campaignId, 'addWorkingDays', result);
      return result;
    },
    async nextCheckTime(input: Parameters<typeof lookups.nextCheckTime>[0]) {
      const result = await lookups.nextCheckTime(input);
      logOnce(input.campaignId, 'nextCheckTime', result);
      return result;
    },
    async nextMonthlyDate(input: Parameters<typeof lookups.nextMonthlyDate>[0]) {
      const result = await lookups.nextMonthlyDate(input);
      logOnce(input.campaignId, 'nextMonthlyDate', result);
      return result;
    },
  };
}
