/** Shapes of the gateway's HTTP API bodies that clients read (OpenAPI at `/openapi.json`). */
import type { StepUsage } from './memory.js';

/** One row of `GET /v1/runs/{id}/trace`. Durations in milliseconds. */
export interface TraceStep {
  step: string;
  name: string;
  tool: string;
  action: string;
  agent: string;
  status: string;
  /** Attempts that started (a retry that is only scheduled does not count). */
  attempts: number;
  /** Duration of the step's last finished attempt (the tool call), in ms; null while it has none. */
  duration_ms: number | null;
  /** Sum over every finished attempt, in ms. */
  total_attempts_ms: number;
  policy: string | null;
  policy_rationale: string | null;
  gate: { gate_id: string; status: string; decided_by?: string } | null;
  error: { code: string; message: string } | null;
  /** Where the output came from: source system, fresh read, confidence, upstream steps (null until it succeeded). */
  lineage: {
    readonly source?: string;
    readonly fresh?: boolean;
    readonly confidence?: number;
    readonly cumulativeConfidence?: number;
    readonly upstream: readonly string[];
    readonly reviewed?: boolean;
    readonly corrected?: boolean;
    readonly carriedOver?: boolean;
  } | null;
  /** Tokens and cost the step's tool reported (`StepSucceeded.usage`, summed over its successes); null when none. */
  usage: StepUsage | null;
}

/** The body of `GET /v1/runs/{id}/trace`. */
export interface RunTrace {
  run_id: string;
  workflow_id: string;
  status: string;
  /** From `RunTriggered` to the run's end (or to its latest event while it is not over), in ms. */
  total_duration_ms: number;
  /** The OpenTelemetry trace id of the run (from `RunTriggered` metadata), for Jaeger. */
  trace_id: string | null;
  steps: TraceStep[];
  /** The steps' usage summed field by field (a field is present when any step reported it); null when none did. */
  usage: StepUsage | null;
}
