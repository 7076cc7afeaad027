import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsString, Matches } from 'class-validator';
import { subjects } from '@ledgerflow/contracts';
import type { StepStats, StepStatsRequest } from '@ledgerflow/contracts';
import { validateBody } from '@ledgerflow/service-runtime';
import { StepStatsProjection } from './step-stats.projection.js';

class StepStatsDto implements StepStatsRequest {
  @IsString() @Matches(/^[a-z][a-z0-9-]{0,62}$/) workflowId!: string;
}

/** `lf.memory.step-stats`: per-step statistics of a workflow from memory's projection. */
@Controller()
export class MemoryController {
  constructor(@Inject(StepStatsProjection) private readonly projection: StepStatsProjection) {}

  @MessagePattern(subjects.memoryStepStats)
  stepStats(@Payload() body: unknown): StepStats[] {
    return this.projection.stats(validateBody(StepStatsDto, body).workflowId);
  }
}
