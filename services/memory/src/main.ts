import { runService } from '@ledgerflow/service-runtime';
import { MemoryConfig } from './memory.config.js';
import { MemoryModule } from './memory.module.js';

runService({
  name: 'memory',
  config: MemoryConfig,
  listen: 'rpc',
  module: (context) => MemoryModule.register(context),
});
