import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { LOGGER } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';
import { WorkflowCatalog } from './workflow-catalog.js';
import { WorkflowDirectories } from './workflow-directories.js';

/**
 * Brings the planner's definitions in line with the store before it serves anything: folds every `workflow-*`
 * stream, registers the definition directories (a file whose version exists with other content stops the start,
 * exit 78, naming the file), then watches the directories. Stops watching on shutdown.
 */
@Injectable()
export class WorkflowRegistryHost implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(WorkflowCatalog) private readonly catalog: WorkflowCatalog,
    @Inject(WorkflowDirectories) private readonly directories: WorkflowDirectories,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.catalog.catchUp();
    await this.directories.registerAll();
    this.directories.watch();
    this.logger.info('workflow definitions loaded', {
      workflows: this.catalog.registry.list().map((d) => `${d.id}@${d.version}`),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.directories.close();
  }
}
