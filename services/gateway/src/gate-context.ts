import { parseGateId } from '@ledgerflow/domain';
import type { ConfidenceException, GateState, RuleResult, RunState } from '@ledgerflow/domain';

/** An upstream step as the reviewer sees it: its output as stored (masked or tokenized by the privacy obligations before storage). */
export interface UpstreamStepView {
  stepId: string;
  name: string;
  tool: string;
  action: string;
  status: string;
  output?: unknown;
  confidence?: number;
  cumulativeConfidence?: number;
}

/**
 * The body of `GET /v1/gates/{gateId}`: what a reviewer needs to decide. `gate`: the gate as folded from the
 * run; `upstream`: every step the gated step depends on, directly or not, in plan order, with its output;
 * `pending`: the gated step's action (tool, action, agent) and its resolved input when recorded (a step
 * awaiting approval has not started, so only a started step has one); `rules`: the policy rules that
 * required the gate (`enforced`), with the decision's rationale and audit id; `exception`: the
 * explainable-exception package of a `confidence` gate (input, output, reasoning, confidence, cumulative
 * confidence, threshold, alternatives).
 */
export interface GateContextView {
  gate: GateState;
  run: { runId: string; workflowId?: string; workflowVersion?: string; status: string };
  upstream: UpstreamStepView[];
  pending: {
    stepId: string;
    name?: string;
    tool?: string;
    action?: string;
    agent?: string;
    status?: string;
    attempt: number;
    input?: unknown;
    output?: unknown;
  };
  rules: RuleResult[];
  policy?: { outcome: string; rationale: string; auditId: string };
  exception?: ConfidenceException;
}

function upstreamIds(state: RunState, stepId: string): Set<string> {
  const byId = new Map((state.plan?.steps ?? []).map((step) => [step.id, step] as const));
  const found = new Set<string>();
  const visit = (id: string): void => {
    for (const dependency of byId.get(id)?.dependsOn ?? []) {
      if (found.has(dependency)) continue;
      found.add(dependency);
      visit(dependency);
    }
  };
  visit(stepId);
  return found;
}

/** The reviewer's context of `gateId` in the run `state`, or undefined when the run holds no such gate. */
export function gateContext(state: RunState, gateId: string): GateContextView | undefined {
  const gate = state.gates[gateId];
  const ids = parseGateId(gateId);
  if (!gate || !ids) return undefined;
  const planStep = state.plan?.steps.find((step) => step.id === gate.stepId);
  const stepState = state.steps[gate.stepId];
  const above = upstreamIds(state, gate.stepId);
  const upstream = (state.plan?.steps ?? [])
    .filter((step) => above.has(step.id))
    .map((step) => {
      const s = state.steps[step.id];
      return {
        stepId: step.id,
        name: step.name,
        tool: step.tool,
        action: step.action,
        status: s?.status ?? 'pending',
        ...(s?.output === undefined ? {} : { output: s.output }),
        ...(s?.confidence === undefined ? {} : { confidence: s.confidence }),
        ...(s?.cumulativeConfidence === undefined ? {} : { cumulativeConfidence: s.cumulativeConfidence }),
      };
    });
  const decision = stepState?.decision;
  return {
    gate,
    run: {
      runId: ids.runId,
      ...(state.workflowId ? { workflowId: state.workflowId } : {}),
      ...(state.workflowVersion ? { workflowVersion: state.workflowVersion } : {}),
      status: state.status,
    },
    upstream,
    pending: {
      stepId: gate.stepId,
      attempt: gate.attempt,
      ...(planStep ? { name: planStep.name, tool: planStep.tool, action: planStep.action, agent: planStep.agent } : {}),
      ...(stepState ? { status: stepState.status } : {}),
      ...(stepState?.input === undefined ? {} : { input: stepState.input }),
      ...(stepState?.output === undefined || gate.source !== 'confidence' ? {} : { output: stepState.output }),
    },
    rules: gate.source === 'policy' ? (decision?.rules ?? []).filter((rule) => rule.result === 'enforced') : [],
    ...(decision && gate.source === 'policy'
      ? { policy: { outcome: decision.outcome, rationale: decision.rationale, auditId: decision.auditId } }
      : {}),
    ...(gate.exception ? { exception: gate.exception } : {}),
  };
}
