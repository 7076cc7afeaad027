import { inputDigestOf } from '@ledgerflow/audit';
import { decide, ValidationError } from '@ledgerflow/domain';
import type { EvaluationTag, RunState } from '@ledgerflow/domain';
import type { Actor, StartRunResult, TriggerMessage } from '@ledgerflow/contracts';
import { buildPlan, mapTriggerPayload, validateRunInput } from '@ledgerflow/definitions';
import type { WorkflowResolver } from '@ledgerflow/definitions';
import type { Privacy, RunRepository } from '@ledgerflow/service-runtime';
import { runIdFor } from '@ledgerflow/contracts';

/** Largest trigger payload accepted, in bytes of its JSON form (NATS' default max_payload is 1 MiB). */
export const MAX_TRIGGER_PAYLOAD_BYTES = 256 * 1024;

/**
 * Turns a trigger into a run: resolves the workflow definition (latest version registered up to now, see
 * `WorkflowCatalog`; the run records it as `workflowVersion` and keeps its plan), maps the trigger payload
 * to the run input, validates it against the definition's `inputSchema`, builds the plan, tokenizes PII in
 * the input (with privacy configured, only tokens are persisted) and appends `RunTriggered` + `PlanCreated`
 * to a new stream `run-<runId>`. Nothing is appended for a rejected trigger.
 * The same (workflowId, idempotencyKey) always yields the same runId and at most one run.
 * `actor`: the person or service account who started it, as verified (recorded as the events' `metadata.actor`);
 * absent for a trigger with no caller (webhook, NATS, schedule): the planner is the actor.
 *
 * Idempotency: `RunTriggered.trigger.payloadDigest` records `inputDigestOf(payload)` (sha256 of the canonical
 * JSON, so key order and spacing do not matter). A repeat with the same key and the same payload answers the
 * existing run (`created: false`) without mapping, validating or tokenizing again; with another payload it is
 * refused with `idempotency_key_reused` and nothing is appended (payment APIs answer such a reuse with an error:
 * the first input is never silently kept). A run recorded before the digest existed has none: any payload is
 * taken as a match, as before. An evaluation run (`trigger.evaluation`, recorded as `RunTriggered.evaluation`) is
 * matched on its tag too: the same key with another tag, or with none, is `idempotency_key_reused` (`field:
 * 'evaluation'`); the payload digest stays the payload's alone, so it compares with runs recorded before.
 *
 * @throws LedgerflowError `workflow_unknown`; ValidationError `workflow_requires_goal` (a goal template: its runs
 *   start from a goal, `GoalStarter`), `payload_too_large`, `input_invalid` (naming
 *   each field and rule), `idempotency_key_reused` (details `{field: 'idempotencyKey', idempotencyKey,
 *   workflowId, runId}`, not retryable); DefinitionError/ValidationError from plan building.
 */
export class RunStarter {
  constructor(
    private readonly definitions: WorkflowResolver,
    private readonly runs: RunRepository,
    private readonly privacy?: Privacy,
  ) {}

  async start(trigger: TriggerMessage, actor?: Actor): Promise<StartRunResult> {
    const size = Buffer.byteLength(JSON.stringify(trigger.payload ?? null));
    if (size > MAX_TRIGGER_PAYLOAD_BYTES) {
      throw new ValidationError(
        'payload_too_large',
        `trigger payload is ${size} bytes; the limit is ${MAX_TRIGGER_PAYLOAD_BYTES} bytes`,
        { field: 'payload', limit: MAX_TRIGGER_PAYLOAD_BYTES, actual: size },
      );
    }
    const definition = await this.definitions.resolve(trigger.workflowId);
    if (definition.goal !== undefined) {
      throw new ValidationError(
        'workflow_requires_goal',
        `workflow ${definition.id}@${definition.version} declares a goal, not steps: its runs start from a goal (POST /v1/goals with template ${JSON.stringify(definition.id)}), which generates the plan`,
        { field: 'workflowId', workflowId: definition.id, workflowVersion: definition.version },
      );
    }
    const runId = runIdFor(definition.id, trigger.idempotencyKey);
    const payloadDigest = inputDigestOf(trigger.payload);
    const evaluation =
      trigger.evaluation === undefined
        ? undefined
        : { goldenSet: trigger.evaluation.goldenSet, caseId: trigger.evaluation.caseId };
    const existing = await this.runs.load(runId);
    if (existing.state.status !== 'none') {
      assertSameTrigger(existing.state, payloadDigest, trigger);
      return { runId, created: false };
    }
    const input = await mapTriggerPayload(definition, trigger.payload);
    validateRunInput(definition, input);
    const plan = buildPlan(definition);
    const persistedInput = this.privacy ? await this.privacy.tokenize(input, runId) : input;
    const result = await this.runs.execute(
      runId,
      (state, now) => {
        // Another start with this key may have won the race since the load above.
        if (state.status !== 'none') return assertSameTrigger(state, payloadDigest, trigger);
        return decide(
          {
            type: 'StartRun',
            data: {
              runId,
              workflowId: definition.id,
              workflowVersion: definition.version,
              trigger: { source: trigger.source, idempotencyKey: trigger.idempotencyKey, payloadDigest },
              input: persistedInput,
              plan,
              ...(evaluation === undefined ? {} : { evaluation }),
            },
          },
          state,
          { now },
        );
      },
      { causationId: trigger.idempotencyKey, ...(actor === undefined ? {} : { actor }) },
    );
    return { runId, created: result.appended.length > 0 };
  }
}

/**
 * Nothing to append when the run exists with the same payload (or with no digest recorded: a run older than
 * `payloadDigest`) and the same evaluation tag (or none on both); `idempotency_key_reused` when it was started with
 * another payload, or as another evaluation case (or as a production run: one key names one run of one kind).
 */
function assertSameTrigger(state: RunState, payloadDigest: string, trigger: TriggerMessage): [] {
  const recorded = state.trigger?.payloadDigest;
  if (!sameEvaluation(state.evaluation, trigger.evaluation)) {
    throw new ValidationError(
      'idempotency_key_reused',
      `idempotency key ${JSON.stringify(trigger.idempotencyKey)} already started run ${state.runId} of ${trigger.workflowId} ${describeEvaluation(state.evaluation)}, not ${describeEvaluation(trigger.evaluation)}; send a new key for a new run`,
      {
        field: 'evaluation',
        rule: 'same key, same evaluation',
        idempotencyKey: trigger.idempotencyKey,
        workflowId: trigger.workflowId,
        runId: state.runId,
      },
    );
  }
  if (recorded === undefined || recorded === payloadDigest) return [];
  throw new ValidationError(
    'idempotency_key_reused',
    `idempotency key ${JSON.stringify(trigger.idempotencyKey)} already started run ${state.runId} of ${trigger.workflowId} with a different payload; send a new key for a new run, or the same payload to get that run`,
    {
      field: 'idempotencyKey',
      rule: 'same key, same payload',
      idempotencyKey: trigger.idempotencyKey,
      workflowId: trigger.workflowId,
      runId: state.runId,
    },
  );
}

function sameEvaluation(a: EvaluationTag | undefined, b: EvaluationTag | undefined): boolean {
  return a?.goldenSet === b?.goldenSet && a?.caseId === b?.caseId;
}

function describeEvaluation(evaluation: EvaluationTag | undefined): string {
  return evaluation === undefined
    ? 'as a production run'
    : `as case ${JSON.stringify(evaluation.caseId)} of golden set ${JSON.stringify(evaluation.goldenSet)}`;
}
