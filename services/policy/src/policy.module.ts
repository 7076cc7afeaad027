import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import { POLICY_PACKS, PolicyController } from './policy.controller.js';
import type { PolicyConfig } from './policy.config.js';
import { loadPolicyPacks } from './policy-pack.js';

@Module({})
export class PolicyModule {
  /** Loads the policy packs at start: an invalid pack stops the service, naming the file and the rule. */
  static register(context: ServiceContext<PolicyConfig>): DynamicModule {
    const packs = loadPolicyPacks(context.config.LEDGERFLOW_POLICY_DIRS);
    context.logger.info('policy packs loaded', { packs: packs.map((p) => `${p.id}@${p.version}`) });
    return { module: PolicyModule, controllers: [PolicyController], providers: [{ provide: POLICY_PACKS, useValue: packs }] };
  }
}
