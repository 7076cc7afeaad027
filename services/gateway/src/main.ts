import type { IncomingMessage, Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication, NestExpressBodyParserOptionsFor } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { runService } from '@ledgerflow/service-runtime';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import { consoleDir, serveConsole } from './console-static.js';
import { GatewayConfig } from './gateway.config.js';
import { GatewayModule } from './gateway.module.js';
import { buildOpenApiDocument } from './openapi.js';
import { httpServerTracing } from './http-tracing.js';
import { WEBHOOK_SECRETS, loadWebhookSecrets } from './webhooks.secrets.js';
import { YAML_MEDIA_TYPES } from './yaml-body.js';

/** Largest accepted request body (JSON), matching the planner's trigger payload limit. */
const BODY_LIMIT = '256kb';

/**
 * Keeps the bytes of every JSON body as `request.rawBody` (Nest's `RawBodyRequest` convention): webhook
 * signatures are computed over the body as sent, not over a re-serialisation of the parsed value.
 */
function keepRawBody(request: IncomingMessage, _response: unknown, buffer: Buffer): void {
  (request as IncomingMessage & { rawBody?: Buffer }).rawBody = buffer;
}

/**
 * How long an idle keep-alive connection stays open, in ms: longer than the idle timeouts of the clients and proxies
 * in front (Node's fetch keeps a socket 4 s; load balancers commonly 60 s), so the gateway never closes a connection
 * just as a client sends the next request on it (`other side closed`). Node's default is 5 s.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function configure(app: INestApplication, context: ServiceContext<GatewayConfig>): void {
  const express = app as NestExpressApplication;
  const server = express.getHttpServer() as Server;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000; // must exceed keepAliveTimeout (Node's http docs)
  express.use(httpServerTracing()); // first: a SERVER span per request, parent from `traceparent` (http-tracing.ts)
  // Nest leaves `verify` out of the option type because it sets it itself for `rawBody: true`, an option of
  // the application (created in service-runtime) that this gateway does not set; express passes it through.
  express.useBodyParser('json', { limit: BODY_LIMIT, verify: keepRawBody } as NestExpressBodyParserOptionsFor<'json'>);
  // YAML definitions (PUT /v1/workflows/{id}) arrive as text; other endpoints refuse them with 415 (yaml-body.ts).
  express.useBodyParser('text', { type: [...YAML_MEDIA_TYPES], limit: BODY_LIMIT });
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'openapi.json' });
  // The console's files (public; its API calls carry the person's token): docs/console.md.
  serveConsole(express, consoleDir(context.config.LEDGERFLOW_CONSOLE_DIR), {
    jaegerUrl: context.config.LEDGERFLOW_JAEGER_URL,
  });
}

runService({
  name: 'gateway',
  config: GatewayConfig,
  listen: { http: (config) => ({ port: config.LEDGERFLOW_GATEWAY_PORT, host: config.LEDGERFLOW_GATEWAY_HOST }) },
  configure,
  module: (context) => {
    // Read before Nest starts: a malformed secrets file stops the gateway with exit code 78, naming the file.
    const secrets = loadWebhookSecrets(context.config.LEDGERFLOW_WEBHOOK_SECRETS_FILE);
    const module = GatewayModule.register(context);
    return { ...module, providers: [...(module.providers ?? []), { provide: WEBHOOK_SECRETS, useValue: secrets }] };
  },
});
