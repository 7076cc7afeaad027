import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { BearerVerifier, bearerVerifierOf } from '@ledgerflow/auth';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { PlannerConfig } from './planner.config.js';
import { AdaptiveConsumer } from './adaptive.consumer.js';
import { AdaptiveSteps, llmProposerFor } from './adaptive-steps.js';
import { AnchorHost } from './anchor.host.js';
import { EventRelayHost } from './event-relay.host.js';
import { PlannerController } from './planner.controller.js';
import { RunForker } from './fork-run.js';
import { RecoveryConsumer } from './recovery.consumer.js';
import { RunCommands } from './run-commands.js';
import { SchedulerHost } from './scheduler.host.js';
import { subjects } from '@ledgerflow/contracts';
import type { PolicyDryRunRequest, PolicyDryRunResult } from '@ledgerflow/contracts';
import { readToolCatalog, requestJson } from '@ledgerflow/messaging';
import { generatorFor } from './planning/goal-generators.js';
import { GoalStarter } from './start-goal.js';
import { RunStarter } from './start-run.js';
import { TriggersConsumer } from './triggers.consumer.js';
import { WorkflowCatalog } from './workflow-catalog.js';
import { WorkflowDirectories } from './workflow-directories.js';
import { WorkflowRegistryHost } from './workflow-registry.host.js';

/** How long the planner waits for the policy service's dry run of a generated plan (up to 50 steps), ms. */
const DRY_RUN_TIMEOUT_MS = 10_000;

@Module({})
export class PlannerModule {
  static register(context: ServiceContext<PlannerConfig>): DynamicModule {
    if (!context.definitions) throw new Error('the planner needs workflow definitions');
    // One catalog over the registry run-service loaded from the directories: the store's versions join it.
    const actor = { kind: 'service', id: context.name } as const;
    const catalog = new WorkflowCatalog(context.store, context.definitions, actor, context.logger);
    const directories = new WorkflowDirectories(
      catalog,
      context.config.LEDGERFLOW_DEFINITIONS_DIR,
      actor,
      context.logger,
    );
    const starter = new RunStarter(catalog, context.runs, context.privacy);
    const readCatalog = () => readToolCatalog(context.nc);
    const dryRun = (request: PolicyDryRunRequest) =>
      requestJson<PolicyDryRunResult>(context.nc, subjects.policyDryRun, request, { timeoutMs: DRY_RUN_TIMEOUT_MS });
    const goals = new GoalStarter(
      catalog,
      context.runs,
      readCatalog,
      dryRun,
      (template) => generatorFor(template),
      context.privacy,
    );
    const adaptive = new AdaptiveSteps(
      context.runs,
      catalog,
      readCatalog,
      dryRun,
      (template) => llmProposerFor(template),
      context.logger,
    );
    return {
      module: PlannerModule,
      controllers: [PlannerController],
      providers: [
        { provide: RunStarter, useValue: starter },
        { provide: GoalStarter, useValue: goals },
        { provide: BearerVerifier, useValue: bearerVerifierOf(context.config) },
        { provide: RunForker, useValue: new RunForker(context.runs) },
        RunCommands,
        RecoveryConsumer,
        { provide: AdaptiveSteps, useValue: adaptive },
        AdaptiveConsumer,
        TriggersConsumer,
        EventRelayHost,
        AnchorHost,
        { provide: WorkflowCatalog, useValue: catalog },
        { provide: WorkflowDirectories, useValue: directories },
        WorkflowRegistryHost,
        SchedulerHost,
      ],
    };
  }
}
