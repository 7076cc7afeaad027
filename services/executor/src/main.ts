import { runService } from '@ledgerflow/service-runtime';
import { ExecutorConfig } from './executor.config.js';
import { ExecutorModule } from './executor.module.js';

runService({
  name: 'executor',
  config: ExecutorConfig,
  privacy: true,
  listen: 'none',
  module: (context) => ExecutorModule.register(context),
});
