import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

const STEP_ID = /^[a-z][a-z0-9_-]{0,62}$/;

class RetryDto {
  @IsInt() @Min(1) @Max(100) maxAttempts!: number;
  @IsNumber() @Min(0) backoffMs!: number;
  @IsNumber() @Min(1) multiplier!: number;
  @IsNumber() @Min(0) maxBackoffMs!: number;
}

/**
 * A step a reviewer adds with a redirect. Only `id`, `tool`, `action` and `agent` are required; the rest
 * default (see `toPlanStep` in decide-gate.ts). The Run aggregate validates it like any plan step.
 */
export class RevisionStepDto {
  @IsString() @Matches(STEP_ID, { message: 'id must match ^[a-z][a-z0-9_-]{0,62}$' }) id!: string;
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsString() @Length(1, 63) tool!: string;
  @IsString() @Length(1, 63) action!: string;
  @IsString() @Length(1, 63) agent!: string;
  @IsOptional() @IsArray() @IsString({ each: true }) dependsOn?: string[];
  @IsOptional() input?: unknown;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => RetryDto) retry?: RetryDto;
  @IsOptional() @IsNumber() @Min(1) timeoutMs?: number;
  @IsOptional() @IsBoolean() optional?: boolean;
  @IsOptional() @IsNumber() @Min(0) @Max(1) minConfidence?: number;
  @IsOptional() @IsArray() @IsString({ each: true }) policyTags?: string[];
}

export class RevisionDto {
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RevisionStepDto)
  addSteps!: RevisionStepDto[];
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) removeStepIds!: string[];
}

/**
 * The body of `lf.approval.decide-gate`: `DecideGateRequest` of @ledgerflow/contracts. `token` is the
 * reviewer's own bearer JWT (forwarded by the gateway); the reviewer is taken from it, never from the body.
 */
export class DecideGateDto {
  @IsString()
  @Matches(/^[^.\s]+\.[a-z][a-z0-9_-]{0,62}$/, { message: 'gateId must be <runId>.<stepId>' })
  gateId!: string;

  /** The reviewer's bearer JWT, verified by the approval service (at most 16 KiB). */
  @IsString()
  @Length(1, 16_384)
  token!: string;

  @IsIn(['approve', 'reject', 'redirect'])
  outcome!: 'approve' | 'reject' | 'redirect';

  @IsOptional()
  @IsString()
  @Length(0, 2000)
  comment?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RevisionDto)
  revision?: RevisionDto;

  @IsOptional()
  correctedOutput?: unknown;
}
