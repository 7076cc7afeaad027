import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { subjects } from '@ledgerflow/contracts';
import type {
  MemoryLabelsPage,
  MemoryLabelsRequest,
  MemoryWorkflowRequest,
  StepStats,
  StepStatsRequest,
  WorkflowInsights,
} from '@ledgerflow/contracts';
import { STEP_ID_PATTERN } from '@ledgerflow/domain';
import { validateBody } from '@ledgerflow/service-runtime';
import { MemoryProjection } from './memory.projection.js';

const WORKFLOW_ID = /^[a-z][a-z0-9-]{0,62}$/;

/** Labels per page when the request names no `limit`, and the most it may name. */
export const LABELS_DEFAULT_LIMIT = 100;
export const LABELS_MAX_LIMIT = 1000;

class StepStatsDto implements StepStatsRequest {
  @IsString() @Matches(WORKFLOW_ID) workflowId!: string;
}

class WorkflowDto implements MemoryWorkflowRequest {
  @IsString() @Matches(WORKFLOW_ID) workflowId!: string;
}

class LabelsDto implements MemoryLabelsRequest {
  @IsString() @Matches(WORKFLOW_ID) workflowId!: string;
  @IsOptional() @IsString() @Matches(STEP_ID_PATTERN) stepId?: string;
  @IsOptional() @IsString() @MaxLength(64) after?: string;
  @IsOptional() @IsInt() @Min(1) @Max(LABELS_MAX_LIMIT) limit?: number;
}

/**
 * Memory's queries (queue group `memory`), answered from its projection:
 * - `lf.memory.step-stats` `{workflowId}` -> `StepStats[]`;
 * - `lf.memory.insights` `{workflowId}` -> `WorkflowInsights` (the workflow's current scope; insights.ts);
 * - `lf.memory.labels` `{workflowId, stepId?, after?, limit?}` -> `MemoryLabelsPage`: labelled examples oldest first,
 *   `limit` 1..1000 (default 100), `after` the `next` of the previous page.
 * A malformed request fails with `request_invalid` (an unknown cursor too), not retryable.
 */
@Controller()
export class MemoryController {
  constructor(@Inject(MemoryProjection) private readonly projection: MemoryProjection) {}

  @MessagePattern(subjects.memoryStepStats)
  stepStats(@Payload() body: unknown): StepStats[] {
    return this.projection.stats(validateBody(StepStatsDto, body).workflowId);
  }

  @MessagePattern(subjects.memoryInsights)
  insights(@Payload() body: unknown): WorkflowInsights {
    return this.projection.insights(validateBody(WorkflowDto, body).workflowId);
  }

  @MessagePattern(subjects.memoryLabels)
  labels(@Payload() body: unknown): MemoryLabelsPage {
    const request = validateBody(LabelsDto, body);
    return this.projection.labels(request.workflowId, {
      ...(request.stepId === undefined ? {} : { stepId: request.stepId }),
      ...(request.after === undefined ? {} : { after: request.after }),
      limit: request.limit ?? LABELS_DEFAULT_LIMIT,
    });
  }
}
