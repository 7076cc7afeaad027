import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { subjects } from '@ledgerflow/contracts';
import { extractTraceContext } from '@ledgerflow/messaging';
import { validateBody } from '@ledgerflow/service-runtime';
import { withSpan } from '@ledgerflow/telemetry';
import { GateDecider } from './decide-gate.js';
import type { GateDecisionResult } from './decide-gate.js';
import { DecideGateDto } from './decide-gate.dto.js';

/** `lf.approval.decide-gate`: a reviewer's decision, forwarded by the gateway after authentication. */
@Controller()
export class ApprovalController {
  constructor(@Inject(GateDecider) private readonly decider: GateDecider) {}

  @MessagePattern(subjects.approvalDecideGate)
  decide(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<GateDecisionResult> {
    return withSpan('approval.decide-gate', { parent: extractTraceContext(context.getHeaders()) }, () =>
      this.decider.decide(validateBody(DecideGateDto, body)),
    );
  }
}
