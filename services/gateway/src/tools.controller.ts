import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { NatsConnection } from '@nats-io/nats-core';
import { SCOPES } from '@ledgerflow/contracts';
import type { ToolCatalogEntry } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { readToolCatalog } from '@ledgerflow/messaging';
import { NATS_CONNECTION } from '@ledgerflow/service-runtime';
import { RequireScopes } from './auth.decorators.js';
import { ToolCatalogEntryResponse } from './goals.dto.js';
import { ListPage } from './list-page.interceptor.js';

/**
 * The tool catalog (docs/planning.md): what tool workers announced in the KV bucket `LF_TOOLS` when they started, read
 * by the gateway itself (its NATS user may read the bucket, not write it).
 */
@ApiTags('tools')
@ApiBearerAuth()
@Controller('v1/tools')
export class ToolsController {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /**
   * Every announced tool action, sorted by tool then action, a page at a time.
   * @throws LedgerflowError `nats_request_failed` (503, retryable) when the bucket cannot be read.
   */
  @Get()
  @RequireScopes(SCOPES.runsRead)
  @ListPage(
    'tools',
    { keyOf: (e: ToolCatalogEntry) => [e.tool, e.action], parts: 2, direction: 'asc' },
    ToolCatalogEntryResponse,
  )
  @ApiOperation({
    summary:
      'The tool catalog: each tool action its worker announced (description, input and output JSON Schemas, capability, cost hints, worker), by tool then action',
  })
  async list(): Promise<ToolCatalogEntry[]> {
    try {
      return await readToolCatalog(this.nc);
    } catch (error) {
      throw new LedgerflowError(
        'nats_request_failed',
        `the tool catalog (KV bucket LF_TOOLS) could not be read: ${error instanceof Error ? error.message : String(error)}`,
        true,
      );
    }
  }
}
