import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { subjects } from '@ledgerflow/contracts';
import type { DecideRecommendationRequest, EvaluationRecorded, RecommendationView } from '@ledgerflow/contracts';
import { withRequestSpan } from '@ledgerflow/messaging';
import { ForwardedCallerDto, validateBody } from '@ledgerflow/service-runtime';
import { EvaluationLedger } from './evaluations.js';
import { RecordEvaluationDto } from './evaluations.dto.js';
import { WorkflowDto } from './memory-queries.js';
import { RecommendationService } from './recommendations/recommendation.service.js';

class DecideRecommendationDto extends ForwardedCallerDto implements DecideRecommendationRequest {
  @IsString() @MaxLength(200) recommendationId!: string;
  @IsIn(['accept', 'reject']) decision!: 'accept' | 'reject';
  @IsOptional() @IsString() @MaxLength(2000) comment?: string;
}

/**
 * Memory's requests answered from the event store, by any replica (queue group `memory`), each in its span
 * `process <subject>` (`withRequestSpan`, a child of the caller's):
 * - `lf.memory.recommendations` `{workflowId}` -> `RecommendationView[]` (from `memory-<workflowId>`);
 * - `lf.memory.decide-recommendation` `DecideRecommendationRequest` -> `RecommendationView` (`RecommendationService`);
 * - `lf.memory.record-evaluation` `RecordEvaluationRequest` -> `EvaluationRecorded`; `lf.memory.evaluations`
 *   `{workflowId}` -> `EvaluationRecorded[]` (`EvaluationLedger`).
 * The queries of the projection (step statistics, insights, labels) are `MemoryQueries`, served by the lease holder
 * alone. A malformed request fails with `request_invalid`, not retryable.
 */
@Controller()
export class MemoryController {
  constructor(
    @Inject(RecommendationService) private readonly recommendations: RecommendationService,
    @Inject(EvaluationLedger) private readonly evaluations: EvaluationLedger,
  ) {}

  @MessagePattern(subjects.memoryRecommendations)
  recommendationsOf(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<RecommendationView[]> {
    return withRequestSpan(context, {}, () => this.recommendations.list(validateBody(WorkflowDto, body).workflowId));
  }

  @MessagePattern(subjects.memoryDecideRecommendation)
  decideRecommendation(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<RecommendationView> {
    return withRequestSpan(context, {}, () => this.recommendations.decide(validateBody(DecideRecommendationDto, body)));
  }

  @MessagePattern(subjects.memoryRecordEvaluation)
  recordEvaluation(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<EvaluationRecorded> {
    return withRequestSpan(context, {}, () => this.evaluations.record(validateBody(RecordEvaluationDto, body)));
  }

  @MessagePattern(subjects.memoryEvaluations)
  evaluationsOf(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<EvaluationRecorded[]> {
    return withRequestSpan(context, {}, () => this.evaluations.list(validateBody(WorkflowDto, body).workflowId));
  }
}
