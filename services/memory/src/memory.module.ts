import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import { MemoryController } from './memory.controller.js';
import type { MemoryConfig } from './memory.config.js';
import { MemoryEventsConsumer } from './run-events.consumer.js';
import { StepStatsProjection } from './step-stats.projection.js';

@Module({})
export class MemoryModule {
  static register(context: ServiceContext<MemoryConfig>): DynamicModule {
    return {
      module: MemoryModule,
      controllers: [MemoryController],
      providers: [
        { provide: StepStatsProjection, useValue: new StepStatsProjection(context.config.LEDGERFLOW_MEMORY_PATH) },
        MemoryEventsConsumer,
      ],
    };
  }
}
