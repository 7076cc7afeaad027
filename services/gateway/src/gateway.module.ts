import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { GatewayConfig } from './gateway.config.js';
import { AuditController } from './audit.controller.js';
import { GatesController } from './gates.controller.js';
import { OperatorController } from './operator.controller.js';
import { ReplayController } from './replay.controller.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { ReviewerAuth } from './reviewer-auth.js';
import { RunsController } from './runs.controller.js';
import { RunsProjection } from './runs.projection.js';
import { ServicesClient } from './services.client.js';
import { WorkflowsController } from './workflows.controller.js';

@Module({})
export class GatewayModule {
  static register(context: ServiceContext<GatewayConfig>): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [RunsController, GatesController, WorkflowsController, ReplayController, AuditController, OperatorController],
      providers: [
        ServicesClient,
        { provide: RunsProjection, useValue: new RunsProjection(context.store) },
        { provide: ReviewerAuth, useValue: new ReviewerAuth(context.config.LEDGERFLOW_AUTH_SECRET, context.config.LEDGERFLOW_AUTH_ISSUER) },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
