import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { SCOPES, subjects, type DecideGateResult } from '@ledgerflow/contracts';
import { BearerVerifier, requireHuman, requireScope, reviewerOf } from '@ledgerflow/auth';
import { validateBody } from '@ledgerflow/service-runtime';
import { withRequestSpan } from '@ledgerflow/messaging';
import { SpanAttr, traceparentOf } from '@ledgerflow/telemetry';
import { GateDecider } from './decide-gate.js';
import { DecideGateDto } from './decide-gate.dto.js';
import { GateOpenings } from './gate-openings.js';
import { OpenGatesDto } from './open-gates.dto.js';

/**
 * `lf.approval.decide-gate`: a reviewer's decision, forwarded by the gateway with the reviewer's own bearer
 * JWT. The message is a request, not a fact: the reviewer is whoever the token proves (its `sub`, `roles`,
 * `teams`), it must be a human holding `gates:decide`, and the Run aggregate checks that the gate names them.
 * Errors: `unauthorized` (a token that does not verify), `forbidden` (no `gates:decide`), `human_required`.
 * Each request runs in its span `process <subject>` (`withRequestSpan`), a child of the caller's.
 */
@Controller()
export class ApprovalController {
  constructor(
    @Inject(GateDecider) private readonly decider: GateDecider,
    @Inject(BearerVerifier) private readonly verifier: BearerVerifier,
    @Inject(GateOpenings) private readonly openings: GateOpenings,
  ) {}

  /**
   * `lf.approval.open-gates` {runId}: the executor, after a pass in which the run waits for a gate (a policy
   * decision requiring approval, a step whose definition declares a gate, a result held for review), asks approval
   * to open it. Only the executor may publish here (NATS permissions), and the request is a nudge, not a fact:
   * approval opens exactly the gates the run's events call for (`gatesToOpen`), idempotently, and answers the ids
   * of the steps whose gate it opened (`[]` when none was due or another replica was first). Errors:
   * `validation_failed` (no run id), `integrity_failed` (the run's chain does not verify).
   */
  @MessagePattern(subjects.approvalOpenGates)
  openGates(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<{ opened: string[] }> {
    return withRequestSpan(context, {}, async (span) => {
      const { runId } = validateBody(OpenGatesDto, body);
      span.setAttribute(SpanAttr.runId, runId);
      // Each gate's span is a child of this request's.
      return { opened: await this.openings.openGates(runId, traceparentOf().traceparent) };
    });
  }

  @MessagePattern(subjects.approvalDecideGate)
  decide(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<DecideGateResult> {
    return withRequestSpan(context, {}, async () => {
      const { token, ...decision } = validateBody(DecideGateDto, body);
      const who = await this.verifier.verify(token);
      requireScope(who, [SCOPES.gatesDecide]);
      requireHuman(who);
      return this.decider.decide({ ...decision, reviewer: reviewerOf(who) });
    });
  }
}
