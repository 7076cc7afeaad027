import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { SCOPES, subjects } from '@ledgerflow/contracts';
import { BearerVerifier, requireHuman, requireScope, reviewerOf } from '@ledgerflow/auth';
import { extractTraceContext } from '@ledgerflow/messaging';
import { validateBody } from '@ledgerflow/service-runtime';
import { withSpan } from '@ledgerflow/telemetry';
import { GateDecider } from './decide-gate.js';
import type { GateDecisionResult } from './decide-gate.js';
import { DecideGateDto } from './decide-gate.dto.js';

/**
 * `lf.approval.decide-gate`: a reviewer's decision, forwarded by the gateway with the reviewer's own bearer
 * JWT. The message is a request, not a fact: the reviewer is whoever the token proves (its `sub`, `roles`,
 * `teams`), it must be a human holding `gates:decide`, and the Run aggregate checks that the gate names them.
 * Errors: `unauthorized` (a token that does not verify), `forbidden` (no `gates:decide`), `human_required`.
 */
@Controller()
export class ApprovalController {
  constructor(
    @Inject(GateDecider) private readonly decider: GateDecider,
    @Inject(BearerVerifier) private readonly verifier: BearerVerifier,
  ) {}

  @MessagePattern(subjects.approvalDecideGate)
  decide(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<GateDecisionResult> {
    return withSpan('approval.decide-gate', { parent: extractTraceContext(context.getHeaders()) }, async () => {
      const { token, ...decision } = validateBody(DecideGateDto, body);
      const who = await this.verifier.verify(token);
      requireScope(who, [SCOPES.gatesDecide]);
      requireHuman(who);
      return this.decider.decide({ ...decision, reviewer: reviewerOf(who) });
    });
  }
}
