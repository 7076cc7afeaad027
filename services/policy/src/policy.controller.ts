import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { BearerVerifier, requireScope } from '@ledgerflow/auth';
import { SCOPES, actorOf, subjects } from '@ledgerflow/contracts';
import type { PolicyDryRunResult, RegisterPolicyPackResult } from '@ledgerflow/contracts';
import { validateBody } from '@ledgerflow/service-runtime';
import { SpanAttr, extractTraceContext, withSpan } from '@ledgerflow/telemetry';
import { PolicyDryRunDto, dryRun } from './policy-dry-run.js';
import { PolicyPackCatalog } from './policy-pack-catalog.js';
import { RegisterPackDto, registerPack } from './register-pack.js';

/**
 * The policy service's Nest RPC handlers (queue group `policy`). `lf.policy.evaluate`, one request per durable
 * step, is served without Nest by PolicyEvaluateServer (same wire format).
 */
@Controller()
export class PolicyController {
  constructor(
    @Inject(PolicyPackCatalog) private readonly catalog: PolicyPackCatalog,
    @Inject(BearerVerifier) private readonly verifier: BearerVerifier,
  ) {}

  /**
   * `lf.policy.register-pack`: a new version of a policy pack (see `registerPack`). The policy service is the one
   * writer of `policypack-*` streams. The caller is whoever the forwarded `token` proves, holding `workflows:write`
   * (`unauthorized`, `forbidden` otherwise); it is recorded as `registeredBy` and as the event's `metadata.actor`
   * (`via: policy`), a person or a service account, never the policy service.
   */
  @MessagePattern(subjects.policyRegisterPack)
  registerPack(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<RegisterPolicyPackResult> {
    const parent = extractTraceContext(context.getHeaders());
    return withSpan('policy.register-pack', { parent }, async (span) => {
      const { token, ...request } = validateBody(RegisterPackDto, body);
      span.setAttributes({ [SpanAttr.policyPack]: request.pack, [SpanAttr.policyPackVersion]: request.version });
      const caller = await this.verifier.verify(token);
      requireScope(caller, [SCOPES.workflowsWrite]);
      const result = await registerPack(this.catalog, request, actorOf(caller));
      span.setAttributes({ [SpanAttr.created]: result.created });
      return result;
    });
  }

  /**
   * `lf.policy.dry-run`: the planner's check of a generated plan before it is recorded (see `dryRun`): each proposed
   * step's decision under the packs in force, no grant, nothing recorded. Only the planner may publish the subject
   * (NATS permissions); the request carries no caller, since it decides nothing.
   * @throws ValidationError `request_invalid` naming the field (1..50 steps, each with its agent, capabilities, tool,
   *   action and policy tags).
   */
  @MessagePattern(subjects.policyDryRun)
  dryRun(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<PolicyDryRunResult> {
    const parent = extractTraceContext(context.getHeaders());
    return withSpan('policy.dry-run', { parent }, async (span) => {
      const request = validateBody(PolicyDryRunDto, body);
      span.setAttributes({ [SpanAttr.workflowId]: request.workflowId });
      return dryRun(request, await this.catalog.forDecision());
    });
  }
}
