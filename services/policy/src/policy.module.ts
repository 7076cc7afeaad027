import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { BearerVerifier, bearerVerifierOf } from '@ledgerflow/auth';
import { loadPolicyPacks } from '@ledgerflow/policy-engine';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import { GrantSigner } from './grant-signer.js';
import type { PolicyConfig } from './policy.config.js';
import { PolicyController } from './policy.controller.js';
import { POLICY_EVALUATE_QUEUE, PolicyEvaluateServer } from './policy-evaluate.server.js';
import { PolicyEvaluator } from './policy-evaluator.js';
import { PolicyPackCatalog } from './policy-pack-catalog.js';
import { POLICY_DIRS, PolicyPacksHost } from './policy-packs.host.js';

@Module({})
export class PolicyModule {
  /**
   * Validates the directory packs at start (an invalid pack throws the engine's non-retryable `policy_pack_invalid`,
   * `<file>:<line>:<column>: <problem>`, which the service runtime turns into exit code 78 with that line) before
   * anything is read or appended; `PolicyPacksHost` then registers them as versions and follows the store. The
   * signing key was validated by the config; it is never logged. Runs are read through the runtime's RunRepository
   * (a cached fold that reads only the events appended since). `lf.policy.evaluate` is served by PolicyEvaluateServer
   * (a plain NATS subscription, queue group the service name), the other subjects by PolicyController (Nest).
   */
  static register(context: ServiceContext<PolicyConfig>): DynamicModule {
    const { config } = context;
    const directoryPacks = loadPolicyPacks(config.LEDGERFLOW_POLICY_DIRS);
    const signer = new GrantSigner(config.LEDGERFLOW_GRANT_SIGNING_KEY, config.LEDGERFLOW_GRANT_TTL_SECONDS);
    context.logger.info('policy pack directories read', {
      packs: directoryPacks.packs.map((p) => `${p.id}@${p.version} (${p.kind})`),
      grantTtlSeconds: signer.ttlSeconds,
    });
    const catalog = new PolicyPackCatalog(context.store, { kind: 'service', id: context.name }, context.logger);
    return {
      module: PolicyModule,
      controllers: [PolicyController],
      providers: [
        {
          provide: PolicyEvaluator,
          useValue: new PolicyEvaluator(
            catalog,
            signer,
            async (runId) => (await context.runs.loadVerified(runId)).state,
          ),
        },
        { provide: PolicyPackCatalog, useValue: catalog },
        { provide: POLICY_DIRS, useValue: config.LEDGERFLOW_POLICY_DIRS },
        { provide: BearerVerifier, useValue: bearerVerifierOf(config) },
        PolicyPacksHost,
        { provide: POLICY_EVALUATE_QUEUE, useValue: context.name },
        PolicyEvaluateServer,
      ],
    };
  }
}
