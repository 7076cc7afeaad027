import { CommonConfig } from '@ledgerflow/config';
import { runService } from '@ledgerflow/service-runtime';
import { ApprovalModule } from './approval.module.js';

runService({ name: 'approval', config: CommonConfig, listen: 'rpc', module: (context) => ApprovalModule.register(context) });
