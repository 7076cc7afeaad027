import type { ValidateFunction } from 'ajv';
import { LedgerflowError, ValidationError } from '@ledgerflow/domain';
import type { WorkflowDefinition } from './definition.types.js';
import { evaluateExpression } from './expressions.js';
import { compileSchema, schemaIssues } from './json-schema.js';

const validators = new WeakMap<WorkflowDefinition, ValidateFunction>();

/**
 * Checks a run input against the definition's `inputSchema` (compiled once per definition object).
 * @throws ValidationError `input_invalid`: the message names each failing field (JSON pointer, `/` for
 *   the whole input) and the rule, e.g. `run input of claim-review@1.2.0 is invalid: /claimId is
 *   required (required); /amount must be number (type)`; `details.errors` lists `{ path, rule, message }`,
 *   `details.field`/`details.rule` repeat the first.
 */
export function validateRunInput(definition: WorkflowDefinition, input: unknown): void {
  let validate = validators.get(definition);
  if (validate === undefined) {
    validate = compileSchema(definition.inputSchema);
    validators.set(definition, validate);
  }
  if (validate(input)) return;
  const errors = schemaIssues(validate.errors);
  const listed = errors.map((e) => `${e.path === '' ? '/' : e.path} ${e.message} (${e.rule})`).join('; ');
  throw new ValidationError(
    'input_invalid',
    `run input of ${definition.id}@${definition.version} is invalid: ${listed}`,
    {
      workflowId: definition.id,
      version: definition.version,
      field: errors[0]?.path ?? '',
      rule: errors[0]?.rule ?? 'schema',
      errors,
    },
  );
}

/**
 * The run input for a trigger payload: the definition's `trigger.input` JSONata expression evaluated
 * over the payload (`$` is the payload), or the payload itself when there is none.
 * @throws LedgerflowError `trigger_mapping_failed` (not retryable) naming the expression.
 */
export async function mapTriggerPayload(definition: WorkflowDefinition, payload: unknown): Promise<unknown> {
  const expression = definition.trigger?.input;
  if (expression === undefined) return payload;
  try {
    return await evaluateExpression(expression, payload);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LedgerflowError(
      'trigger_mapping_failed',
      `${definition.id}@${definition.version} trigger.input: expression ${JSON.stringify(expression)} failed: ${reason}`,
      false,
      { workflowId: definition.id, field: '/trigger/input', expression, reason },
    );
  }
}
