import { parseDefinition, buildPlan, DefinitionRegistry } from '@ledgerflow/definitions';
import type { WorkflowDefinition } from '@ledgerflow/definitions';
import { decide } from '@ledgerflow/domain';
import type { PolicyDecision, RunCommand } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { RunRepository } from '@ledgerflow/service-runtime';

/** Test fixtures of the operator and recovery use cases: a small workflow and runs driven to a failed step. */

export const NOW = '2026-05-01T10:00:00.000Z';

export const definition: WorkflowDefinition = parseDefinition(
  `
id: ops
version: 1.0.0
tools: { bench: [noop, flaky, token, refresh_token] }
agents: { main: [bench.noop, bench.flaky, bench.token, bench.refresh_token], backup: [bench.flaky] }
steps:
  - { id: prepare, tool: bench, action: noop, agent: main }
  - { id: call_api, tool: bench, action: token, agent: main, dependsOn: [prepare] }
  - { id: notify, tool: bench, action: flaky, agent: main, dependsOn: [prepare], optional: true }
recoveries:
  - id: refresh-expired-token
    on: { code: token_expired }
    steps: [{ id: refresh_token, tool: bench, action: refresh_token, agent: main }]
`,
  'ops.yaml',
);

const allow: PolicyDecision = { outcome: 'allow', rules: [], rationale: 'ok', auditId: 'aud-1' };

export function fixtures(): { store: InMemoryEventStore; runs: RunRepository; registry: DefinitionRegistry } {
  const store = new InMemoryEventStore();
  return {
    store,
    runs: new RunRepository(store, { kind: 'service', id: 'planner' }, () => new Date(NOW)),
    registry: new DefinitionRegistry([definition]),
  };
}

async function apply(runs: RunRepository, runId: string, command: RunCommand): Promise<void> {
  await runs.execute(runId, (state, now) => decide(command, state, { now }), { causationId: 'test' });
}

/** Starts run `runId` of `ops`, lets `prepare` succeed, and fails each of `failures` (step -> error code, not retryable). */
export async function runWithFailures(
  runs: RunRepository,
  runId: string,
  failures: Record<string, string>,
): Promise<void> {
  await apply(runs, runId, {
    type: 'StartRun',
    data: {
      runId,
      workflowId: 'ops',
      workflowVersion: '1.0.0',
      trigger: { source: 'api', idempotencyKey: runId },
      input: {},
      plan: buildPlan(definition),
    },
  });
  const run = async (stepId: string, outcome: (attempt: number) => RunCommand): Promise<void> => {
    await apply(runs, runId, { type: 'RecordStepPolicyDecision', data: { stepId, attempt: 1, decision: allow } });
    await apply(runs, runId, {
      type: 'StartStep',
      data: { stepId, attempt: 1, idempotencyKey: `${runId}/${stepId}/1`, input: {} },
    });
    await apply(runs, runId, outcome(1));
  };
  await run('prepare', (attempt) => ({
    type: 'RecordStepSucceeded',
    data: { stepId: 'prepare', attempt, output: {}, durationMs: 1, runDurationMs: 1 },
  }));
  for (const [stepId, code] of Object.entries(failures)) {
    await run(stepId, (attempt) => ({
      type: 'RecordStepFailed',
      data: { stepId, attempt, error: { code, message: `${code}!`, retryable: false }, durationMs: 1 },
    }));
  }
}
