import { DomainError, decide, parseGateId } from '@ledgerflow/domain';
import type { Actor, DecideGateResult } from '@ledgerflow/contracts';
import type { PlanStep } from '@ledgerflow/domain';
import { RunRepository } from '@ledgerflow/service-runtime';
import type { DecideGateDto, RevisionStepDto } from './decide-gate.dto.js';

/**
 * A decision as the decider takes it: the request's fields with the reviewer as verified from their token
 * (the controller verifies; see approval.controller.ts).
 */
export type GateDecision = Omit<DecideGateDto, 'token'> & {
  readonly reviewer: Actor & { readonly roles?: readonly string[]; readonly teams?: readonly string[] };
};

/** Defaults of a step added by a redirect: one attempt, 30 s timeout, required, no tags, no dependencies, name = id. */
export function toPlanStep(step: RevisionStepDto): PlanStep {
  return {
    id: step.id,
    name: step.name ?? step.id,
    tool: step.tool,
    action: step.action,
    agent: step.agent,
    dependsOn: step.dependsOn ?? [],
    input: step.input ?? {},
    retry: step.retry ?? { maxAttempts: 1, backoffMs: 1000, multiplier: 2, maxBackoffMs: 60_000 },
    timeoutMs: step.timeoutMs ?? 30_000,
    optional: step.optional ?? false,
    policyTags: step.policyTags ?? [],
    ...(step.minConfidence === undefined ? {} : { minConfidence: step.minConfidence }),
  };
}

/**
 * Records a reviewer's decision on a gate (`GateDecided`, and for a redirect `PlanRevised`). The Run aggregate
 * enforces who may decide: only a human the gate names by id, role or team (`RUN.REVIEWER_NOT_NAMED`,
 * `RUN.ACTOR_CANNOT_DECIDE`), and only once (`RUN.GATE_ALREADY_DECIDED`). The reviewer is the events' `metadata.actor`
 * (`via: approval`), as well as `GateDecided.reviewer`.
 * @throws DomainError `RUN.GATE_NOT_FOUND` for an id that names no gate; the aggregate's codes otherwise.
 */
export class GateDecider {
  constructor(private readonly runs: RunRepository) {}

  async decide(request: GateDecision): Promise<DecideGateResult> {
    const ids = parseGateId(request.gateId);
    if (!ids) throw new DomainError('RUN.GATE_NOT_FOUND', `gate ${request.gateId} does not exist`);
    const { reviewer, outcome, comment, revision, correctedOutput } = request;
    await this.runs.execute(
      ids.runId,
      (state, now, run) => {
        if (state.status === 'none')
          throw new DomainError('RUN.GATE_NOT_FOUND', `gate ${request.gateId} does not exist`);
        return decide(
          {
            type: 'DecideGate',
            data: {
              gateId: request.gateId,
              reviewer: {
                kind: reviewer.kind,
                id: reviewer.id,
                ...(reviewer.roles ? { roles: reviewer.roles } : {}),
                ...(reviewer.teams ? { teams: reviewer.teams } : {}),
              },
              outcome,
              ...(comment !== undefined ? { comment } : {}),
              ...(revision !== undefined
                ? { revision: { addSteps: revision.addSteps.map(toPlanStep), removeStepIds: revision.removeStepIds } }
                : {}),
              ...(correctedOutput !== undefined ? { correctedOutput } : {}),
              runDurationMs: RunRepository.runDurationMs(run, now),
            },
          },
          state,
          { now },
        );
      },
      { causationId: `decision:${request.gateId}`, actor: reviewer },
    );
    return {
      gateId: request.gateId,
      runId: ids.runId,
      outcome: outcome === 'approve' ? 'approved' : outcome === 'reject' ? 'rejected' : 'redirected',
    };
  }
}
