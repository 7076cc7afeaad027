import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { runService } from '@ledgerflow/service-runtime';
import { GatewayConfig } from './gateway.config.js';
import { GatewayModule } from './gateway.module.js';

/** Largest accepted request body (JSON), matching the planner's trigger payload limit. */
const BODY_LIMIT = '256kb';

function configure(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: BODY_LIMIT });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Ledgerflow gateway')
      .setDescription('Runs, webhooks, traces and gates of policy-governed, replayable workflows')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
}

runService({
  name: 'gateway',
  config: GatewayConfig,
  listen: { http: (config) => ({ port: config.LEDGERFLOW_GATEWAY_PORT, host: config.LEDGERFLOW_GATEWAY_HOST }) },
  configure,
  module: (context) => GatewayModule.register(context),
});
