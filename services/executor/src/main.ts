import { CommonConfig } from '@ledgerflow/config';
import { runService } from '@ledgerflow/service-runtime';
import { ExecutorModule } from './executor.module.js';

runService({ name: 'executor', config: CommonConfig, listen: 'none', module: (context) => ExecutorModule.register(context) });
