import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { PrivacyConfig } from '@ledgerflow/config';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import { RunEventsConsumer } from './run-events.consumer.js';
import { RunReconciler } from './run-reconciler.js';
import { StartupRecovery } from './startup-recovery.js';

@Module({})
export class ExecutorModule {
  static register(context: ServiceContext<PrivacyConfig>): DynamicModule {
    const reconciler = new RunReconciler({ nc: context.nc, runs: context.runs, logger: context.logger, ...(context.privacy ? { privacy: context.privacy } : {}) });
    return {
      module: ExecutorModule,
      providers: [{ provide: RunReconciler, useValue: reconciler }, RunEventsConsumer, StartupRecovery],
    };
  }
}
