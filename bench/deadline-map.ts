// Deadlines are day-granular: a task's deadline lapses at 24:00 of its deadline day in the
// campaign's zone, so a benchmark cannot make a few thousand deadlines lapse "in 60 seconds" with
// real dates. This map moves the instants instead: a deadline date `baseDate + k` lapses at
// `baseInstant + k * stepMs`. The chuangwen worker of the benchmark applies it to the answers of
// the `deadlineInstant` calendar activity (an activity interceptor: the workflow code, its timers
// and the notice path are untouched); the pg-boss baseline applies the same function when it
// schedules its delayed job. Dates outside [baseDate, baseDate + steps) are left as they are.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { DateTime } from 'luxon';

export interface DeadlineMap {
  baseDate: string;
  /** Epoch ms at which a deadline on baseDate lapses. */
  baseInstant: number;
  stepMs: number;
  steps: number;
}

export function mappedInstant(map: DeadlineMap | undefined, date: string, realInstant: string): string {
  if (!map) return realInstant;
  const k = Math.round(DateTime.fromISO(date, { zone: 'UTC' }).diff(DateTime.fromISO(map.baseDate, { zone: 'UTC' }), 'days').days);
  if (!Number.isInteger(k) || k < 0 || k >= map.steps) return realInstant;
  return new Date(map.baseInstant + k * map.stepMs).toISOString();
}

/** The activity interceptor the benchmark's chuangwen worker installs. */
export function deadlineMapInterceptor(map: DeadlineMap): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const result = await next(input);
        if (ctx.info.activityType !== 'deadlineInstant') return result;
        const { date } = input.args[0] as { date: string };
        return mappedInstant(map, date, result as string);
      },
    },
  });
}

/** Count and time of every activity type: where the worker's time goes. */
export interface ActivityStats {
  [activityType: string]: { count: number; totalMs: number; maxMs: number; failures: number };
}

export function activityStatsInterceptor(stats: ActivityStats): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const started = performance.now();
        const entry = (stats[ctx.info.activityType] ??= { count: 0, totalMs: 0, maxMs: 0, failures: 0 });
        try {
          return await next(input);
        } catch (error) {
          entry.failures++;
          throw error;
        } finally {
          const ms = performance.now() - started;
          entry.count++;
          entry.totalMs += ms;
          entry.maxMs = Math.max(entry.maxMs, ms);
        }
      },
    },
  });
}
