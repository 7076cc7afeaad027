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
import type { EvaluationCaseResult, RecordEvaluationRequest } from '@ledgerflow/contracts';
import { ForwardedCallerDto } from '@ledgerflow/service-runtime';

/**
 * The body of `lf.memory.record-evaluation` (`RecordEvaluationRequest` in @ledgerflow/contracts), as the gateway
 * forwards `POST /v1/workflows/{id}/evaluations` (the same limits as its `RecordEvaluationBody`). Checked by
 * `validateBody`: every failing field is named (`request_invalid`, e.g. `evaluation.cases.0.runId: ...`).
 */

/** Most cases one recorded evaluation holds. */
export const MAX_EVALUATION_CASES = 10_000;
/** Most failures or checked steps one case holds. */
export const MAX_CASE_ITEMS = 1_000;

class EvaluationFailureDto {
  @IsString() @Length(1, 200) stepId!: string;
  @IsString() @Length(0, 1000) path!: string;
  @IsString() @Length(0, 2000) message!: string;
}

class EvaluationStepDto {
  @IsString() @Length(1, 200) stepId!: string;
  @IsBoolean() passed!: boolean;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) confidence?: number;
}

class EvaluationCaseDto implements EvaluationCaseResult {
  @IsString() @Length(1, 200) caseId!: string;
  @Matches(/^[A-Za-z0-9-]{1,80}$/, { message: 'runId must be 1..80 characters of A-Z a-z 0-9 -' }) runId!: string;
  @IsBoolean() passed!: boolean;

  @IsArray()
  @ArrayMaxSize(MAX_CASE_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => EvaluationFailureDto)
  failures!: EvaluationFailureDto[];

  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) durationMs!: number;
  @IsInt() @Min(0) escalations!: number;

  @IsArray()
  @ArrayMaxSize(MAX_CASE_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => EvaluationStepDto)
  steps!: EvaluationStepDto[];
}

type EvaluationRequest = RecordEvaluationRequest['evaluation'];

class EvaluationDto implements EvaluationRequest {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'workflowId must match ^[a-z][a-z0-9-]{0,62}$' })
  workflowId!: string;

  @IsString() @Length(1, 100) workflowVersion!: string;
  @IsString() @Length(1, 200) goldenSet!: string;

  @Matches(/^sha256:[0-9a-f]{64}$/, { message: 'goldenSetDigest must be sha256:<64 lowercase hex digits>' })
  goldenSetDigest!: string;

  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) passRate!: number;

  @IsArray()
  @ArrayMaxSize(MAX_EVALUATION_CASES)
  @ValidateNested({ each: true })
  @Type(() => EvaluationCaseDto)
  cases!: EvaluationCaseDto[];
}

/** `lf.memory.record-evaluation`: the evaluation and the caller the gateway authenticated (token or service account). */
export class RecordEvaluationDto extends ForwardedCallerDto implements RecordEvaluationRequest {
  @ValidateNested()
  @Type(() => EvaluationDto)
  evaluation!: EvaluationDto;
}
