import { DomainError, decide, parseGateId } from '@ledgerflow/domain';
import type { DecideGateRequest, DecideGateResult } from '@ledgerflow/contracts';
import type { RunRepository } from '@ledgerflow/service-runtime';

/**
 * Records a reviewer's decision on a gate (`GateDecided`). The Run aggregate enforces who may decide:
 * only a human the gate names (`RUN.REVIEWER_NOT_NAMED`, `RUN.ACTOR_CANNOT_DECIDE`), and only once
 * (`RUN.GATE_ALREADY_DECIDED`).
 * @throws DomainError `RUN.GATE_NOT_FOUND` for an id that names no gate.
 */
export class GateDecider {
  constructor(private readonly runs: RunRepository) {}

  async decide(request: DecideGateRequest): Promise<DecideGateResult> {
    const ids = parseGateId(request.gateId);
    if (!ids) throw new DomainError('RUN.GATE_NOT_FOUND', `gate ${request.gateId} does not exist`);
    await this.runs.execute(
      ids.runId,
      (state, now) => {
        if (state.status === 'none') throw new DomainError('RUN.GATE_NOT_FOUND', `gate ${request.gateId} does not exist`);
        return decide(
          {
            type: 'DecideGate',
            data: {
              gateId: request.gateId,
              reviewer: request.reviewer,
              outcome: request.outcome,
              ...(request.comment !== undefined ? { comment: request.comment } : {}),
            },
          },
          state,
          { now },
        );
      },
      { causationId: `decision:${request.gateId}` },
    );
    return { gateId: request.gateId, runId: ids.runId, outcome: request.outcome === 'approve' ? 'approved' : 'rejected' };
  }
}
