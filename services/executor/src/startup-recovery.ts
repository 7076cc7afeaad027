import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { runIdOfStream } from '@ledgerflow/contracts';
import type { EventStore } from '@ledgerflow/event-store';
import { EVENT_STORE, LOGGER } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';
import { RunReconciler } from './run-reconciler.js';

const ENDED = new Set(['RunCompleted', 'RunFailed', 'RunCancelled']);
const PAGE = 1000;

/**
 * On start, finds every run that has not ended (a scan of `run-*` streams by event type) and reconciles
 * it: steps left running by a killed executor are re-dispatched with their original idempotency keys,
 * due retries run, and retry timers are set again. The scan reads event types only; it is linear in the
 * number of stored run events (a projection of active runs is the next step when that matters).
 */
@Injectable()
export class StartupRecovery implements OnApplicationBootstrap {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RunReconciler) private readonly reconciler: RunReconciler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const active = await this.activeRuns();
    if (active.length > 0) this.logger.info('recovering active runs', { runs: active.length });
    for (const runId of active) void this.reconciler.poke(runId);
  }

  private async activeRuns(): Promise<string[]> {
    const active = new Set<string>();
    for (let position = 0; ; ) {
      const events = await this.store.readAll({ fromPosition: position, maxCount: PAGE, streamPrefix: 'run-' });
      for (const event of events) {
        const runId = runIdOfStream(event.streamId);
        if (!runId) continue;
        if (event.revision === 0) active.add(runId);
        if (ENDED.has(event.type)) active.delete(runId);
      }
      if (events.length < PAGE) return [...active];
      position = events[events.length - 1].position;
    }
  }
}
