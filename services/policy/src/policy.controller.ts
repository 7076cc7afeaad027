import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { BearerVerifier, requireScope } from '@ledgerflow/auth';
import { SCOPES, subjects } from '@ledgerflow/contracts';
import type { Actor, PolicyEvaluation, RegisterPolicyPackResult } from '@ledgerflow/contracts';
import { extractTraceContext } from '@ledgerflow/messaging';
import { validateBody } from '@ledgerflow/service-runtime';
import { ledgerflowMetrics, withSpan } from '@ledgerflow/telemetry';
import { PolicyEvaluateDto } from './policy-evaluate.dto.js';
import { PolicyEvaluator } from './policy-evaluator.js';
import { PolicyPackCatalog } from './policy-pack-catalog.js';
import { RegisterPackDto, registerPack } from './register-pack.js';

/**
 * `lf.policy.evaluate`: decides whether a step's action may run (queue group `policy`), from the run's
 * events; errors `request_invalid`, `run_not_found`, `step_not_found` are error replies (PolicyEvaluator).
 */
@Controller()
export class PolicyController {
  constructor(
    @Inject(PolicyEvaluator) private readonly evaluator: PolicyEvaluator,
    @Inject(PolicyPackCatalog) private readonly catalog: PolicyPackCatalog,
    @Inject(BearerVerifier) private readonly verifier: BearerVerifier,
  ) {}

  /**
   * `lf.policy.register-pack`: a new version of a policy pack (see `registerPack`). The policy service is the one
   * writer of `policypack-*` streams. The caller is whoever the forwarded `token` proves, holding `workflows:write`
   * (`unauthorized`, `forbidden` otherwise); it is recorded as `registeredBy`.
   */
  @MessagePattern(subjects.policyRegisterPack)
  registerPack(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<RegisterPolicyPackResult> {
    const parent = extractTraceContext(context.getHeaders());
    return withSpan('policy.register-pack', { parent }, async (span) => {
      const { token, ...request } = validateBody(RegisterPackDto, body);
      span.setAttributes({ 'ledgerflow.policy.pack': request.pack, 'ledgerflow.policy.pack_version': request.version });
      const caller = await this.verifier.verify(token);
      requireScope(caller, [SCOPES.workflowsWrite]);
      const by: Actor = { kind: caller.kind === 'human' ? 'human' : 'service', id: caller.id };
      const result = await registerPack(this.catalog, request, by);
      span.setAttributes({ 'ledgerflow.created': result.created });
      return result;
    });
  }

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
