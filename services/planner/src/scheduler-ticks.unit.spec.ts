import fc from 'fast-check';
import type { CatchUp, ScheduleSpec } from '@ledgerflow/definitions';
import { cronOf, nextTick, scheduleKeyOf, ticksBetween, ticksToStart } from './scheduler-ticks.js';

const schedule = (cron: string, timezone = 'UTC', catchUp: CatchUp = 'all'): ScheduleSpec => ({
  cron,
  timezone,
  catchUp,
});
const iso = (dates: readonly Date[]): string[] => dates.map((d) => d.toISOString());
const at = (text: string): Date => new Date(text);

/** The ticks in (after, now], walked forwards one by one (the slow, obvious reference), stopping past `max`. */
function forwardTicks(spec: ScheduleSpec, after: Date, now: Date, max: number): Date[] {
  const cron = cronOf(spec);
  const ticks: Date[] = [];
  for (
    let t = nextTick(cron, after);
    t !== undefined && t.getTime() <= now.getTime() && ticks.length <= max;
    t = nextTick(cron, t)
  )
    ticks.push(t);
  return ticks;
}

describe('scheduler ticks', () => {
  it('ticksBetween: (after, now], the tick at `now` in, the one at `after` out', () => {
    const cron = cronOf(schedule('*/5 * * * *'));
    expect(iso(ticksBetween(cron, at('2025-01-01T10:00:00Z'), at('2025-01-01T10:15:00Z')).ticks)).toEqual([
      '2025-01-01T10:05:00.000Z',
      '2025-01-01T10:10:00.000Z',
      '2025-01-01T10:15:00.000Z',
    ]);
    expect(ticksBetween(cron, at('2025-01-01T10:00:00Z'), at('2025-01-01T10:04:59.999Z')).ticks).toEqual([]);
  });

  it('reads the fields in the schedule time zone, across a daylight-saving change (Europe/Paris, 2025-03-30)', () => {
    const cron = cronOf(schedule('0 9 * * *', 'Europe/Paris'));
    expect(iso(ticksBetween(cron, at('2025-03-28T12:00:00Z'), at('2025-03-31T12:00:00Z')).ticks)).toEqual([
      '2025-03-29T08:00:00.000Z',
      '2025-03-30T07:00:00.000Z',
      '2025-03-31T07:00:00.000Z',
    ]);
  });

  it('caps at `limit`, keeping the latest ticks, and says so', () => {
    const cron = cronOf(schedule('* * * * * *'));
    const result = ticksBetween(cron, at('2025-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'), 3);
    expect(result).toEqual({
      ticks: [at('2025-12-31T23:59:58Z'), at('2025-12-31T23:59:59Z'), at('2026-01-01T00:00:00Z')],
      capped: true,
    });
  });

  it.each<[CatchUp, boolean, string[]]>([
    ['none', false, []],
    ['one', false, ['10:15']],
    ['all', false, ['10:05', '10:10', '10:15']],
    ['none', true, ['10:15']],
    ['one', true, ['10:15']],
    ['all', true, ['10:05', '10:10', '10:15']],
  ])('catchUp %s, awake %s: starts %j of three ticks due', (catchUp, awake, hours) => {
    const cron = cronOf(schedule('*/5 * * * *'));
    const plan = ticksToStart(cron, catchUp, at('2025-01-01T10:00:00Z'), at('2025-01-01T10:17:00Z'), { awake });
    expect(plan.start.map((d) => d.toISOString().slice(11, 16))).toEqual(hours);
    expect(plan.latest).toEqual(at('2025-01-01T10:15:00Z'));
  });

  it('nothing due: nothing to start and no latest tick', () => {
    expect(
      ticksToStart(cronOf(schedule('0 0 * * *')), 'all', at('2025-01-01T00:00:00Z'), at('2025-01-01T12:00:00Z'), {
        awake: true,
      }),
    ).toEqual({ start: [], capped: false });
  });

  it('keys a tick as schedule:<ISO-8601 UTC>', () => {
    expect(scheduleKeyOf(at('2025-01-01T09:00:00+01:00'))).toBe('schedule:2025-01-01T08:00:00.000Z');
  });

  const expressions = fc.constantFrom(
    '* * * * * *',
    '*/7 * * * * *',
    '*/5 * * * *',
    '0 */2 * * *',
    '30 9 * * 1-5',
    '0 0 1 * *',
  );
  const zones = fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata');
  const start = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') });
  const span = fc.integer({ min: 0, max: 3 * 24 * 3_600_000 });

  it('property: ticks strictly increasing, within (after, now], matching the expression, at most `limit`', () => {
    fc.assert(
      fc.property(
        expressions,
        zones,
        start,
        span,
        fc.integer({ min: 1, max: 50 }),
        fc.constantFrom<CatchUp>('none', 'one', 'all'),
        fc.boolean(),
        (cron, timezone, from, length, limit, catchUp, awake) => {
          const spec = schedule(cron, timezone, catchUp);
          const after = new Date(from);
          const now = new Date(from + length);
          const { start: ticks } = ticksToStart(cronOf(spec), catchUp, after, now, { awake, limit });
          expect(ticks.length).toBeLessThanOrEqual(limit);
          ticks.forEach((tick, i) => {
            expect(tick.getTime()).toBeGreaterThan(i === 0 ? after.getTime() : (ticks[i - 1] as Date).getTime());
            expect(tick.getTime()).toBeLessThanOrEqual(now.getTime());
            expect(cronOf(spec).match(tick)).toBe(true);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: catchUp all below the cap misses no tick; one/none start only the newest, or nothing (asleep, none)', () => {
    fc.assert(
      fc.property(
        expressions,
        zones,
        start,
        fc.integer({ min: 0, max: 3 * 3_600_000 }),
        (cron, timezone, from, length) => {
          const spec = schedule(cron, timezone);
          const after = new Date(from);
          const now = new Date(from + length);
          const all = forwardTicks(spec, after, now, 200);
          fc.pre(all.length <= 200);
          const cronJob = cronOf(spec);
          expect(iso(ticksToStart(cronJob, 'all', after, now, { awake: false, limit: 200 }).start)).toEqual(iso(all));
          expect(iso(ticksToStart(cronJob, 'one', after, now, { awake: false }).start)).toEqual(iso(all.slice(-1)));
          expect(ticksToStart(cronJob, 'none', after, now, { awake: false }).start).toEqual([]);
          expect(iso(ticksToStart(cronJob, 'none', after, now, { awake: true }).start)).toEqual(iso(all.slice(-1)));
        },
      ),
      { numRuns: 100 },
    );
  });
});
