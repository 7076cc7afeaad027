import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { ExecutorConfig } from './executor.config.js';
import { RunEventsConsumer } from './run-events.consumer.js';
import { RunReconciler } from './run-reconciler.js';
import { RunSlots } from './run-slots.js';
import { SecretProvider } from './secrets.js';
import { StartupRecovery, pokeActiveRuns } from './startup-recovery.js';
import { ExecutorPresence, executorIdOf } from './executor-presence.js';

@Module({})
export class ExecutorModule {
  static register(context: ServiceContext<ExecutorConfig>): DynamicModule {
    // Every event type another process may append reaches the executor (RunEventsConsumer invalidates the run's fold),
    // so between them it decides on its cached fold; a stale decision fails its expected revision and is decided again.
    context.runs.trustOwnAppends();
    const slots = new RunSlots({
      store: context.store,
      runs: context.runs,
      logger: context.logger,
      actor: { kind: 'service', id: context.name },
      onDequeued: (runId) => void reconciler.poke(runId),
    });
    const presence = new ExecutorPresence({
      nc: context.nc,
      self: executorIdOf(context.config.LEDGERFLOW_EXECUTOR_ID),
      logger: context.logger,
      onGone: () =>
        void pokeActiveRuns(context.store, reconciler, context.logger).catch((error: Error) =>
          context.logger.error('reconciling the runs of gone executors failed', { error: error.message }),
        ),
    });
    const reconciler = new RunReconciler({
      nc: context.nc,
      runs: context.runs,
      logger: context.logger,
      secrets: new SecretProvider(context.config.LEDGERFLOW_SECRETS_DIR),
      slots,
      presence,
      ...(context.privacy ? { privacy: context.privacy } : {}),
    });
    return {
      module: ExecutorModule,
      providers: [
        { provide: RunReconciler, useValue: reconciler },
        { provide: RunSlots, useValue: slots },
        { provide: ExecutorPresence, useValue: presence },
        RunEventsConsumer,
        StartupRecovery,
      ],
    };
  }
}
