import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Cron } from 'croner';
import { runStreamId } from '@ledgerflow/contracts';
import { MAX_CATCH_UP_TICKS } from '@ledgerflow/definitions';
import type { ScheduleSpec, WorkflowDefinition } from '@ledgerflow/definitions';
import type { EventStore } from '@ledgerflow/event-store';
import { toErrorBody } from '@ledgerflow/messaging';
import { EVENT_STORE, LOGGER } from '@ledgerflow/service-runtime';
import { withSpan } from '@ledgerflow/telemetry';
import type { Logger } from '@ledgerflow/telemetry';
import { runIdFor } from '@ledgerflow/contracts';
import { RunStarter } from './start-run.js';
import { cronOf, nextTick, scheduleKeyOf, ticksToStart } from './scheduler-ticks.js';
import { timerAt } from './scheduler-timer.js';
import type { TickTimer } from './scheduler-timer.js';
import { WorkflowCatalog } from './workflow-catalog.js';

/** How often the followed schedules are compared with the catalog (this process's registrations show at once). */
const SYNC_INTERVAL_MS = 1_000;
/** Every this many syncs the catalog also reads the store, for versions registered by other planner replicas (30 s). */
const STORE_CATCH_UP_EVERY = 30;
/** Tries of one tick's start when the store answers a retryable error, 500 ms apart times the attempt. */
const START_ATTEMPTS = 3;

/** A workflow whose latest version has a schedule, and how far its ticks are handled. */
interface Followed {
  readonly workflowId: string;
  readonly schedule: ScheduleSpec;
  readonly cron: Cron;
  /** Ticks up to this time are handled (started, or skipped by `catchUp`). */
  last: Date;
  timer?: TickTimer;
  stopped: boolean;
}

/**
 * Starts the runs of scheduled workflows (`trigger.schedule`, docs/definitions.md "Schedules"): every tick of the
 * latest version's cron expression starts a run with idempotency key `schedule:<tick ISO-8601 UTC>`, source
 * `schedule` and payload `{ scheduledAt: <tick> }` through {@link RunStarter}. The run id is derived from the
 * workflow id and that key (run-id.ts), so every replica may tick and a tick started twice (replicas, a restart
 * in the middle) is one run: the second start finds the stream and appends nothing.
 *
 * When it starts following a schedule (process start, new or changed schedule) the ticks since the version was
 * registered are missed ticks, handled by `catchUp`: `none` none, `one` the newest (a no-op when it has its run),
 * `all` each tick after the newest one that has a run (at most {@link MAX_CATCH_UP_TICKS}, the latest, logged when
 * capped). Found from the store (one stream read per tick, newest first), no checkpoint of its own to drift.
 */
