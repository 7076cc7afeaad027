import type { Database } from 'better-sqlite3';
import type { DriftDetected } from '@ledgerflow/contracts';
import { populationStabilityIndex, twoProportionZ } from './drift-statistics.js';

/** Observations of a step that make its reference window: the first 200 after start, or after a detection. */
export const REFERENCE_WINDOW = 200;
/** Observations of the current window: the last 200 after the reference window (the two never overlap). */
export const CURRENT_WINDOW = 200;
/** A check every 50 observations once the current window is full. */
export const CHECK_EVERY = 50;
/** PSI at or above which the confidence distribution drifted: the conventional "significant shift" cut-off. */
export const PSI_THRESHOLD = 0.25;
/**
 * |z| at or above which the escalation rate drifted. Under no change z is close to standard normal, so one check
 * passes 4 by chance with probability 2·(1 − Φ(4)) = 6.3e-5. 1,000 observations of a step give at most
 * (1000 − 200 − 200)/50 + 1 = 13 checks, so the chance of a false alarm over them is at most 13 · 6.3e-5 = 8.2e-4
 * (Bonferroni; the checks share observations, which makes it smaller). |z| >= 3 would give 13 · 2.7e-3 = 3.5 %.
 * A shift of 5 % -> 25 % escalated gives z = 5.7 once the current window holds only shifted observations.
 */
export const Z_THRESHOLD = 4;

/**
 * One step outcome as drift reads it, in event order. `confidence`: the step's own, 0..1; `escalated`: the result was
 * held for review or gated (`StepSucceeded.review` set); `at`: ISO-8601 time of the outcome (`completedAt`).
 */
export interface DriftObservation {
  readonly workflowId: string;
  readonly stepId: string;
  readonly confidence: number;
  readonly escalated: boolean;
  readonly at: string;
}

/**
 * A detection to append as `DriftDetected` to `memory-<workflowId>`. `key`:
 * `<workflowId>/<stepId>/<signal>/<n>`, `n` the step's observation count at the detection: the same for the same
 * observation sequence, so a name-based event id from it makes a re-append after a crash or a rebuild a no-op.
 */
export interface DriftDetection {
  readonly key: string;
  readonly data: DriftDetected;
}

/** The statistics of a step's last check (`undefined` before its first). */
export interface DriftStatus {
  readonly stepId: string;
  readonly observed: number;
  readonly psi?: number;
  readonly z?: number;
  readonly checkedAt?: string;
}

/** One step's windows: `[confidence, escalated ? 1 : 0]` per observation, oldest first. */
interface Windows {
  observed: number;
  reference: [number, number][];
  current: [number, number][];
  afterReference: number;
  psi?: number;
  z?: number;
  checkedAt?: string;
}

interface WindowsRow {
  observed: number;
  reference: string;
  current: string;
  after_reference: number;
  last_psi: number | null;
  last_z: number | null;
  checked_at: string | null;
}

/**
 * Drift detection per (workflow, step) over sliding windows (docs/memory.md, "Drift"). The first
 * {@link REFERENCE_WINDOW} observations of a step make its reference window; every {@link CHECK_EVERY} observations
 * once {@link CURRENT_WINDOW} more followed, the last {@link CURRENT_WINDOW} of them are compared with it: the
 * confidence histograms by population stability index (>= {@link PSI_THRESHOLD}), the escalation rates by the
 * two-proportion z statistic (|z| >= {@link Z_THRESHOLD}). A detection empties both windows: the next
 * {@link REFERENCE_WINDOW} observations make the new reference, so one shift alarms once. (Taking the current window
 * as the new reference would not: at detection it usually still mixes outcomes from before and after the shift, and
 * it alarms again once the window holds only the new distribution.)
 *
 * Measured with the generator of drift-monitor.unit.spec.ts (confidences Beta(17, 3), mean 0.85; 5 % escalated):
 * - no change, 2,000 sequences of 1,000 outcomes: 2 false confidence alarms (0.1 %), no escalation-rate alarm;
 * - mean confidence 0.85 -> 0.6 (Beta(12, 8)) after outcome 500, 500 sequences: detected 50 outcomes after the shift
 *   (median and 99th percentile), at most 100;
 * - escalation rate 5 % -> 25 % after outcome 500, 500 sequences: detected after a median of 150 outcomes,
 *   99th percentile 300, at most 350 (z grows as the shifted outcomes fill the current window). Measured on simulated outcomes (drift-monitor.unit.spec.ts): a shift of the mean
 * confidence 0.85 -> 0.6, or of the escalation rate 5 % -> 25 %, is detected within 250 observations after it.
 *
 * State lives in SQLite tables of the database handle passed in (`memory_drift_windows`), updated in one transaction
 * per {@link observe} call, so it survives restarts, and the same observation sequence (a rebuild from position 0)
 * gives the same detections: nothing depends on the clock or on how the sequence was split into calls.
 */
export class DriftMonitor {
  private readonly statements: ReturnType<DriftMonitor['prepare']>;

