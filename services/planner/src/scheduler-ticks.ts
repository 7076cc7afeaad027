import { Cron } from 'croner';
import { MAX_CATCH_UP_TICKS } from '@ledgerflow/definitions';
import type { CatchUp, ScheduleSpec } from '@ledgerflow/definitions';

/** A schedule's tick source: croner over a validated `trigger.schedule`, paused (it computes times, runs nothing). */
export const cronOf = (schedule: ScheduleSpec): Cron =>
  new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });

/** The first tick strictly after `after`; undefined when the expression has no more ticks. */
export function nextTick(cron: Cron, after: Date): Date | undefined {
  return cron.nextRun(after) ?? undefined;
}

/** The ticks in `(after, now]`, ascending: the latest `limit` of them; `capped` when older ones were left out. */
export interface TicksBetween {
  readonly ticks: readonly Date[];
  readonly capped: boolean;
}

/**
 * Ticks in `(after, now]`, walked backwards from `now` so the cost is bounded by `limit`, not by how long ago
 * `after` was (a schedule every second, down for a year, is still at most `limit + 1` steps).
 */
export function ticksBetween(cron: Cron, after: Date, now: Date, limit = MAX_CATCH_UP_TICKS): TicksBetween {
  const ticks: Date[] = [];
  // croner's previous runs are strictly before a reference taken to the second: the next whole second keeps `now`.
  let reference = new Date(Math.floor(now.getTime() / 1000) * 1000 + 1000);
  for (;;) {
    const [tick] = cron.previousRuns(1, reference);
    if (tick === undefined || tick.getTime() <= after.getTime()) return { ticks: ticks.reverse(), capped: false };
    if (ticks.length === limit) return { ticks: ticks.reverse(), capped: true };
    ticks.push(tick);
    reference = tick;
  }
}

/** Which ticks of `(after, now]` to start, the latest one of them (handled or skipped), and whether some were capped. */
export interface TickPlan {
  readonly start: readonly Date[];
  /** The newest tick in `(after, now]`: once `start` is done, the next wake-up looks after it. Undefined: none. */
  readonly latest?: Date;
  /** Ticks in `(after, now]` neither started nor counted because more than `limit` were due. */
  readonly capped: boolean;
}

/**
 * Applies `catchUp` (docs/definitions.md, "Schedules") to the ticks in `(after, now]`:
 * - `awake: true` (the scheduler was running through that interval, a timer fired): the newest tick is on time and
 *   always started; older ones (a late timer: a blocked event loop, a suspended machine) are missed ticks;
 * - `awake: false` (after a start or a downtime): every tick in the interval is a missed tick.
 * Missed ticks: `none` starts none, `one` the newest only, `all` each of them, the latest `limit` at most.
 * `start` is ascending, each tick in `(after, now]`, at most `limit` long.
 */
export function ticksToStart(
  cron: Cron,
  catchUp: CatchUp,
  after: Date,
  now: Date,
  options: { awake: boolean; limit?: number },
): TickPlan {
  // Only `all` needs more than the newest tick.
  const { ticks, capped } = ticksBetween(cron, after, now, catchUp === 'all' ? options.limit : 1);
  const latest = ticks.at(-1);
  if (latest === undefined) return { start: [], capped: false };
  if (catchUp === 'all') return { start: ticks, latest, capped };
  return { start: catchUp === 'one' || options.awake ? [latest] : [], latest, capped: false };
}

/** The idempotency key of a tick's run (`schedule:<tick, ISO-8601 UTC>`): the run id derives from it and the workflow id. */
export const scheduleKeyOf = (tick: Date): string => `schedule:${tick.toISOString()}`;
