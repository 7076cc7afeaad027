import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type {
  EvaluationCaseResult,
  EvaluationRecorded,
  Insight,
  LabelledExample,
  RecommendationEvidence,
  RecommendationView,
  RecordEvaluationRequest,
  StepCalibration,
  UsageTotals,
  WorkflowInsights,
} from '@ledgerflow/contracts';
import { OptionalBody } from './body-validation.pipe.js';

/**
 * Request bodies and response schemas of memory's endpoints (memory-api.controller.ts; shapes from
 * `@ledgerflow/contracts`, memory.ts; formulas in docs/memory.md). Times are ISO-8601 UTC, durations milliseconds,
 * rates and confidences 0..1, costs US dollars.
 */

const anyObject = { type: 'object', additionalProperties: true } as const;
const figures = { type: 'object', additionalProperties: { type: 'number' } } as const;

/** Most cases one recorded evaluation holds (the body limit and the event size limit may bite first). */
export const MAX_EVALUATION_CASES = 10_000;
/** Most failures or checked steps one case holds. */
export const MAX_CASE_ITEMS = 1_000;
/** Longest comment on a recommendation decision, in characters (as on a gate decision). */
export const MAX_COMMENT_LENGTH = 2_000;

/** `POST /v1/recommendations/{id}/accept|reject`; no body is `{}`. */
@OptionalBody()
export class RecommendationDecisionBody {
  @ApiPropertyOptional({ maxLength: MAX_COMMENT_LENGTH, description: 'Recorded with the decision' })
  @IsOptional()
  @IsString()
  @Length(0, MAX_COMMENT_LENGTH)
  comment?: string;
}

/** One failed expectation of a golden-set case. */
export class EvaluationFailureBody {
  @ApiProperty({ maxLength: 200, description: 'The step, or `final`' })
  @IsString()
  @Length(1, 200)
  stepId!: string;

  @ApiProperty({ maxLength: 1000, description: "JSON path in the step's output, e.g. `$.amount`" })
  @IsString()
  @Length(0, 1000)
  path!: string;

  @ApiProperty({ maxLength: 2000 })
  @IsString()
  @Length(0, 2000)
  message!: string;
}

/** One checked step of a golden-set case. */
export class EvaluationStepBody {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  stepId!: string;

  @ApiProperty()
  @IsBoolean()
  passed!: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'The confidence the step reported' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  confidence?: number;
}

/** One case of a golden set as `ledgerflow eval` ran it. */
export class EvaluationCaseBody implements EvaluationCaseResult {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  caseId!: string;

  @ApiProperty({ maxLength: 80, description: 'The evaluation run' })
  @Matches(/^[A-Za-z0-9-]{1,80}$/, { message: 'runId must be 1..80 characters of A-Z a-z 0-9 -' })
  runId!: string;

  @ApiProperty()
  @IsBoolean()
  passed!: boolean;

  @ApiProperty({ type: [EvaluationFailureBody], maxItems: MAX_CASE_ITEMS })
  @IsArray()
  @ArrayMaxSize(MAX_CASE_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => EvaluationFailureBody)
  failures!: EvaluationFailureBody[];