@Injectable()
export class SchedulerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly followed = new Map<string, Followed>();
  private syncTimer?: NodeJS.Timeout;
  private syncs = 0;
  private syncing = false;

  constructor(
    @Inject(WorkflowCatalog) private readonly catalog: WorkflowCatalog,
    @Inject(RunStarter) private readonly starter: RunStarter,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    this.syncTimer = setInterval(() => void this.sync(), SYNC_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.syncTimer);
    for (const entry of this.followed.values()) this.stop(entry);
    this.followed.clear();
  }

  /** Follows every latest version with a schedule; stops following a schedule that changed or went away. */
  private async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      if (++this.syncs % STORE_CATCH_UP_EVERY === 0) await this.catalog.catchUp();
      const latest = new Map<string, WorkflowDefinition>();
      for (const definition of this.catalog.registry.list())
        if (!latest.has(definition.id)) latest.set(definition.id, definition);
      for (const [workflowId, entry] of this.followed) {
        const schedule = latest.get(workflowId)?.trigger?.schedule;
        if (schedule !== undefined && sameSchedule(schedule, entry.schedule)) continue;
        this.stop(entry);
        this.followed.delete(workflowId);
        this.logger.info('schedule no longer followed', {
          workflowId,
          cron: entry.schedule.cron,
          now: schedule?.cron ?? null,
        });
      }
      for (const definition of latest.values()) {
        if (definition.trigger?.schedule !== undefined && !this.followed.has(definition.id))
          await this.follow(definition, definition.trigger.schedule);
      }
    } catch (error) {
      this.logger.warn('schedules not synchronized with the catalog (retrying)', { error: (error as Error).message });
    } finally {
      this.syncing = false;
    }
  }

  private async follow(definition: WorkflowDefinition, schedule: ScheduleSpec): Promise<void> {
    const { id: workflowId } = definition;
    const now = new Date();
    const versions = await this.catalog.refresh(workflowId);
    const registeredAt = versions.versions.find((v) => v.version === definition.version)?.registeredAt;
    const entry: Followed = { workflowId, schedule, cron: cronOf(schedule), last: now, stopped: false };
    this.followed.set(workflowId, entry);
    // Ticks before this version was registered are never missed ticks of it.
    const plan = ticksToStart(
      entry.cron,
      schedule.catchUp,
      registeredAt === undefined ? now : new Date(registeredAt),
      now,
      { awake: false },
    );
    if (plan.capped)
      this.logger.warn('schedule catch-up capped: older missed ticks are skipped', {
        workflowId,
        limit: MAX_CATCH_UP_TICKS,
        from: plan.start[0]?.toISOString(),
      });
    const missed = schedule.catchUp === 'all' ? await this.withoutRuns(workflowId, plan.start) : plan.start;
    for (const tick of missed) await this.startTick(entry, tick);
    this.logger.info('schedule followed', {
      workflowId,
      version: definition.version,
      ...schedule,
      missedStarted: missed.length,
      next: nextTick(entry.cron, now)?.toISOString() ?? null,
    });
    this.arm(entry);
  }

  /** The ticks after the newest one that has a run (started by an earlier process or another replica). */
  private async withoutRuns(workflowId: string, ticks: readonly Date[]): Promise<Date[]> {
    for (let i = ticks.length - 1; i >= 0; i -= 1) {
      const runId = runIdFor(workflowId, scheduleKeyOf(ticks[i] as Date));
      if ((await this.store.readStream(runStreamId(runId), { maxCount: 1 })).length > 0) return ticks.slice(i + 1);
    }
    return [...ticks];
  }

  private arm(entry: Followed): void {
    if (entry.stopped) return;
    const next = nextTick(entry.cron, entry.last);
    if (next === undefined) {
      this.logger.info('schedule has no more ticks', { workflowId: entry.workflowId, cron: entry.schedule.cron });
      return;
    }
    entry.timer = timerAt(next, () => void this.wake(entry));
  }

  /** A timer fired: the newest due tick is on time; older ones (a late timer) are missed ticks, see `ticksToStart`. */
  private async wake(entry: Followed): Promise<void> {
    if (entry.stopped) return;
    const plan = ticksToStart(entry.cron, entry.schedule.catchUp, entry.last, new Date(), { awake: true });
    if (plan.latest !== undefined) entry.last = plan.latest;
    if (plan.capped)
      this.logger.warn('schedule catch-up capped: older missed ticks are skipped', {
        workflowId: entry.workflowId,
        limit: MAX_CATCH_UP_TICKS,
      });
    for (const tick of plan.start) await this.startTick(entry, tick);
    this.arm(entry);
  }

  /** Starts the run of one tick; a retryable failure is tried again, a final one logged (the tick has no run). */
  private async startTick(entry: Followed, tick: Date): Promise<void> {
    const { workflowId } = entry;
    const scheduledAt = tick.toISOString();
    const trigger = {
      workflowId,
      idempotencyKey: scheduleKeyOf(tick),
      source: 'schedule',
      payload: { scheduledAt },
    } as const;
    await withSpan('planner.schedule', async () => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const { runId, created } = await this.starter.start(trigger);
          this.logger.info('scheduled run started', { workflowId, scheduledAt, runId, created });
          return;
        } catch (error) {
          const body = toErrorBody(error);
          if (body.retryable && attempt < START_ATTEMPTS && !entry.stopped) {
            await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
            continue;
          }
          this.logger.error('scheduled run not started', {
            workflowId,
            scheduledAt,
            code: body.code,
            reason: body.message,
          });
          return;
        }
      }
    });
  }

  private stop(entry: Followed): void {
    entry.stopped = true;
    entry.timer?.clear();
  }
}

const sameSchedule = (a: ScheduleSpec, b: ScheduleSpec): boolean =>
  a.cron === b.cron && a.timezone === b.timezone && a.catchUp === b.catchUp;
