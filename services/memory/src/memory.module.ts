import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import { MemoryController } from './memory.controller.js';
import type { MemoryConfig } from './memory.config.js';
import { MemoryEventsConsumer } from './run-events.consumer.js';
import { MemoryProjection } from './memory.projection.js';

@Module({})
export class MemoryModule {
  static register(context: ServiceContext<MemoryConfig>): DynamicModule {
    return {
      module: MemoryModule,
      controllers: [MemoryController],
      providers: [
        { provide: MemoryProjection, useValue: new MemoryProjection(context.config.LEDGERFLOW_MEMORY_PATH) },
        MemoryEventsConsumer,
      ],
    };
  }
}
