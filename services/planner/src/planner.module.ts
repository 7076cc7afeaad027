import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { BearerVerifier, bearerVerifierOf } from '@ledgerflow/auth';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { PlannerConfig } from './planner.config.js';
import { AnchorHost } from './anchor.host.js';
import { EventRelayHost } from './event-relay.host.js';
import { PlannerController } from './planner.controller.js';
import { RunForker } from './fork-run.js';
import { RecoveryConsumer } from './recovery.consumer.js';
import { RunCommands } from './run-commands.js';
import { RunStarter } from './start-run.js';
import { TriggersConsumer } from './triggers.consumer.js';

@Module({})
export class PlannerModule {
  static register(context: ServiceContext<PlannerConfig>): DynamicModule {
    if (!context.definitions) throw new Error('the planner needs workflow definitions');
    const starter = new RunStarter(context.definitions, context.runs, context.privacy);
    context.logger.info('workflow definitions loaded', {
      workflows: context.definitions.list().map((d) => `${d.id}@${d.version}`),
    });
    return {
      module: PlannerModule,
      controllers: [PlannerController],
      providers: [{ provide: RunStarter, useValue: starter }, { provide: BearerVerifier, useValue: bearerVerifierOf(context.config) }, { provide: RunForker, useValue: new RunForker(context.runs) }, RunCommands, RecoveryConsumer, TriggersConsumer, EventRelayHost, AnchorHost],
    };
  }
}
