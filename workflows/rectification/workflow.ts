// RectificationWorkflow: one rectification task (整治任务), from assignment to 销号.
//
//   assigned → acknowledged (签收) → inProgress → evidenceSubmitted → closed (销号)
//                                        ↑______ verification failed ______|
//   withdrawn (撤销) from any state; reassignment (改派) starts over with another unit.
//
// Timers: the acknowledgement deadline (领办逾期: reminder + deduction), the weekly check (催办 when
// silent; in campaigns that remind each unit once for all its tasks, the campaign's), and the
// escalation ladder: when the current deadline lapses, the ladder's rungs are
// issued one at a time, each after its grace period in working days (domain/ladder.ts). Closing
// the task at any rung stops the climb; while evidence awaits verification the climb waits.
//
// Deterministic: time comes from the workflow, every look-up (calendar, plan) and every side
// effect (notices, records) from activities. Human actions are updates with validators; the
// handlers and the timer loop take turns (one at a time, a mutex), and each handler checks again
// once it has its turn, so a notice never crosses a closure and two requests never both pass.
// A task that lives long, or is sent many reports, continues as new between updates, carrying its
// state, so its history stays bounded however long it runs.
import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import { WORKDAY_START } from '../../domain/instants.js';
import type { TaskState } from '../../domain/task-state.js';
import type { RectificationInput } from '../messages.js';
import { registerHandlers } from './handlers.js';
import { ONE_TIMER_PER_WAKE, TASK_CONTINUES_AS_NEW } from './patches.js';
import { RectificationTask } from './task.js';
import { WakeTimer } from './wake-timer.js';

/** History events after which a task continues as new (Temporal suggests it near 10,000 or 4 MiB too). */
export const TASK_HISTORY_LIMIT = 2_000;
const TASK_HISTORY_BYTES = 4 * 1024 * 1024;

export async function RectificationWorkflow(input: RectificationInput): Promise<TaskState> {
  const { task: definition, timeZone, carried } = input;
  const historyLimit = input.historyLimit ?? TASK_HISTORY_LIMIT;
  // Asks FEWER_ROUND_TRIPS before any command, as the workflow always has.
  const task = new RectificationTask(input);
  const { state } = task;
  registerHandlers(task);

  await task.load();

  /**
   * Continues as new when the history has grown long (TASK_CONTINUES_AS_NEW), between updates: the
   * turn is free and every handler has answered, so what they did travels in the carried state.
   */
  async function continueWhenLong(): Promise<void> {
    const info = workflowInfo();
    if (!(info.continueAsNewSuggested || info.historyLength > historyLimit || info.historySize > TASK_HISTORY_BYTES)) return;
    if (!patched(TASK_CONTINUES_AS_NEW)) return;
    await condition(() => allHandlersFinished() && task.idle());
    if (task.terminal()) return;
    await continueAsNew<typeof RectificationWorkflow>({ ...input, carried: task.handOver(), historyLimit });
  }

  /** Assignment on the task's start day, and the first weekly check. */
  async function assign(): Promise<void> {
    const startAt = await task.local.instantOf({ timeZone, date: definition.start, time: WORKDAY_START });
    if (Date.parse(startAt) > Date.now()) await condition(() => task.terminal(), Date.parse(startAt) - Date.now());

    if (!task.terminal()) {
      await task.exclusive(async () => {
        const { complaint, startAtRung } = input;
        const plan = task.plan!;
        const startRung = complaint
          ? plan.complaints.startAt
          : startAtRung
            ? Math.min(Math.max(1, Math.floor(startAtRung)), plan.ladder.length)
            : 0;
        if (startRung > 0 && plan.ladder.length > 0) {
          // A complaint (or an urgent task) starts high on the ladder: its first notice is that rung's.
          if (complaint) {
            const { source, summary, reference } = complaint;
            await task.record({
              kind: 'complaint',
              actor: source,
              detail: { source, ...(summary ? { text: summary } : {}), ...(reference ? { reference } : {}) },
            });
          }
          await task.setDeadline(definition.deadline);
          await task.planAcknowledgement();
          state.status = 'assigned';
          await task.fireRung(startRung, complaint ? { rectificationDays: complaint.rectificationDays ?? plan.complaints.rectificationDays } : {});
          await task.record({ kind: 'assigned', detail: { deadline: state.deadline, startAtRung: startRung } });
        } else {
          await task.setDeadline(definition.deadline);
          const warning = await task.planAcknowledgement();
          state.status = 'assigned';
          const assigned = { kind: 'assigned', detail: { deadline: state.deadline } };
          await task.notifyWithEvent('assignment', { calendarWarning: warning }, () => assigned, () => task.planNextRung());
        }
      });
    }
    task.lastCheckAt = task.now();
    if (!task.terminal()) await task.nextCheck();
  }

  // A run continued as new was assigned long ago: its timers' targets are in the carried state.
  if (!carried) await assign();

  const timer = new WakeTimer();

  while (!task.terminal()) {
    await continueWhenLong();
    const seen = task.version;
    const waitingForOffice = state.status === 'evidenceSubmitted';
    const ackDue = state.status === 'assigned' && !state.acknowledgementOverdue && state.acknowledgeBy;
    const wakeAt = Math.min(
      state.nextCheckAt ? Date.parse(state.nextCheckAt) : Infinity,
      state.nextEscalationAt && !waitingForOffice ? Date.parse(state.nextEscalationAt) : Infinity,
      ackDue ? Date.parse(state.acknowledgeBy!) : Infinity,
    );
    const woken = () => task.terminal() || task.version !== seen;
    if (patched(ONE_TIMER_PER_WAKE)) {
      if (wakeAt === Infinity) timer.disarm();
      else timer.arm(wakeAt);
      await condition(() => woken() || timer.fired);
      if (!timer.fired) continue;
      timer.disarm();
      await task.exclusive(() => task.onTimers());
      continue;
    }
    if (wakeAt === Infinity) {
      // No timer at all (the campaign reminds, nothing lapses yet): wait for the next action.
      await condition(woken);
      continue;
    }
    if (await condition(woken, Math.max(wakeAt - Date.now(), 1))) continue;
    await task.exclusive(() => task.onTimers());
  }
  // Let an update that ended the task finish answering before the workflow completes.
  await condition(allHandlersFinished);
  return state;
}
