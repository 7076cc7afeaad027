import { AuditController } from './audit.controller.js';
import { ExternalTasksController } from './external-tasks.controller.js';
import { GatesController } from './gates.controller.js';
import { GoalsController } from './goals.controller.js';
import { HealthController } from './health.controller.js';
import { MemoryController } from './memory-api.controller.js';
import { OperatorController } from './operator.controller.js';
import { PolicyPacksController } from './policy-packs.controller.js';
import { ReplayController } from './replay.controller.js';
import { RunsController } from './runs.controller.js';
import { ServiceAccountsController } from './service-accounts.controller.js';
import { StreamController } from './stream.controller.js';
import { SubscriptionsController } from './subscriptions.controller.js';
import { ToolsController } from './tools.controller.js';
import { WebhooksController } from './webhooks.controller.js';
import { WorkflowsController } from './workflows.controller.js';

/** Every controller of the gateway's HTTP API: the module mounts them, the OpenAPI document describes them. */
export const GATEWAY_CONTROLLERS = [
  HealthController,
  RunsController,
  GatesController,
  WorkflowsController,
  MemoryController,
  ReplayController,
  AuditController,
  OperatorController,
  ExternalTasksController,
  ServiceAccountsController,
  WebhooksController,
  SubscriptionsController,
  StreamController,
  PolicyPacksController,
  ToolsController,
  GoalsController,
] as const;
