// The robots' rate limit (20 messages a minute per robot, by their documentation), kept in
// PostgreSQL so that every activity worker counts the same sends: a message waits its turn
// (a queue in time) rather than be refused by the robot.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockRobotWindow, recordRobotSend, robotWindow } from '../../db/channels.js';
import { inTransaction, type Db } from '../../db/pool.js';

export const ROBOT_MESSAGES_PER_MINUTE = 20;

export interface RobotRateLimiter {
  /**
   * Takes a slot for the robot, waiting while its window is full, at most `maxWaitMs` in all.
   * Answers how long to wait before asking again when none came in time (the caller then fails
   * transiently and Temporal retries later, rather than hold an activity slot).
   */
  acquire(webhook: string, options?: { maxWaitMs?: number }): Promise<{ granted: true } | { granted: false; retryAfterMs: number }>;
}

/** The key a robot is counted under: a hash, since the webhook's query is its credential. */
export function robotKey(webhook: string): string {
  const url = new URL(webhook);
  for (const name of ['timestamp', 'sign']) url.searchParams.delete(name);
  return createHash('sha256').update(url.toString()).digest('hex').slice(0, 32);
}

export function createRobotRateLimiter(db: Db, options: { perMinute?: number; windowMs?: number } = {}): RobotRateLimiter {
  const limit = options.perMinute ?? ROBOT_MESSAGES_PER_MINUTE;
  const windowMs = options.windowMs ?? 60_000;
  const tryTake = (robot: string) =>
    inTransaction(db, async (client) => {
      await lockRobotWindow(client, robot);
      const window = await robotWindow(client, robot, windowMs);
      if (window.sent >= limit) return { granted: false as const, retryAfterMs: Math.max(window.freesInMs, 1) };
      await recordRobotSend(client, robot, windowMs);
      return { granted: true as const };
    });
  return {
    async acquire(webhook, { maxWaitMs = 15_000 } = {}) {
      const robot = robotKey(webhook);
      const giveUpAt = Date.now() + maxWaitMs;
      for (;;) {
        const answer = await tryTake(robot);
        if (answer.granted || Date.now() + answer.retryAfterMs > giveUpAt) return answer;
        await sleep(answer.retryAfterMs);
      }
    },
  };
}
