// The patches of RectificationWorkflow (docs/upgrading.md). Each id is asked with patched() at one
// place only, where the commands diverge: FEWER_ROUND_TRIPS once at the start (record.ts),
// ONE_ACTION_AT_A_TIME at every turn (turns.ts), REPORTS_PER_DAY when a report is counted
// (task.ts), TASK_CONTINUES_AS_NEW when the history is long (workflow.ts).

/**
 * Look-ups (calendar, plan) and the short idempotent writes of the record (events, evidence) run as
 * local activities: still recorded in history (as markers), but without a round trip through the
 * server. With the task's events written in the transaction of the notice they go with, assignment
 * is one activity instead of seven, a rung one instead of three, and a unit's reply none instead of
 * one. Notices stay ordinary activities (mail may take long and retry for hours). Tasks started
 * before this change replay as they ran.
 */
export const FEWER_ROUND_TRIPS = 'local-lookups-and-events-with-notices';

/**
 * 2026-12-03: handlers waited with condition(() => !busy), so when the holder let go, every waiter
 * woke in the same activation and two of them could pass their checks (two extension requests, a
 * rung and a reassignment). A FIFO mutex lets exactly one in; each handler checks again inside it.
 */
export const ONE_ACTION_AT_A_TIME = 'one-action-at-a-time';

/**
 * 2026-12-03: a link holder could send reports without end, growing the task's record, state and
 * history: MAX_REPORTS_PER_DAY progress reports and as many evidence submissions per civil day,
 * counted in the workflow (two look-ups when a new day's first report comes).
 */
export const REPORTS_PER_DAY = 'reports-per-day';

/** 2026-12-03: a task's history stays bounded: continue as new between updates, carrying the state. */
export const TASK_CONTINUES_AS_NEW = 'task-continues-as-new';
