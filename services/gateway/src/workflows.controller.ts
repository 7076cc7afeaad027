import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SCOPES } from '@ledgerflow/contracts';
import { RequireScopes } from './auth.decorators.js';
import type { StepStats } from '@ledgerflow/contracts';
import { ServicesClient } from './services.client.js';

@ApiTags('workflows')
@ApiBearerAuth()
@RequireScopes(SCOPES.runsRead)
@Controller('v1/workflows')
export class WorkflowsController {
  constructor(@Inject(ServicesClient) private readonly services: ServicesClient) {}

  @Get(':workflowId/stats')
  @ApiOperation({ summary: 'Per-step statistics learned by memory: runs, success rate, p50/p95 duration (ms)' })
  stats(@Param('workflowId') workflowId: string): Promise<StepStats[]> {
    return this.services.stepStats(workflowId);
  }
}
