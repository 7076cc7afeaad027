import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { loadPolicyPacks } from '@ledgerflow/policy-engine';
import type { RunRepository, ServiceContext } from '@ledgerflow/service-runtime';
import { GrantSigner } from './grant-signer.js';
import type { PolicyConfig } from './policy.config.js';
import { PolicyController } from './policy.controller.js';
import { PolicyEvaluator } from './policy-evaluator.js';
import type { GateApproval } from './policy-evaluator.js';

@Module({})
export class PolicyModule {
  /**
   * Loads and pre-parses the policy packs at start. An invalid pack throws the engine's non-retryable
   * `policy_pack_invalid` (`<file>:<line>:<column>: <problem>`), which the service runtime turns into
   * exit code 78 with that line. The signing key was validated by the config; it is never logged.
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
      providers: [{ provide: PolicyEvaluator, useValue: new PolicyEvaluator(packs, signer, gateApprovalFrom(context.runs)) }],
    };
  }
}

/** Reads the step's gate from the run's events (the repository caches folded runs). */
function gateApprovalFrom(runs: RunRepository): GateApproval {
  return async (runId, stepId) => {
    const { state } = await runs.load(runId);
    const gateId = state.steps[stepId]?.gateId;
    return gateId !== undefined && state.gates[gateId]?.status === 'approved';
  };
}
