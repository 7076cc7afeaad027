import type { PolicyDecision } from '@ledgerflow/domain';

/**
 * One proposed step of a plan not yet recorded (a generated plan, docs/planning.md): what `lf.policy.evaluate` reads
 * from a run's plan, given here by the planner from the goal template (`agentCapabilities`: the capabilities the
 * template declares for `agent`) and the generated step (`input`: its input template resolved over the run input as
 * far as it goes; values of upstream outputs are absent).
 */
export interface PolicyDryRunStep {
  readonly stepId: string;
  readonly agent: string;
  readonly agentCapabilities: readonly string[];
  readonly tool: string;
  readonly action: string;
  readonly policyTags: readonly string[];
  readonly input: unknown;
}

/** Request on `lf.policy.dry-run` (1..50 steps of one workflow). Only the planner may publish it. */
export interface PolicyDryRunRequest {
  readonly workflowId: string;
  readonly steps: readonly PolicyDryRunStep[];
}

/**
 * The decision for one proposed step, as `lf.policy.evaluate` would make it with the packs in force now (`outcome`
 * `allow | deny | require_approval`, every rule's result, rationale, the approval gate): no grant is signed, nothing
 * is recorded. `auditId` is that of a dry run (its facts name no run).
 */
export interface PolicyDryRunStepResult {
  readonly stepId: string;
  readonly decision: PolicyDecision;
}

/** The answer on `lf.policy.dry-run`: one result per step, in request order. */
export interface PolicyDryRunResult {
  readonly steps: readonly PolicyDryRunStepResult[];
}
