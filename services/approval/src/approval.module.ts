import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { BearerVerifier, bearerVerifierOf } from '@ledgerflow/auth';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { ApprovalConfig } from './approval.config.js';
import { ApprovalController } from './approval.controller.js';
import { GateDecider } from './decide-gate.js';
import { GateEventsConsumer, PUBLIC_URL } from './gate-events.consumer.js';
import { GateNotifier } from './gate-notifier.js';
import { GateOpenings } from './gate-openings.js';
import { GateSlaScheduler } from './gate-sla.scheduler.js';

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
        GateEventsConsumer,
      ],
    };
  }
}
