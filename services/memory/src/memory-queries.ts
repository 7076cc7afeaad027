import { Inject, Injectable } from '@nestjs/common';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { subjects } from '@ledgerflow/contracts';
import type {
  DriftDetected,
  Insight,
  MemoryLabelsPage,
  MemoryLabelsRequest,
  MemoryWorkflowRequest,
  StepStats,
  StepStatsRequest,
  WorkflowInsights,
} from '@ledgerflow/contracts';
import { STEP_ID_PATTERN } from '@ledgerflow/domain';
import type { JsonRequestHandler } from '@ledgerflow/messaging';
import { validateBody } from '@ledgerflow/service-runtime';
import { DriftRecorder } from './drift/drift-recorder.js';
import { MemoryProjection } from './memory.projection.js';

/** A workflow id as memory's requests carry it. */
const WORKFLOW_ID = /^[a-z][a-z0-9-]{0,62}$/;

/** Labels per page when the request names no `limit`, and the most it may name. */
export const LABELS_DEFAULT_LIMIT = 100;
export const LABELS_MAX_LIMIT = 1000;

class StepStatsDto implements StepStatsRequest {
  @IsString() @Matches(WORKFLOW_ID) workflowId!: string;
}

export class WorkflowDto implements MemoryWorkflowRequest {
  @IsString() @Matches(WORKFLOW_ID) workflowId!: string;
}

class LabelsDto implements MemoryLabelsRequest {
  @IsString() @Matches(WORKFLOW_ID) workflowId!: string;
  @IsOptional() @IsString() @Matches(STEP_ID_PATTERN) stepId?: string;
  @IsOptional() @IsString() @MaxLength(64) after?: string;
  @IsOptional() @IsInt() @Min(1) @Max(LABELS_MAX_LIMIT) limit?: number;
}

/** A drift detection as an insight: the statistic against its threshold, over the windows compared. */
export function driftInsight(detection: DriftDetected): Insight {
  const statistic = detection.statistic === 'psi' ? 'PSI' : '|z|';
  return {
    kind: 'drift',
    stepId: detection.stepId,
    summary:
      `${detection.stepId}: the ${detection.signal.replace('_', ' ')} drifted (${statistic} ` +
      `${detection.value.toFixed(2)} >= ${detection.threshold}) on ${detection.detectedAt.slice(0, 10)}`,
    evidence: {
      runs: detection.currentWindow,
      occurrences: 1,
      from: detection.detectedAt,
      to: detection.detectedAt,
      exampleRunIds: [],
      figures: {
        value: detection.value,
        threshold: detection.threshold,
        referenceWindow: detection.referenceWindow,
        currentWindow: detection.currentWindow,
      },
    },
  };
}

/**
 * Memory's queries of its own projection (the SQLite file, `LEDGERFLOW_MEMORY_PATH`), which only the replica holding
 * the lease `memory` keeps current: `MemoryEventsConsumer` serves them ({@link handlers}) only while it holds the
 * lease, so a standby never answers from a stale file.
 * - `lf.memory.step-stats` `{workflowId}` -> `StepStats[]`;
 * - `lf.memory.insights` `{workflowId}` -> `WorkflowInsights` (the workflow's current scope; insights.ts), with the
 *   workflow's latest drift detections (`kind: drift`) besides the projection's findings;
 * - `lf.memory.labels` `{workflowId, stepId?, after?, limit?}` -> `MemoryLabelsPage`: labelled examples oldest first,
 *   `limit` 1..1000 (default 100), `after` the `next` of the previous page.
 * A malformed request fails with `request_invalid` (an unknown cursor too), not retryable.
 */
@Injectable()
export class MemoryQueries {
  constructor(
    @Inject(MemoryProjection) private readonly projection: MemoryProjection,
    @Inject(DriftRecorder) private readonly drift: DriftRecorder,
  ) {}

  /** One handler per query subject, for `serveJsonRequests`. */
  handlers(): Readonly<Record<string, JsonRequestHandler>> {
    return {
      [subjects.memoryStepStats]: (body) => this.stepStats(body),
      [subjects.memoryInsights]: (body) => this.insights(body),
      [subjects.memoryLabels]: (body) => this.labels(body),
    };
  }

  stepStats(body: unknown): StepStats[] {
    return this.projection.stats(validateBody(StepStatsDto, body).workflowId);
  }

  insights(body: unknown): WorkflowInsights {
    const { workflowId } = validateBody(WorkflowDto, body);
    const found = this.projection.insights(workflowId);
    const drift = this.drift.recent(workflowId).map(driftInsight);
    return drift.length === 0 ? found : { ...found, insights: [...found.insights, ...drift] };
  }

  labels(body: unknown): MemoryLabelsPage {
    const request = validateBody(LabelsDto, body);
    return this.projection.labels(request.workflowId, {
      ...(request.stepId === undefined ? {} : { stepId: request.stepId }),
      ...(request.after === undefined ? {} : { after: request.after }),
      limit: request.limit ?? LABELS_DEFAULT_LIMIT,
    });
  }
}
