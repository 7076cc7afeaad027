import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SCOPES } from '@ledgerflow/contracts';
import { RequireScopes } from './auth.decorators.js';
import { buildAuditExport } from '@ledgerflow/audit';
import type { AuditEvent, AuditExport } from '@ledgerflow/audit';
import { LedgerflowError } from '@ledgerflow/domain';
import { RUN_REPOSITORY } from '@ledgerflow/service-runtime';
import type { RunRepository } from '@ledgerflow/service-runtime';
import { AuditExportResponse } from './views.dto.js';

/**
 * The audit trail of a run: `GET /v1/runs/{runId}/audit` answers its events with their hash chain, as an
 * `ledgerflow-audit/1` export (`AuditExport` in `@ledgerflow/audit`): `{ format, runId, exportedAt, head,
 * events }`. `ledgerflow audit verify <file>` checks it offline. Needs the scope `audit:read`. 404 `run_not_found` for an unknown run.
 */
@ApiTags('runs')
@ApiBearerAuth()
@RequireScopes(SCOPES.auditRead)
@Controller('v1')
export class AuditController {
  constructor(@Inject(RUN_REPOSITORY) private readonly runs: RunRepository) {}

  @Get('runs/:runId/audit')
  @ApiOperation({ summary: "A run's events with their hash chain (ledgerflow-audit/1), for offline verification" })
  @ApiOkResponse({ type: AuditExportResponse })
  async exportAudit(@Param('runId') runId: string): Promise<AuditExport> {
    const events = await this.runs.events(runId);
    if (events.length === 0)
      throw new LedgerflowError('run_not_found', `run ${runId} does not exist`, false, { runId });
    return buildAuditExport(runId, events as unknown as AuditEvent[], new Date().toISOString());
  }
}
