import { runService } from '@ledgerflow/service-runtime';
import { ApprovalConfig } from './approval.config.js';
import { ApprovalModule } from './approval.module.js';

runService({
  name: 'approval',
  config: ApprovalConfig,
  listen: 'rpc',
  module: (context) => ApprovalModule.register(context),
});
