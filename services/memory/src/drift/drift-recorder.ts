import type { Database } from 'better-sqlite3';
import { memoryStreamId, nameBasedUuid } from '@ledgerflow/contracts';
import type { Actor, DriftDetected } from '@ledgerflow/contracts';
import type { EventStore } from '@ledgerflow/event-store';
import { recordDriftDetected } from '@ledgerflow/telemetry';
import type { Logger } from '@ledgerflow/telemetry';
import type { AppliedEvent } from '../memory.projection.js';
import { DriftMonitor } from './drift-monitor.js';
import { driftObservationOf } from './drift-observation.js';

const MEMORY: Actor = { kind: 'service', id: 'memory' };

/** Detections kept per workflow for insights (the latest; older ones stay in `memory-<workflowId>`). */
export const RECENT_DETECTIONS = 20;

/**
 * Drift detection inside memory's projection, with a transactional outbox: {@link observe} runs as a participant of
 * each batch's SQLite transaction (`MemoryProjection.addParticipant`), feeds the batch's production step outcomes to
 * the {@link DriftMonitor} and stores its detections in `memory_drift_outbox` in that same transaction, so a
 * detection is never lost between the projection's commit and the event store. {@link flush} then appends each
 * pending detection as `DriftDetected` to `memory-<workflowId>` (event id name-based on the detection's key, so a
 * repeat after a crash, or after a rebuild from position 0, stores nothing new), counts it in
 * `ledgerflow.memory.drift.detections`, and marks it appended.
 */
export class DriftRecorder {
  private readonly monitor: DriftMonitor;
  private readonly statements: ReturnType<DriftRecorder['prepare']>;

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly logger?: Logger,
  ) {
    this.monitor = new DriftMonitor(db);
    db.exec(`CREATE TABLE IF NOT EXISTS memory_drift_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, detection_key TEXT NOT NULL UNIQUE, workflow_id TEXT NOT NULL,
      data TEXT NOT NULL, appended INTEGER NOT NULL DEFAULT 0)`);
    this.statements = this.prepare();
  }

  /** The projection participant: observes the batch's outcomes and queues what they raise (same transaction). */
  readonly observe = (applied: readonly AppliedEvent[]): void => {
    const observations = applied.flatMap(({ event, workflowId }) => driftObservationOf(workflowId, event) ?? []);
    if (observations.length === 0) return;
    for (const detection of this.monitor.observe(observations))
      this.statements.queue.run(detection.key, detection.data.workflowId, JSON.stringify(detection.data));
  };

  /**
   * Appends every queued detection, oldest first; returns how many were appended. A store failure stops the flush
   * (the rest stay queued for the next one) and is rethrown.
   */
  async flush(): Promise<number> {
    const pending = this.statements.pending.all() as { seq: number; detection_key: string; data: string }[];
    for (const row of pending) {
      const data = JSON.parse(row.data) as DriftDetected;
      await this.store.append(
        memoryStreamId(data.workflowId),
        [
          {
            type: 'DriftDetected',
            data,
            metadata: {
              eventId: nameBasedUuid(`drift\n${row.detection_key}`),
              runId: '',
              causationId: row.detection_key,
              actor: MEMORY,
              occurredAt: data.detectedAt,
              schemaVersion: 1,
            },
          },
        ],
        { expectedRevision: 'any' },
      );
      this.statements.markAppended.run(row.seq);
      recordDriftDetected(data);
      this.logger?.warn('memory: drift detected', { ...data });
    }
    return pending.length;
  }

  /** The workflow's latest {@link RECENT_DETECTIONS} detections, newest first (appended or still queued). */
  recent(workflowId: string): DriftDetected[] {
    return (this.statements.recent.all(workflowId, RECENT_DETECTIONS) as { data: string }[]).map(
      (row) => JSON.parse(row.data) as DriftDetected,
    );
  }

  private prepare() {
    return {
      queue: this.db.prepare(
        'INSERT INTO memory_drift_outbox (detection_key, workflow_id, data) VALUES (?, ?, ?) ON CONFLICT(detection_key) DO NOTHING',
      ),
      pending: this.db.prepare(
        'SELECT seq, detection_key, data FROM memory_drift_outbox WHERE appended = 0 ORDER BY seq',
      ),
      markAppended: this.db.prepare('UPDATE memory_drift_outbox SET appended = 1 WHERE seq = ?'),
      recent: this.db.prepare('SELECT data FROM memory_drift_outbox WHERE workflow_id = ? ORDER BY seq DESC LIMIT ?'),
    };
  }
}