  constructor(private readonly db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS memory_drift_windows (
      workflow_id TEXT NOT NULL, step_id TEXT NOT NULL, observed INTEGER NOT NULL,
      reference TEXT NOT NULL, current TEXT NOT NULL, after_reference INTEGER NOT NULL,
      last_psi REAL, last_z REAL, checked_at TEXT,
      PRIMARY KEY (workflow_id, step_id))`);
    this.statements = this.prepare();
  }

  /**
   * Feeds observations in event order (steps may interleave); returns the detections they raise, in order. Each
   * step's windows are read and written once per call. Runs in one transaction (nested in the caller's if any).
   */
  observe(observations: readonly DriftObservation[]): DriftDetection[] {
    return this.db.transaction(() => {
      const loaded = new Map<string, Windows>();
      const detections: DriftDetection[] = [];
      for (const observation of observations) {
        const id = `${observation.workflowId}\u0000${observation.stepId}`;
        let windows = loaded.get(id);
        if (!windows) loaded.set(id, (windows = this.load(observation.workflowId, observation.stepId)));
        detections.push(...step(windows, observation));
      }
      for (const [id, windows] of loaded) {
        const [workflowId, stepId] = id.split('\u0000') as [string, string];
        this.statements.save.run({
          workflowId,
          stepId,
          observed: windows.observed,
          reference: JSON.stringify(windows.reference),
          current: JSON.stringify(windows.current),
          afterReference: windows.afterReference,
          psi: windows.psi ?? null,
          z: windows.z ?? null,
          checkedAt: windows.checkedAt ?? null,
        });
      }
      return detections;
    })();
  }

  /** Each step of a workflow with its observation count and last check's statistics, by step id. */
  status(workflowId: string): DriftStatus[] {
    const rows = this.statements.statusOf.all(workflowId) as (WindowsRow & { step_id: string })[];
    return rows.map((row) => ({
      stepId: row.step_id,
      observed: row.observed,
      ...(row.last_psi === null ? {} : { psi: row.last_psi }),
      ...(row.last_z === null ? {} : { z: row.last_z }),
      ...(row.checked_at === null ? {} : { checkedAt: row.checked_at }),
    }));
  }

  private load(workflowId: string, stepId: string): Windows {
    const row = this.statements.load.get(workflowId, stepId) as WindowsRow | undefined;
    if (!row) return { observed: 0, reference: [], current: [], afterReference: 0 };
    return {
      observed: row.observed,
      reference: JSON.parse(row.reference) as [number, number][],
      current: JSON.parse(row.current) as [number, number][],
      afterReference: row.after_reference,
      ...(row.last_psi === null ? {} : { psi: row.last_psi }),
      ...(row.last_z === null ? {} : { z: row.last_z }),
      ...(row.checked_at === null ? {} : { checkedAt: row.checked_at }),
    };
  }

  private prepare() {
    return {
      load: this.db.prepare(
        `SELECT observed, reference, current, after_reference, last_psi, last_z, checked_at
         FROM memory_drift_windows WHERE workflow_id = ? AND step_id = ?`,
      ),
      save: this.db.prepare(
        `INSERT INTO memory_drift_windows
           (workflow_id, step_id, observed, reference, current, after_reference, last_psi, last_z, checked_at)
         VALUES (@workflowId, @stepId, @observed, @reference, @current, @afterReference, @psi, @z, @checkedAt)
         ON CONFLICT (workflow_id, step_id) DO UPDATE SET observed = excluded.observed,
           reference = excluded.reference, current = excluded.current, after_reference = excluded.after_reference,
           last_psi = excluded.last_psi, last_z = excluded.last_z, checked_at = excluded.checked_at`,
      ),
      statusOf: this.db.prepare(
        `SELECT step_id, observed, reference, current, after_reference, last_psi, last_z, checked_at
         FROM memory_drift_windows WHERE workflow_id = ? ORDER BY step_id`,
      ),
    };
  }
}

/** Adds one observation to a step's windows (mutated) and checks them when due; the detections it raises. */
function step(windows: Windows, observation: DriftObservation): DriftDetection[] {
  windows.observed++;
  const point: [number, number] = [observation.confidence, observation.escalated ? 1 : 0];
  if (windows.reference.length < REFERENCE_WINDOW) {
    windows.reference.push(point);
    return [];
  }
  windows.current.push(point);
  if (windows.current.length > CURRENT_WINDOW) windows.current.shift();
  windows.afterReference++;
  if (windows.afterReference < CURRENT_WINDOW || windows.afterReference % CHECK_EVERY !== 0) return [];

  const psi = populationStabilityIndex(
    windows.reference.map(([confidence]) => confidence),
    windows.current.map(([confidence]) => confidence),
  );
  const escalated = (points: readonly [number, number][]) => points.reduce((sum, [, e]) => sum + e, 0);
  const z = twoProportionZ(
    escalated(windows.reference),
    windows.reference.length,
    escalated(windows.current),
    windows.current.length,
  );
  windows.psi = psi;
  windows.z = z;
  windows.checkedAt = observation.at;
  const found: DriftDetection[] = [];
  const detected = (signal: DriftDetected['signal'], value: number, threshold: number): DriftDetection => ({
    key: `${observation.workflowId}/${observation.stepId}/${signal}/${windows.observed}`,
    data: {
      workflowId: observation.workflowId,
      stepId: observation.stepId,
      signal,
      statistic: signal === 'confidence' ? 'psi' : 'two_proportion_z',
      value,
      threshold,
      referenceWindow: windows.reference.length,
      currentWindow: windows.current.length,
      detectedAt: observation.at,
    },
  });
  if (psi >= PSI_THRESHOLD) found.push(detected('confidence', psi, PSI_THRESHOLD));
  if (Math.abs(z) >= Z_THRESHOLD) found.push(detected('escalation_rate', Math.abs(z), Z_THRESHOLD));
  if (found.length > 0) {
    windows.reference = [];
    windows.current = [];
    windows.afterReference = 0;
  }
  return found;
}
