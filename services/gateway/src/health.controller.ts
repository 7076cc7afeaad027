import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SERVICE_HEALTH } from '@ledgerflow/service-runtime';
import { LIVENESS_PATH, READINESS_PATH } from '@ledgerflow/telemetry';
import type { LivenessReport, ReadinessReport, ServiceHealth } from '@ledgerflow/telemetry';
import { Public } from './auth.decorators.js';

const CHECK_SCHEMA = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down', 'standby'] }, detail: { type: 'string' } },
};
const READINESS_SCHEMA = {
  type: 'object',
  required: ['service', 'status', 'failing', 'checks'],
  properties: {
    service: { type: 'string', example: 'gateway' },
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    failing: { type: 'array', items: { type: 'string' }, example: [] },
    checks: { type: 'object', additionalProperties: CHECK_SCHEMA },
  },
};

/**
 * `/healthz` and `/readyz` of the gateway, on its HTTP port, without a bearer token (probes carry none): the same
 * answers as every service's health listener (`startHealthServer`, docs/operations.md "Health endpoints").
 */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(@Inject(SERVICE_HEALTH) private readonly health: ServiceHealth) {}

  @Get(LIVENESS_PATH.slice(1))
  @ApiOperation({ summary: 'Liveness: 200 while the process answers', operationId: 'getLiveness' })
  @ApiOkResponse({
    description: 'The event loop answers',
    schema: {
      type: 'object',
      required: ['service', 'status', 'uptimeSeconds'],
      properties: {
        service: { type: 'string' },
        status: { type: 'string', enum: ['alive'] },
        uptimeSeconds: { type: 'integer', minimum: 0 },
      },
    },
  })
  liveness(): LivenessReport {
    return this.health.liveness();
  }

  @Get(READINESS_PATH.slice(1))
  @ApiOperation({
    summary: 'Readiness: NATS connected, event store reachable, consumers bound',
    operationId: 'getReadiness',
  })
  @ApiOkResponse({ description: 'Every check is up (or on standby)', schema: READINESS_SCHEMA })
  @ApiServiceUnavailableResponse({
    description: 'A check is down: `failing` names it, `checks` gives each state; `Retry-After: 5`',
    schema: READINESS_SCHEMA,
  })
  async readiness(@Res({ passthrough: true }) response: ServerResponse): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    if (report.status !== 'ready') {
      response.statusCode = 503;
      response.setHeader('Retry-After', '5');
    }
    response.setHeader('Cache-Control', 'no-store');
    return report;
  }
}
