import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { bearerVerifierOf } from '@ledgerflow/auth';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import { DriftRecorder } from './drift/drift-recorder.js';
import { EvaluationLedger } from './evaluations.js';
import { MemoryController } from './memory.controller.js';
import { MemoryQueries } from './memory-queries.js';
import type { MemoryConfig } from './memory.config.js';
import { MemoryProjection } from './memory.projection.js';
import { RecommendationService } from './recommendations/recommendation.service.js';
import { MemoryEventsConsumer } from './run-events.consumer.js';

/**
 * The memory service: its projection (SQLite, `LEDGERFLOW_MEMORY_PATH`) with drift detection inside each batch's
 * transaction, the recommendations and golden-set results it keeps in `memory-<workflowId>`, the consumer of run
 * events, and the request handlers (docs/memory.md).
 */
@Module({})
export class MemoryModule {
  static register(context: ServiceContext<MemoryConfig>): DynamicModule {
    const { config, store, nc, logger } = context;
    const projection = new MemoryProjection(config.LEDGERFLOW_MEMORY_PATH);
    const drift = new DriftRecorder(projection.database, store, logger);
    projection.addParticipant(drift.observe);
    const verifier = bearerVerifierOf(config);
    return {
      module: MemoryModule,
      controllers: [MemoryController],
      providers: [
        { provide: MemoryProjection, useValue: projection },
        { provide: DriftRecorder, useValue: drift },
        {
          provide: RecommendationService,
          useValue: new RecommendationService(store, projection, verifier, nc, {
            impactRuns: config.LEDGERFLOW_MEMORY_IMPACT_RUNS,
            logger,
          }),
        },
        { provide: EvaluationLedger, useValue: new EvaluationLedger(store, verifier) },
        MemoryQueries,
        MemoryEventsConsumer,
      ],
    };
  }
}
