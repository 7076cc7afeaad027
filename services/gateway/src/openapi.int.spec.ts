import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { OpenAPIObject } from '@nestjs/swagger';
import { GATEWAY_CONTROLLERS } from './gateway.controllers.js';
import { documentedOperations, offlineOpenApiDocument } from './openapi-docs.spec-util.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const redoclyCli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');

type Operation = {
  operationId: string;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: Array<Record<string, unknown>>;
};

function operations(document: OpenAPIObject): Array<{ key: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
      .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation: operation as Operation })),
  );
}

/** What each handler answers on success: its `@HttpCode`, else Nest's default (201 for POST, 200 otherwise). */
function answeredStatuses(): Map<string, number> {
  const statuses = new Map<string, number>();
  for (const controller of GATEWAY_CONTROLLERS) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as unknown as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number] as string;
      const path =
        `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler))].filter((p) => p && p !== '/').join('/')}`
          .replace(/\/+/g, '/')
          .replace(/:(\w+)/g, '{$1}');
      const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
      statuses.set(`${method} ${path}`, code ?? (method === 'POST' ? 201 : 200));
    }
  }
  return statuses;
}

describe('the OpenAPI document', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await offlineOpenApiDocument();
  });

  it('passes redocly lint with zero errors and zero warnings (rules off only as redocly.yaml says why)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(document));
      const run = promisify(execFile);
      const args = [redoclyCli, 'lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'json'];
      const { stdout } = await run(process.execPath, args, { env: { ...process.env, REDOCLY_TELEMETRY: 'off' } }).catch(
        (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
      );
      const problems = (JSON.parse(stdout) as { problems: Array<{ ruleId: string; message: string }> }).problems;
      expect(problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('documents the success status each handler answers, and only alternatives that are real', () => {
    // Registering answers 201 for a new version, 200 for one that exists with the same digest (unchanged).
    const alternatives = new Set(['PUT /v1/workflows/{workflowId} 201', 'PUT /v1/policy-packs/{packName} 201']);
    const answered = answeredStatuses();
    for (const { key, operation } of operations(document)) {
      const status = answered.get(key);
      expect([key, status]).toEqual([key, expect.any(Number)]);
      const documented = Object.keys(operation.responses).filter((s) => s.startsWith('2'));
      expect([key, documented.filter((s) => s !== String(status) && !alternatives.has(`${key} ${s}`))]).toEqual([
        key,
        [],
      ]);
      expect([key, documented]).toEqual([key, expect.arrayContaining([String(status)])]);
    }
    expect(answered.get('POST /v1/gates/{gateId}/decision')).toBe(200);
  });

  it('gives every success answer but 204 and event streams a schema, and every JSON body operation a request body', () => {
    // JSON lines (`GET /v1/workflows/{workflowId}/labels`) are described by the schema of one line.
    const schemaOf = (content: Record<string, { schema?: unknown }> | undefined) =>
      content?.['application/json']?.schema ?? content?.['application/x-ndjson']?.schema;
    const missing = operations(document).flatMap(({ key, operation }) =>
      Object.entries(operation.responses)
        .filter(([status]) => status.startsWith('2') && status !== '204' && !key.endsWith('/stream'))
        .filter(([, response]) => !schemaOf(response.content))
        .map(([status]) => `${key} ${status}`),
    );
    expect(missing).toEqual([]);
    const withBody = operations(document)
      .filter(({ operation }) => operation.requestBody)
      .map(({ key }) => key);
    expect(withBody).toEqual(
      expect.arrayContaining([
        'POST /v1/workflows/{workflowId}/runs',
        'POST /v1/gates/{gateId}/decision',
        'PUT /v1/workflows/{workflowId}',
        'PUT /v1/policy-packs/{packName}',
        'POST /v1/subscriptions',
        'POST /v1/service-accounts',
        'POST /v1/runs/{runId}/retry',
        'POST /v1/recommendations/{recommendationId}/accept',
        'POST /v1/workflows/{workflowId}/evaluations',
      ]),
    );
  });

  it('answers every error with the one ErrorResponse schema; 503 with Retry-After; security on every operation', () => {
    const schemas = document.components?.schemas ?? {};
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['ErrorResponse', 'ErrorBody']));
    for (const { key, operation } of operations(document)) {
      const errors = Object.entries(operation.responses).filter(([s]) => /^[45]/.test(s));
      expect([key, errors.map(([s]) => s)]).toEqual([key, expect.arrayContaining(['500', '503'])]);
      // `/readyz` answers its readiness report with 503 (health.controller.ts), not an error body.
      for (const [status, response] of errors.filter(([s]) => !(key === 'GET /readyz' && s === '503')))
        expect([key, status, response.content?.['application/json']?.schema]).toEqual([
          key,
          status,
          { $ref: '#/components/schemas/ErrorResponse' },
        ]);
      const open = ['GET /healthz', 'GET /readyz'].includes(key);
      expect([key, (operation.security?.length ?? 0) > 0]).toEqual([key, !open]);
    }
    const webhook = document.paths['/v1/webhooks/{workflowId}']?.post as Operation | undefined;
    expect(webhook?.security).toEqual(expect.arrayContaining([{ standardWebhooks: [] }, { hmacSignature: [] }]));
    expect((document.paths['/v1/runs']?.get as Operation | undefined)?.security).toEqual([
      { bearer: [] },
      { apiKey: [] },
    ]);
    expect(Object.keys(document.components?.securitySchemes ?? {}).sort()).toEqual(
      ['apiKey', 'bearer', 'hmacSignature', 'standardWebhooks'].sort(),
    );
  });

  it("lists the same operations as docs/api.md's Endpoints table", () => {
    const documented = documentedOperations(readFileSync(join(root, 'docs/api.md'), 'utf8'));
    expect([...documented].sort()).toEqual(
      operations(document)
        .map(({ key }) => key)
        .sort(),
    );
  });
});
