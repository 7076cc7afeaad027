import { Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BearerVerifier, bearerVerifierOf } from '@ledgerflow/auth';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { ApprovalConfig } from './approval.config.js';
import { ApprovalController } from './approval.controller.js';
import { GateDecider } from './decide-gate.js';
import { GateEscalatedConsumer, GateOpenedConsumer, PUBLIC_URL } from './gate-events.consumer.js';
import { GateNotifier } from './gate-notifier.js';
import { GateOpenings } from './gate-openings.js';
import { GateSlaScheduler } from './gate-sla.scheduler.js';

/** Restores the SLA timers of every active run at start; clears them at shutdown. */
@Injectable()
class GateSlaLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(GateSlaScheduler) private readonly scheduler: GateSlaScheduler) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.scheduler.start();
  }
  onApplicationShutdown(): void {
    this.scheduler.stop();
  }
}

@Module({})
export class ApprovalModule {
  static register(context: ServiceContext<ApprovalConfig>): DynamicModule {
    const { config, runs, store, logger } = context;
    const confidenceDefault = {
      reviewers: config.LEDGERFLOW_CONFIDENCE_REVIEWERS,
      ...(config.LEDGERFLOW_CONFIDENCE_SLA_SECONDS === undefined
        ? {}
        : { slaSeconds: config.LEDGERFLOW_CONFIDENCE_SLA_SECONDS }),
    };
    const notifier = new GateNotifier(
      {
        ...(config.LEDGERFLOW_NOTIFY_WEBHOOK_URL === undefined ? {} : { url: config.LEDGERFLOW_NOTIFY_WEBHOOK_URL }),
        maxAttempts: config.LEDGERFLOW_NOTIFY_MAX_ATTEMPTS,
        backoffMs: config.LEDGERFLOW_NOTIFY_BACKOFF_MS,
        timeoutMs: config.LEDGERFLOW_NOTIFY_TIMEOUT_MS,
      },
      logger,
    );
    return {
      module: ApprovalModule,
      controllers: [ApprovalController],
      providers: [
        { provide: GateDecider, useValue: new GateDecider(runs) },
        { provide: BearerVerifier, useValue: bearerVerifierOf(config) },
        { provide: GateOpenings, useValue: new GateOpenings(runs, logger, confidenceDefault) },
        { provide: GateSlaScheduler, useValue: new GateSlaScheduler(runs, store, logger) },
        { provide: GateNotifier, useValue: notifier },
        { provide: PUBLIC_URL, useValue: config.LEDGERFLOW_PUBLIC_URL },
        GateSlaLifecycle,
        GateOpenedConsumer,
        GateEscalatedConsumer,
      ],
    };
  }
}
