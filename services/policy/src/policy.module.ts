import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { loadPolicyPacks } from '@ledgerflow/policy-engine';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import { GrantSigner } from './grant-signer.js';
import type { PolicyConfig } from './policy.config.js';
import { PolicyController } from './policy.controller.js';
import { PolicyEvaluator } from './policy-evaluator.js';

@Module({})
export class PolicyModule {
  /**
   * Loads and pre-parses the policy packs at start. An invalid pack throws the engine's non-retryable
   * `policy_pack_invalid` (`<file>:<line>:<column>: <problem>`), which the service runtime turns into
   * exit code 78 with that line. The signing key was validated by the config; it is never logged. Runs are
   * read through the runtime's RunRepository (a cached fold that reads only the events appended since).
   */
  static register(context: ServiceContext<PolicyConfig>): DynamicModule {
    const { config } = context;
    const packs = loadPolicyPacks(config.LEDGERFLOW_POLICY_DIRS);
    const signer = new GrantSigner(config.LEDGERFLOW_GRANT_SIGNING_KEY, config.LEDGERFLOW_GRANT_TTL_SECONDS);
    context.logger.info('policy packs loaded', {
      packs: packs.packs.map((p) => `${p.id}@${p.version} (${p.kind})`),
      grantTtlSeconds: signer.ttlSeconds,
    });
    return {
      module: PolicyModule,
      controllers: [PolicyController],
      providers: [{ provide: PolicyEvaluator, useValue: new PolicyEvaluator(packs, signer, async (runId) => (await context.runs.loadVerified(runId)).state) }],
    };
  }
}
