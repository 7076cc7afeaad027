import { runService } from '@ledgerflow/service-runtime';
import { PolicyConfig } from './policy.config.js';
import { PolicyModule } from './policy.module.js';

runService({
  name: 'policy',
  config: PolicyConfig,
  listen: 'rpc',
  module: (context) => PolicyModule.register(context),
});
