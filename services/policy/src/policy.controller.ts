import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { subjects } from '@ledgerflow/contracts';
import type { PolicyEvaluation } from '@ledgerflow/contracts';
import { extractTraceContext } from '@ledgerflow/messaging';
import { validateBody } from '@ledgerflow/service-runtime';
import { ledgerflowMetrics, withSpan } from '@ledgerflow/telemetry';
import { PolicyEvaluateDto } from './policy-evaluate.dto.js';
import { PolicyEvaluator } from './policy-evaluator.js';

/**
 * `lf.policy.evaluate`: decides whether a step's action may run (queue group `policy`), from the run's
 * events; errors `request_invalid`, `run_not_found`, `step_not_found` are error replies (PolicyEvaluator).
 */
@Controller()
export class PolicyController {
  constructor(@Inject(PolicyEvaluator) private readonly evaluator: PolicyEvaluator) {}

  @MessagePattern(subjects.policyEvaluate)
  evaluate(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<PolicyEvaluation> {
    const parent = extractTraceContext(context.getHeaders());
    return withSpan('policy.evaluate', { parent }, async (span) => {
      const request = validateBody(PolicyEvaluateDto, body);
      const evaluation = await this.evaluator.evaluate(request);
      const { outcome, auditId } = evaluation.decision;
      span.setAttributes({
        'ledgerflow.step_id': request.stepId, 'ledgerflow.attempt': request.attempt, 'ledgerflow.policy.outcome': outcome, 'ledgerflow.policy.audit_id': auditId,
        'ledgerflow.policy.grant': evaluation.grant === undefined ? `withheld:${evaluation.withheld?.code ?? 'unknown'}` : 'issued',
      });
      ledgerflowMetrics().policyDecisions.add(1, { outcome });
      return evaluation;
    });
  }
}
