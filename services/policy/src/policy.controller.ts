import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { subjects } from '@ledgerflow/contracts';
import type { PolicyEvaluation } from '@ledgerflow/contracts';
import { extractTraceContext } from '@ledgerflow/messaging';
import { validateBody } from '@ledgerflow/service-runtime';
import { ledgerflowMetrics, withSpan } from '@ledgerflow/telemetry';
import { evaluateAction } from './evaluate-action.js';
import { PolicyEvaluateDto } from './policy-evaluate.dto.js';
import type { PolicyPack } from './policy-pack.js';

export const POLICY_PACKS = Symbol('ledgerflow.policy-packs');

/** `lf.policy.evaluate`: decides whether a step's action may run (queue group `policy`). */
@Controller()
export class PolicyController {
  constructor(@Inject(POLICY_PACKS) private readonly packs: readonly PolicyPack[]) {}

  @MessagePattern(subjects.policyEvaluate)
  evaluate(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<PolicyEvaluation> {
    const parent = extractTraceContext(context.getHeaders());
    return withSpan('policy.evaluate', { parent }, (span) => {
      const request = validateBody(PolicyEvaluateDto, body);
      const decision = evaluateAction(request, this.packs);
      span.setAttributes({ 'ledgerflow.step_id': request.stepId, 'ledgerflow.policy.outcome': decision.outcome });
      ledgerflowMetrics().policyDecisions.add(1, { outcome: decision.outcome });
      return { decision };
    });
  }
}
