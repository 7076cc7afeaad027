import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { bearerVerifierOf } from '@ledgerflow/auth';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { GatewayConfig } from './gateway.config.js';
import { AuditController } from './audit.controller.js';
import { GatesController } from './gates.controller.js';
import { OperatorController } from './operator.controller.js';
import { ReplayController } from './replay.controller.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { InputShapeInterceptor } from './input-shape.interceptor.js';
import { AuthGuard } from './auth.guard.js';
import { Authenticator } from './authenticator.js';
import { RunsController } from './runs.controller.js';
import { RunsProjection } from './runs.projection.js';
import { ServiceAccounts } from './service-accounts.js';
import { ServiceAccountsController } from './service-accounts.controller.js';
import { ServicesClient } from './services.client.js';
import { WorkflowsController } from './workflows.controller.js';
import { WebhooksController } from './webhooks.controller.js';

@Module({})
export class GatewayModule {
  static register(context: ServiceContext<GatewayConfig>): DynamicModule {
    const accounts = new ServiceAccounts(context.store);
    return {
      module: GatewayModule,
      controllers: [RunsController, GatesController, WorkflowsController, ReplayController, AuditController, OperatorController, ServiceAccountsController, WebhooksController],
      providers: [
        ServicesClient,
        { provide: RunsProjection, useValue: new RunsProjection(context.store) },
        { provide: ServiceAccounts, useValue: accounts },
        { provide: Authenticator, useValue: new Authenticator(bearerVerifierOf(context.config), accounts) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: InputShapeInterceptor },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
