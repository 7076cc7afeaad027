import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayMinSize, IsArray, IsNotEmpty, IsString, ValidateNested } from 'class-validator';
import type { PolicyDryRunRequest, PolicyDryRunResult, PolicyDryRunStep, PolicyFacts } from '@ledgerflow/contracts';
import { MAX_PLAN_STEPS } from '@ledgerflow/domain';
import { evaluate } from '@ledgerflow/policy-engine';
import type { PolicyPackSet } from '@ledgerflow/policy-engine';

/** One proposed step of `lf.policy.dry-run` (PolicyDryRunStep in @ledgerflow/contracts). */
export class PolicyDryRunStepDto implements PolicyDryRunStep {
  @IsString() @IsNotEmpty() stepId!: string;
  @IsString() @IsNotEmpty() agent!: string;
  @IsArray() @IsString({ each: true }) agentCapabilities!: string[];
  @IsString() @IsNotEmpty() tool!: string;
  @IsString() @IsNotEmpty() action!: string;
  @IsArray() @IsString({ each: true }) policyTags!: string[];
  @Allow() input!: unknown;
}

/** The body of `lf.policy.dry-run`: a workflow id and 1..50 proposed steps. */
export class PolicyDryRunDto implements PolicyDryRunRequest {
  @IsString() @IsNotEmpty() workflowId!: string;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PLAN_STEPS)
  @ValidateNested({ each: true })
  @Type(() => PolicyDryRunStepDto)
  steps!: PolicyDryRunStepDto[];
}

/**
 * Run id in the facts of a dry run: `dry-run:<workflowId>`. No run exists; Cedar policies and obligation rules see
 * the same facts a run's step would give them otherwise (attempt 1).
 */
export const dryRunIdOf = (workflowId: string): string => `dry-run:${workflowId}`;

/**
 * `lf.policy.dry-run`: each proposed step evaluated as `lf.policy.evaluate` would evaluate it at attempt 1 with the
 * packs `packs` (the same `evaluate` of libs/policy-engine: capabilities, Cedar packs, approval, privacy and
 * compliance obligations), without a run, without a grant and without recording anything. Pure: the same request
 * and packs give the same answer.
 */
export function dryRun(request: PolicyDryRunRequest, packs: PolicyPackSet): PolicyDryRunResult {
  return {
    steps: request.steps.map((step) => {
      const facts: PolicyFacts = {
        runId: dryRunIdOf(request.workflowId),
        workflowId: request.workflowId,
        stepId: step.stepId,
        attempt: 1,
        agent: step.agent,
        agentCapabilities: step.agentCapabilities,
        tool: step.tool,
        action: step.action,
        policyTags: step.policyTags,
        input: step.input,
      };
      return { stepId: step.stepId, decision: evaluate(facts, packs) };
    }),
  };
}
