import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { BearerVerifier, requireScope } from '@ledgerflow/auth';
import { SCOPES, actorOf, subjects } from '@ledgerflow/contracts';
import type { RegisterPolicyPackResult } from '@ledgerflow/contracts';
import { validateBody } from '@ledgerflow/service-runtime';
import { SpanAttr, extractTraceContext, withSpan } from '@ledgerflow/telemetry';
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
}
