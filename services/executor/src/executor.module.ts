import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { ExecutorConfig } from './executor.config.js';
import { RunEventsConsumer } from './run-events.consumer.js';
import { RunReconciler } from './run-reconciler.js';
import { SecretProvider } from './secrets.js';
import { StartupRecovery } from './startup-recovery.js';

@Module({})
export class ExecutorModule {
  static register(context: ServiceContext<ExecutorConfig>): DynamicModule {
    const reconciler = new RunReconciler({
      nc: context.nc, runs: context.runs, logger: context.logger, secrets: new SecretProvider(context.config.LEDGERFLOW_SECRETS_DIR),
      ...(context.privacy ? { privacy: context.privacy } : {}),
    });
    return {
      module: ExecutorModule,
      providers: [{ provide: RunReconciler, useValue: reconciler }, RunEventsConsumer, StartupRecovery],
    };
  }
}
