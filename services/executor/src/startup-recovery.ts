import { Inject, Injectable, Optional } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import type { EventStore } from '@ledgerflow/event-store';
import { EVENT_STORE, LOGGER, activeRunIds } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';
import { RunReconciler } from './run-reconciler.js';
import { RunSlots } from './run-slots.js';
import { ExecutorPresence } from './executor-presence.js';

/**
 * On start, finds every run that has not ended (a scan of `run-*` streams by event type) and reconciles
 * it: steps left running by a killed executor are re-dispatched with their original idempotency keys,
 * due retries run, and retry timers are set again (see `activeRunIds` for the cost of the scan). Queued runs are
 * reconciled like the others (granted a slot when one is free); before that, slots still held by runs that ended
 * are released (`RunSlots.recover`), since a killed executor may have lost that release. Starts this instance's
 * presence (executor-presence.ts) first, so the attempts it starts name it.
 */
@Injectable()
export class StartupRecovery implements OnApplicationBootstrap {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RunReconciler) private readonly reconciler: RunReconciler,
    @Inject(RunSlots) private readonly slots: RunSlots,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(ExecutorPresence) private readonly presence?: ExecutorPresence,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.slots
      .recover()
      .catch((error: Error) =>
        this.logger.error(
          'run slot recovery failed: slots of runs that ended while no executor ran stay held until the next start',
          { error: error.message },
        ),
      );
    await this.presence?.start();
    await pokeActiveRuns(this.store, this.reconciler, this.logger);
  }
}

/**
 * Reconciles every run that has not ended (`activeRunIds`): at start, and whenever executor instances went away
 * (their running attempts are reclaimed by the reconciler's pass).
 */
export async function pokeActiveRuns(store: EventStore, reconciler: RunReconciler, logger: Logger): Promise<void> {
  const active = await activeRunIds(store);
  if (active.length > 0) logger.info('reconciling active runs', { runs: active.length });
  for (const runId of active) void reconciler.poke(runId);
}
