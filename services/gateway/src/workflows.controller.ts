import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { StepStats } from '@ledgerflow/contracts';
import { ServicesClient } from './services.client.js';

@ApiTags('workflows')
@Controller('v1/workflows')
export class WorkflowsController {
  constructor(@Inject(ServicesClient) private readonly services: ServicesClient) {}

  @Get(':workflowId/stats')
  @ApiOperation({ summary: 'Per-step statistics learned by memory: runs, success rate, p50/p95 duration (ms)' })
  stats(@Param('workflowId') workflowId: string): Promise<StepStats[]> {
    return this.services.stepStats(workflowId);
  }
}
