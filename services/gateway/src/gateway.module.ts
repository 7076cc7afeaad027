import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { bearerVerifierOf } from '@ledgerflow/auth';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { GatewayConfig } from './gateway.config.js';
import { GATEWAY_CONTROLLERS } from './gateway.controllers.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { InputShapeInterceptor } from './input-shape.interceptor.js';
import { AuthGuard } from './auth.guard.js';
import { BodyValidationPipe } from './body-validation.pipe.js';
import { Authenticator } from './authenticator.js';
import { RunsProjection } from './runs.projection.js';
import { ServiceAccounts } from './service-accounts.js';
import { ServicesClient } from './services.client.js';
import { STREAM_SETTINGS } from './stream.controller.js';
import { StreamHub } from './stream-hub.js';
import { Subscriptions } from './subscriptions.js';
import { WebhookDeliveries } from './webhook-deliveries.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookSender } from './webhook-sender.js';

@Module({})
export class GatewayModule {
  static register(context: ServiceContext<GatewayConfig>): DynamicModule {
    const accounts = new ServiceAccounts(context.store);
    const subscriptions = new Subscriptions(context.store);
    const deliveries = new WebhookDeliveries(context.store);
    const { config } = context;
    const sender = new WebhookSender({
      store: context.store,
      deliveries,
      subscriptions,
      logger: context.logger,
      retryDelaysMs: config.LEDGERFLOW_WEBHOOK_RETRY_DELAYS_MS,
      timeoutMs: config.LEDGERFLOW_WEBHOOK_TIMEOUT_MS,
      concurrency: config.LEDGERFLOW_WEBHOOK_CONCURRENCY,
      allowPrivate: config.LEDGERFLOW_WEBHOOK_ALLOW_PRIVATE,
    });
    const runs = new RunsProjection(context.store);
    return {
      module: GatewayModule,
      controllers: [...GATEWAY_CONTROLLERS],
      providers: [
        ServicesClient,
        { provide: RunsProjection, useValue: runs },
        { provide: ServiceAccounts, useValue: accounts },
        // Finding the store's head for a stream starts where the runs projection has read (not from 0 on the first stream).
        {
          provide: StreamHub,
          useValue: new StreamHub(
            context.store,
            context.config.LEDGERFLOW_STREAM_MAX_CONNECTIONS,
            undefined,
            () => runs.readUpTo,
          ),
        },
        { provide: STREAM_SETTINGS, useValue: { heartbeatMs: context.config.LEDGERFLOW_STREAM_HEARTBEAT_MS } },
        { provide: Subscriptions, useValue: subscriptions },
        { provide: WebhookDeliveries, useValue: deliveries },
        {
          provide: WebhookDispatcher,
          useValue: new WebhookDispatcher({
            nc: context.nc,
            store: context.store,
            subscriptions,
            deliveries,
            sender,
            logger: context.logger,
            watchIntervalMs: config.LEDGERFLOW_WEBHOOK_WATCH_MS,
          }),
        },
        { provide: Authenticator, useValue: new Authenticator(bearerVerifierOf(context.config), accounts) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: InputShapeInterceptor },
        { provide: APP_PIPE, useClass: BodyValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
