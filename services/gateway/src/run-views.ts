import { lineageOf, sumUsage } from '@ledgerflow/domain';
import type { StepSucceeded, StepUsage } from '@ledgerflow/domain';
import type { RunState } from '@ledgerflow/domain';
import type { StoredEvent } from '@ledgerflow/event-store';
import { traceIdOf } from '@ledgerflow/contracts';
import type { RunTrace } from '@ledgerflow/contracts';

export type { RunTrace, TraceStep } from '@ledgerflow/contracts';

/** The body of `GET /v1/runs/{id}`: the folded state with steps in plan order. */
export function runView(runId: string, state: RunState, events: readonly StoredEvent[]) {
  return {
    runId,
    workflowId: state.workflowId,
    workflowVersion: state.workflowVersion,
    status: state.status,
    trigger: state.trigger,
    input: state.input,
    createdAt: events[0]?.metadata.occurredAt,
    updatedAt: events[events.length - 1]?.metadata.occurredAt,
    revision: events.length - 1,
    failure: state.failure,
    pause: state.pause,
    steps: (state.plan?.steps ?? []).map((step) => ({
      ...state.steps[step.id],
      name: step.name,
      tool: step.tool,
      action: step.action,
    })),
    gates: Object.values(state.gates),
  };
}

/**
 * The body of `GET /v1/runs/{id}/trace`: one row per plan step (durations in ms, attempts, policy, gate, error,
 * lineage, and the tokens and cost its tool reported in `StepSucceeded.usage`), and the run's usage summed.
 */
export function traceView(runId: string, state: RunState, events: readonly StoredEvent[]): RunTrace {
  const attemptsMs = new Map<string, number>();
  const started = new Map<string, number>();
  const usages = new Map<string, StepUsage[]>();
  for (const event of events) {
    if (event.type === 'StepStarted') {
      const stepId = (event.data as { stepId: string }).stepId;
      started.set(stepId, (started.get(stepId) ?? 0) + 1);
    }
    if (event.type === 'StepSucceeded') {
      const { stepId, usage } = event.data as StepSucceeded['data'];
      if (usage !== undefined) usages.set(stepId, [...(usages.get(stepId) ?? []), usage]);
    }
    if (event.type !== 'StepSucceeded' && event.type !== 'StepFailed') continue;
    const data = event.data as { stepId: string; durationMs: number };
    attemptsMs.set(data.stepId, (attemptsMs.get(data.stepId) ?? 0) + data.durationMs);
  }
  const first = events[0]?.metadata.occurredAt;
  const last = events[events.length - 1]?.metadata.occurredAt;
  const total = state.durationMs ?? (first && last ? Date.parse(last) - Date.parse(first) : 0);
  return {
    run_id: runId,
    workflow_id: state.workflowId ?? '',
    status: state.status,
    total_duration_ms: total,
    trace_id: traceIdOf(events[0]?.metadata.traceparent),
    steps: (state.plan?.steps ?? []).map((step) => {
      const s = state.steps[step.id];
      const gate = s?.gateId ? state.gates[s.gateId] : undefined;
      return {
        step: step.id,
        name: step.name,
        tool: step.tool,
        action: step.action,
        agent: step.agent,
        status: s?.status ?? 'pending',
        attempts: started.get(step.id) ?? 0,
        duration_ms: s?.durationMs ?? null,
        total_attempts_ms: attemptsMs.get(step.id) ?? 0,
        policy: s?.decision?.outcome ?? null,
        policy_rationale: s?.decision?.rationale ?? null,
        gate: gate
          ? { gate_id: gate.gateId, status: gate.status, ...(gate.decidedBy ? { decided_by: gate.decidedBy } : {}) }
          : null,
        error: s?.error
          ? { code: s.error.code, message: s.error.message }
          : s?.blocked
            ? { code: s.blocked.code, message: s.blocked.reason }
            : null,
        lineage: s?.status === 'succeeded' ? (lineageOf(state, step.id) ?? null) : null,
        usage: sumUsage(usages.get(step.id) ?? []) ?? null,
      };
    }),
    usage: sumUsage([...usages.values()].flat()) ?? null,
  };
}
