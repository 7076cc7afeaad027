import { PrivacyConfig } from '@ledgerflow/config';
import { runService } from '@ledgerflow/service-runtime';
import { ExecutorModule } from './executor.module.js';

runService({ name: 'executor', config: PrivacyConfig, privacy: true, listen: 'none', module: (context) => ExecutorModule.register(context) });
