// The patches of RectificationWorkflow (docs/upgrading.md). Each id is asked with patched() at one
// place only, where the commands diverge: FEWER_ROUND_TRIPS once at the start (record.ts),
// ONE_ACTION_AT_A_TIME at every turn (turns.ts), REPORTS_PER_DAY when a report is counted
// (task.ts), TASK_CONTINUES_AS_NEW when the history is long (workflow.ts), RUNG_NOTICES_PER_UNIT_DAY
// when a rung that gathers is fired (ladder.ts), DELEGATION_TO_SUB_UNITS when a task hands a part
// down (handlers.ts), ONE_TIMER_PER_WAKE at every turn of the timer loop (workflow.ts).

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

/**
 * 2026-12-03: a unit with thirty tasks lapsing on one day got thirty 逾期通报. A rung whose plan says
 * `batch: unitDay` (逾期通报, 通报批评, 督办函, 全园区通报 by default) now asks its notice to be gathered:
 * the unit's lapses of that rung on that civil day share one numbered notice listing each task
 * (docs/notices.md). Rungs fired before this issue one notice per task.
 */
export const RUNG_NOTICES_PER_UNIT_DAY = 'rung-notices-per-unit-day';

/**
 * 2026-12-03: a lead unit hands part of its task to a sub-unit (转办, docs/delegation.md): the 转办通知
 * to the sub-unit, the sub-unit's reports to the lead unit, and the weekly 催办 of a task (campaigns
 * without one reminder per unit) listing its overdue parts. Asked when a task delegates
 * (handlers.ts); a task without delegations issues none of these commands.
 */
export const DELEGATION_TO_SUB_UNITS = 'delegation-to-sub-units';

/**
 * 2026-12-03: the timer loop waited with a timeout at every turn, so each update started a timer and
 * cancelled the last even when the wake time had not moved. The task now keeps one timer while its
 * wake time stays (wake-timer.ts). Asked at every turn: a task that replayed on the old branch
 * switches at its next wait.
 */
export const ONE_TIMER_PER_WAKE = 'one-timer-per-wake';
