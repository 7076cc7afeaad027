import { Module } from '@nestjs/common';
import { SELF_DECLARED_DEPS_METADATA } from '@nestjs/common/constants.js';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { GATEWAY_CONTROLLERS } from './gateway.controllers.js';
import { buildOpenApiDocument } from './openapi.js';

/**
 * The operations `docs/api.md`'s "Endpoints" table lists, as `METHOD /path` (OpenAPI path templates). A cell
 * lists `` `METHOD /path` `` items separated by commas; an item `` `/suffix` `` repeats the item before it with
 * its last path segment replaced (`` `POST /v1/runs/{runId}/retry`, `/skip` `` lists both).
 */
export function documentedOperations(markdown: string): Set<string> {
  const section = markdown.slice(
    markdown.indexOf('## Endpoints'),
    markdown.indexOf('\n## ', markdown.indexOf('## Endpoints') + 3),
  );
  const operations = new Set<string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const cell = line.split('|')[1] ?? '';
    let previous: { method: string; path: string } | undefined;
    for (const item of cell.matchAll(/`([^`]+)`/g)) {
      const text = item[1] as string;
      const full = /^(GET|POST|PUT|DELETE|PATCH) (\/\S+)$/.exec(text);
      if (full) previous = { method: full[1] as string, path: full[2] as string };
      else if (text.startsWith('/') && previous)
        previous = { method: previous.method, path: previous.path.replace(/\/[^/]+$/, text) };
      else continue;
      operations.add(`${previous.method} ${previous.path}`);
    }
  }
  return operations;
}

/**
 * The gateway's OpenAPI document built as `main.ts` builds it, without a network, a store or NATS: the controllers
 * in a Nest application created in preview mode (nothing is instantiated), each of their dependencies an empty stand-in.
 */
export async function offlineOpenApiDocument(): Promise<OpenAPIObject> {
  const tokens = new Set<unknown>();
  for (const controller of GATEWAY_CONTROLLERS) {
    const types = (Reflect.getMetadata('design:paramtypes', controller) ?? []) as unknown[];
    const injected = (Reflect.getMetadata(SELF_DECLARED_DEPS_METADATA, controller) ?? []) as Array<{
      index: number;
      param: unknown;
    }>;
    types.forEach((type, index) => tokens.add(injected.find((dep) => dep.index === index)?.param ?? type));
  }
  @Module({
    controllers: [...GATEWAY_CONTROLLERS],
    providers: [...tokens].map((token) => ({ provide: token as string, useValue: {} })),
  })
  class OpenApiOnlyModule {}
  const app = await NestFactory.create(OpenApiOnlyModule, { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