  @ApiProperty({ minimum: 0, description: 'Milliseconds from trigger to the run ending' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  durationMs!: number;

  @ApiProperty({ minimum: 0, description: 'Gates the run opened' })
  @IsInt()
  @Min(0)
  escalations!: number;

  @ApiProperty({ type: [EvaluationStepBody], maxItems: MAX_CASE_ITEMS })
  @IsArray()
  @ArrayMaxSize(MAX_CASE_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => EvaluationStepBody)
  steps!: EvaluationStepBody[];
}

/**
 * `POST /v1/workflows/{workflowId}/evaluations`: a golden set's result (`RecordEvaluationRequest['evaluation']`);
 * `workflowId` may be left out (the path's), and must be the path's when given.
 */
export class RecordEvaluationBody implements Omit<RecordEvaluationRequest['evaluation'], 'workflowId'> {
  @ApiPropertyOptional({ description: 'The path id (400 request_invalid when another)' })
  @IsOptional()
  @IsString()
  @Length(1, 63)
  workflowId?: string;

  @ApiProperty({ maxLength: 100, description: 'The definition version evaluated (semver)' })
  @IsString()
  @Length(1, 100)
  workflowVersion!: string;

  @ApiProperty({ maxLength: 200, description: 'The golden set, e.g. its file name' })
  @IsString()
  @Length(1, 200)
  goldenSet!: string;

  @ApiProperty({ pattern: '^sha256:[0-9a-f]{64}$', description: "SHA-256 of the golden set's canonical JSON" })
  @Matches(/^sha256:[0-9a-f]{64}$/, { message: 'goldenSetDigest must be sha256:<64 lowercase hex digits>' })
  goldenSetDigest!: string;

  @ApiProperty({ minimum: 0, maximum: 1, description: 'Share of cases passed' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  passRate!: number;

  @ApiProperty({ type: [EvaluationCaseBody], maxItems: MAX_EVALUATION_CASES })
  @IsArray()
  @ArrayMaxSize(MAX_EVALUATION_CASES)
  @ValidateNested({ each: true })
  @Type(() => EvaluationCaseBody)
  cases!: EvaluationCaseBody[];
}

export class EvaluationRecordedResponse implements EvaluationRecorded {
  @ApiProperty() evaluationId!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty() workflowVersion!: string;
  @ApiProperty() goldenSet!: string;
  @ApiProperty() goldenSetDigest!: string;
  @ApiProperty() passRate!: number;
  @ApiProperty({ type: [EvaluationCaseBody] }) cases!: EvaluationCaseBody[];
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
}

export class EvidenceResponse implements RecommendationEvidence {
  @ApiProperty({ description: 'Production runs in scope the figures cover' }) runs!: number;
  @ApiProperty({ description: 'Occurrences of the pattern' }) occurrences!: number;
  @ApiPropertyOptional({ description: 'Of those, with the wanted outcome' }) succeeded?: number;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [String], description: 'Up to 10 runs showing it, oldest first' }) exampleRunIds!: string[];
  @ApiPropertyOptional({ ...figures, description: 'Kind-specific figures, e.g. p99DurationMs' })
  figures?: Record<string, number>;
}

export class InsightResponse implements Insight {
  @ApiProperty({
    enum: ['failure_cluster', 'slow_step', 'gate_wait', 'operator_fix', 'calibration', 'drift', 'usage'],
  })
  kind!: Insight['kind'];
  @ApiPropertyOptional() stepId?: string;
  @ApiProperty({
    description: 'One sentence, e.g. `fraud_screen fails with upstream_timeout in 12% of runs since ...`',
  })
  summary!: string;
  @ApiProperty({ type: EvidenceResponse }) evidence!: EvidenceResponse;
}

export class CalibrationBucketResponse {
  @ApiProperty() from!: number;
  @ApiProperty() to!: number;
  @ApiProperty() count!: number;
  @ApiProperty() meanConfidence!: number;
  @ApiProperty({ description: 'Share accepted unchanged' }) accepted!: number;
  @ApiProperty() corrected!: number;
  @ApiProperty() rejected!: number;
}

export class StepCalibrationResponse implements StepCalibration {
  @ApiProperty() stepId!: string;
  @ApiProperty({ description: 'Reviewer verdicts counted' }) reviewed!: number;
  @ApiProperty({ description: 'Σ (n_b/N)·|accepted_b − meanConfidence_b| (docs/memory.md)' })
  expectedCalibrationError!: number;
  @ApiProperty({ type: [CalibrationBucketResponse] }) buckets!: CalibrationBucketResponse[];
}

export class UsageTotalsResponse implements UsageTotals {
  @ApiProperty() inputTokens!: number;
  @ApiProperty() outputTokens!: number;
  @ApiProperty({ description: 'US dollars' }) costUsd!: number;
  @ApiProperty({ description: 'Step results that reported usage' }) steps!: number;
}

export class WorkflowUsageResponse extends UsageTotalsResponse {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/UsageTotalsResponse' },
    description: 'By step id',
  })
  byStep!: Record<string, UsageTotalsResponse>;
}

export class WorkflowInsightsResponse implements WorkflowInsights {
  @ApiProperty() workflowId!: string;
  @ApiProperty({ type: [String], description: "The definition's memoryScope tags, sorted" }) scope!: string[];
  @ApiProperty({ description: 'Production runs covered (evaluation runs excluded)' }) runs!: number;
  @ApiProperty({ type: [InsightResponse] }) insights!: InsightResponse[];
  @ApiProperty({ type: [StepCalibrationResponse] }) calibration!: StepCalibrationResponse[];
  @ApiProperty({ type: WorkflowUsageResponse }) usage!: WorkflowUsageResponse;
}

/** The statuses of a recommendation, in the order a recommendation goes through them. */
export const RECOMMENDATION_STATUSES = ['proposed', 'accepted', 'rejected', 'applied'] as const;

export class RecommendationResponse implements RecommendationView {
  @ApiProperty({ description: '<workflowId>.<kind>.<12 hex>' }) recommendationId!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ type: [String] }) scope!: string[];
  @ApiProperty({
    enum: ['add_recovery_rule', 'raise_step_timeout', 'add_pre_validation', 'adjust_confidence_threshold'],
  })
  kind!: RecommendationView['kind'];
  @ApiProperty() summary!: string;
  @ApiProperty({ type: EvidenceResponse }) evidence!: EvidenceResponse;
  @ApiProperty({ ...figures, description: 'Projected from the history (docs/memory.md)' })
  projectedEffect!: Record<string, number>;
  @ApiProperty({ ...anyObject, description: 'A rule ({rule}), or a step change ({stepId, timeoutMs|minConfidence})' })
  proposal!: RecommendationView['proposal'];
  @ApiProperty({ format: 'date-time' }) proposedAt!: string;
  @ApiProperty({ enum: RECOMMENDATION_STATUSES }) status!: RecommendationView['status'];
  @ApiPropertyOptional() decidedBy?: string;
  @ApiPropertyOptional({ format: 'date-time' }) decidedAt?: string;
  @ApiPropertyOptional() comment?: string;
  @ApiPropertyOptional({ ...anyObject, description: 'RecommendationApplied: the rule or definition version' })
  applied?: RecommendationView['applied'];
  @ApiPropertyOptional({ ...anyObject, description: 'RecommendationImpactMeasured: figures before and after' })
  impact?: RecommendationView['impact'];
}

/** One line of `GET /v1/workflows/{workflowId}/labels` (documented as the line's schema). */
export class LabelledExampleResponse implements LabelledExample {
  @ApiProperty() runId!: string;
  @ApiProperty() stepId!: string;
  @ApiProperty({ description: "The step's input" }) input!: unknown;
  @ApiProperty({ description: "The model's output" }) output!: unknown;
  @ApiProperty({ description: "The reviewer's correction (ground truth)" }) correctedOutput!: unknown;
  @ApiProperty({ enum: ['accepted', 'corrected', 'rejected'] }) verdict!: LabelledExample['verdict'];
  @ApiPropertyOptional() confidence?: number;
  @ApiProperty() reviewer!: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}
