import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { subjects } from '@ledgerflow/contracts';
import type {
  DecideRecommendationRequest,
  DriftDetected,
  EvaluationRecorded,
  Insight,
  MemoryLabelsPage,
  MemoryLabelsRequest,
  MemoryWorkflowRequest,
  StepStats,
  RecommendationView,
  StepStatsRequest,
  WorkflowInsights,
} from '@ledgerflow/contracts';
import { STEP_ID_PATTERN } from '@ledgerflow/domain';
import { ForwardedCallerDto, validateBody } from '@ledgerflow/service-runtime';
import { DriftRecorder } from './drift/drift-recorder.js';
import { EvaluationLedger } from './evaluations.js';
import { RecordEvaluationDto } from './evaluations.dto.js';
import { MemoryProjection } from './memory.projection.js';
import { RecommendationService } from './recommendations/recommendation.service.js';

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

class DecideRecommendationDto extends ForwardedCallerDto implements DecideRecommendationRequest {
  @IsString() @MaxLength(200) recommendationId!: string;
  @IsIn(['accept', 'reject']) decision!: 'accept' | 'reject';
  @IsOptional() @IsString() @MaxLength(2000) comment?: string;
}

/** A drift detection as an insight: the statistic against its threshold, over the windows compared. */
export function driftInsight(detection: DriftDetected): Insight {
  const statistic = detection.statistic === 'psi' ? 'PSI' : '|z|';
  return {
    kind: 'drift',
    stepId: detection.stepId,
    summary:
      `${detection.stepId}: the ${detection.signal.replace('_', ' ')} drifted (${statistic} ` +
      `${detection.value.toFixed(2)} >= ${detection.threshold}) on ${detection.detectedAt.slice(0, 10)}`,
    evidence: {
      runs: detection.currentWindow,
      occurrences: 1,
      from: detection.detectedAt,
      to: detection.detectedAt,
      exampleRunIds: [],
      figures: {
        value: detection.value,
        threshold: detection.threshold,
        referenceWindow: detection.referenceWindow,
        currentWindow: detection.currentWindow,
      },
    },
  };
}

/**
 * Memory's queries and commands (queue group `memory`), answered from its projection:
 * - `lf.memory.step-stats` `{workflowId}` -> `StepStats[]`;
 * - `lf.memory.insights` `{workflowId}` -> `WorkflowInsights` (the workflow's current scope; insights.ts);
 * - `lf.memory.labels` `{workflowId, stepId?, after?, limit?}` -> `MemoryLabelsPage`: labelled examples oldest first,
 *   `limit` 1..1000 (default 100), `after` the `next` of the previous page.
 * - `lf.memory.recommendations` `{workflowId}` -> `RecommendationView[]` (from `memory-<workflowId>`);
 * - `lf.memory.decide-recommendation` `DecideRecommendationRequest` -> `RecommendationView` (`RecommendationService`);
 * - `lf.memory.record-evaluation` `RecordEvaluationRequest` -> `EvaluationRecorded`; `lf.memory.evaluations`
 *   `{workflowId}` -> `EvaluationRecorded[]` (`EvaluationLedger`).
 * Insights carry the workflow's latest drift detections (`kind: drift`) besides the projection's findings.
 * A malformed request fails with `request_invalid` (an unknown cursor too), not retryable.
 */
@Controller()
export class MemoryController {
  constructor(
    @Inject(MemoryProjection) private readonly projection: MemoryProjection,
    @Inject(DriftRecorder) private readonly drift: DriftRecorder,
    @Inject(RecommendationService) private readonly recommendations: RecommendationService,
    @Inject(EvaluationLedger) private readonly evaluations: EvaluationLedger,
  ) {}

  @MessagePattern(subjects.memoryStepStats)
  stepStats(@Payload() body: unknown): StepStats[] {
    return this.projection.stats(validateBody(StepStatsDto, body).workflowId);
  }

  @MessagePattern(subjects.memoryInsights)
  insights(@Payload() body: unknown): WorkflowInsights {
    const { workflowId } = validateBody(WorkflowDto, body);
    const found = this.projection.insights(workflowId);
    const drift = this.drift.recent(workflowId).map(driftInsight);
    return drift.length === 0 ? found : { ...found, insights: [...found.insights, ...drift] };
  }

  @MessagePattern(subjects.memoryRecommendations)
  recommendationsOf(@Payload() body: unknown): Promise<RecommendationView[]> {
    return this.recommendations.list(validateBody(WorkflowDto, body).workflowId);
  }

  @MessagePattern(subjects.memoryDecideRecommendation)
  decideRecommendation(@Payload() body: unknown): Promise<RecommendationView> {
    return this.recommendations.decide(validateBody(DecideRecommendationDto, body));
  }

  @MessagePattern(subjects.memoryRecordEvaluation)
  recordEvaluation(@Payload() body: unknown): Promise<EvaluationRecorded> {
    return this.evaluations.record(validateBody(RecordEvaluationDto, body));
  }

  @MessagePattern(subjects.memoryEvaluations)
  evaluationsOf(@Payload() body: unknown): Promise<EvaluationRecorded[]> {
    return this.evaluations.list(validateBody(WorkflowDto, body).workflowId);
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
