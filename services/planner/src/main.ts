import { PlannerConfig } from './planner.config.js';
import { runService } from '@ledgerflow/service-runtime';
import { PlannerModule } from './planner.module.js';

runService({
  name: 'planner',
  config: PlannerConfig,
  definitions: true,
  privacy: true,
  listen: 'rpc',
  module: (context) => PlannerModule.register(context),
});
