import { Allow, IsInt, IsNotEmpty, IsString, Matches, Min } from 'class-validator';
import { INPUT_DIGEST_FORMAT } from '@ledgerflow/contracts';
import type { PolicyEvaluateRequest } from '@ledgerflow/contracts';

/**
 * The body of `lf.policy.evaluate` (see PolicyEvaluateRequest in @ledgerflow/contracts). Validated with
 * `forbidNonWhitelisted`: a body claiming an agent, capabilities, tool, action or policy tags is refused
 * with `request_invalid` (those facts come from the run's events only).
 */
export class PolicyEvaluateDto implements PolicyEvaluateRequest {
  @IsString() @IsNotEmpty() runId!: string;
  @IsString() @IsNotEmpty() stepId!: string;
  @IsInt() @Min(1) attempt!: number;
  @Allow() input!: unknown;
  @IsString() @Matches(INPUT_DIGEST_FORMAT, { message: 'inputDigest must be sha256:<64 lower-case hex digits>' }) inputDigest!: string;
}
