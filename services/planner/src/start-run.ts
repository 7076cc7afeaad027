import { decide, ValidationError } from '@ledgerflow/domain';
import type { StartRunResult, TriggerMessage } from '@ledgerflow/contracts';
import { buildPlan, mapTriggerPayload, validateRunInput } from '@ledgerflow/definitions';
import type { DefinitionRegistry } from '@ledgerflow/definitions';
import type { Privacy, RunRepository } from '@ledgerflow/service-runtime';
import { runIdFor } from './run-id.js';

/** Largest trigger payload accepted, in bytes of its JSON form (NATS' default max_payload is 1 MiB). */
export const MAX_TRIGGER_PAYLOAD_BYTES = 256 * 1024;

/**
 * Turns a trigger into a run: resolves the workflow definition (latest version), maps the trigger payload
 * to the run input, validates it against the definition's `inputSchema`, builds the plan, tokenizes PII in
 * the input (with privacy configured, only tokens are persisted) and appends `RunTriggered` + `PlanCreated`
 * to a new stream `run-<runId>`. Nothing is appended for a rejected trigger.
 * The same (workflowId, idempotencyKey) always yields the same runId and at most one run.
 *
 * @throws LedgerflowError `workflow_unknown`; ValidationError `payload_too_large`, `input_invalid` (naming
 *   each field and rule); DefinitionError/ValidationError from plan building.
 */
export class RunStarter {
  constructor(
    private readonly definitions: DefinitionRegistry,
    private readonly runs: RunRepository,
    private readonly privacy?: Privacy,
  ) {}

  async start(trigger: TriggerMessage): Promise<StartRunResult> {
    const size = Buffer.byteLength(JSON.stringify(trigger.payload ?? null));
    if (size > MAX_TRIGGER_PAYLOAD_BYTES) {
      throw new ValidationError(
        'payload_too_large',
        `trigger payload is ${size} bytes; the limit is ${MAX_TRIGGER_PAYLOAD_BYTES} bytes`,
        { field: 'payload', limit: MAX_TRIGGER_PAYLOAD_BYTES, actual: size },
      );
    }
    const definition = this.definitions.get(trigger.workflowId);
    const input = await mapTriggerPayload(definition, trigger.payload);
    validateRunInput(definition, input);
    const plan = buildPlan(definition);
    const runId = runIdFor(definition.id, trigger.idempotencyKey);
    const persistedInput = this.privacy ? await this.privacy.tokenize(input, runId) : input;
    const result = await this.runs.execute(
      runId,
      (state, now) =>
        state.status !== 'none'
          ? []
          : decide(
              {
                type: 'StartRun',
                data: {
                  runId,
                  workflowId: definition.id,
                  workflowVersion: definition.version,
                  trigger: { source: trigger.source, idempotencyKey: trigger.idempotencyKey },
                  input: persistedInput,
                  plan,
                },
              },
              state,
              { now },
            ),
      { causationId: trigger.idempotencyKey },
    );
    return { runId, created: result.appended.length > 0 };
  }
}
