// Handlers and the timer loop take turns, one action at a time.
import { Mutex } from 'async-mutex';
import { condition, patched } from '@temporalio/workflow';
import { ONE_ACTION_AT_A_TIME } from './patches.js';

export interface Turns {
  /** Runs fn when it is this caller's turn. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Nobody holds the turn or waits for it. */
  idle(): boolean;
}

/**
 * Behind ONE_ACTION_AT_A_TIME a FIFO mutex (one waiter at a time, the others queued); the old
 * branch (histories before it) waits on a flag, which wakes every waiter at once. The new branch
 * also waits for the flag, for a holder that took it on the old one. patched() is asked at every
 * turn, as before the split: a workflow that replayed on the old branch switches at its next action.
 */
export function turnTaker(onRelease: () => void): Turns {
  const mutex = new Mutex();
  let busy = false;
  async function hold<T>(fn: () => Promise<T>): Promise<T> {
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
      onRelease();
    }
  }
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (patched(ONE_ACTION_AT_A_TIME)) {
        return mutex.runExclusive(async () => {
          if (busy) await condition(() => !busy);
          return hold(fn);
        });
      }
      await condition(() => !busy);
      return hold(fn);
    },
    idle: () => !busy && !mutex.isLocked(),
  };
}
