import { PrivacyConfig } from '@ledgerflow/config';
import { runService } from '@ledgerflow/service-runtime';
import { PlannerModule } from './planner.module.js';

runService({ name: 'planner', config: PrivacyConfig, definitions: true, privacy: true, listen: 'rpc', module: (context) => PlannerModule.register(context) });
