// The patches of CampaignWorkflow (docs/upgrading.md), each asked with patched() in one place:
// TASKS_FROM_ACTIVITY when queued tasks are started, NO_EMPTY_REPORTS when a report of a period is
// due (run.ts), HAND_OVER_BETWEEN_ROUNDS when the history is long (workflow.ts), PLAN_RULES once
// at a campaign's first start (workflow.ts), its answer carried from run to run.

/**
 * Tasks are started by an activity with the Temporal client, many side by side, instead of as child
 * workflows, which the server starts one after another (activities/task-starts.ts). Campaigns that
 * started before this change go on starting children.
 */
export const TASKS_FROM_ACTIVITY = 'start-tasks-from-activity';

/**
 * 2026-11: a bulletin, dispatch or period report due within a day of the campaign's start (e.g. the
 * 1st at 09:00 of a campaign starting on the 1st) reported on an empty period, dated backwards; it is
 * skipped, and the next one covers the time from the start.
 */
export const NO_EMPTY_REPORTS = 'no-report-of-an-empty-period';

/**
 * 2026-11: the hand-over no longer waits for a round in flight and for running updates: waiting held
 * every cadence for the round's scoring window, and an added task or the campaign's end, whose update
 * waits for the loop, was never answered (and the wait never ended). Now the campaign hands over only
 * between rounds and updates, and otherwise tries again at its next wake-up.
 */
export const HAND_OVER_BETWEEN_ROUNDS = 'hand-over-between-rounds';

/**
 * 2026-12: a campaign runs exactly what its plan states. A definition without cadences runs none
 * (before: the seed plans' seven); the cadences 每月抽查 (monthlyCheck), 日常巡查 (routinePatrol) and
 * 年终总结 (yearEndSummary) run; a digest goes to the audience the plan names; the 催报 names where
 * materials go; an assessment round applies the plan's own last-place rules (none when it states
 * none) and copies its results to the superior body when the plan says so. Asked once, at the first
 * run's start; campaigns started before keep their behaviour through every hand-over.
 */
export const PLAN_RULES = 'run-the-plans-rules';

/**
 * 2026-12: the weekly 催办 goes out once per unit, listing every task of the unit that reported
 * nothing since the last check, instead of one mail per task from each task's own timer: tasks get
 * `unitReminders` and keep no weekly timer. Asked once, at the first run's start, and carried.
 */
export const UNIT_REMINDERS = 'one-reminder-per-unit';
