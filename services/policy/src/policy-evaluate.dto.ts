import { Allow, IsArray, IsInt, IsNotEmpty, IsString, Min } from 'class-validator';
import type { PolicyEvaluateRequest } from '@ledgerflow/contracts';

/** The body of `lf.policy.evaluate` (see PolicyEvaluateRequest in @ledgerflow/contracts). */
export class PolicyEvaluateDto implements PolicyEvaluateRequest {
  @IsString() @IsNotEmpty() runId!: string;
  @IsString() @IsNotEmpty() workflowId!: string;
  @IsString() @IsNotEmpty() stepId!: string;
  @IsInt() @Min(1) attempt!: number;
  @IsString() @IsNotEmpty() agent!: string;
  @IsArray() @IsString({ each: true }) agentCapabilities!: string[];
  @IsString() @IsNotEmpty() tool!: string;
  @IsString() @IsNotEmpty() action!: string;
  @IsArray() @IsString({ each: true }) policyTags!: string[];
  @Allow() input!: unknown;
}
