import { Ajv, type ErrorObject } from 'ajv';
import type { PlanIssue } from '@ledgerflow/contracts';
import { STEP_ID_PATTERN } from '@ledgerflow/domain';
import type { StepDraft } from './generated-step.js';

/**
 * The JSON Schema (draft-07) of what the `llm` generator asks a model for: `{ steps: [...] }`, each step as a
 * definition writes it (`id`, `name`, `tool`, `action`, `agent`, `dependsOn`, `input`), the defaults left to the
 * definition format. `maxSteps`: sent to the model as `maxItems`; without it (the generator's own shape check) the
 * step count is left to the plan's validation, which names `max_steps` with the goal's limit. `minSteps`: 1 for a
 * plan (default); 0 for adaptive steps, where `{ steps: [] }` means nothing to add.
 */
export function stepsSchema(maxSteps?: number, minSteps = 1): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['steps'],
    properties: {
      steps: {
        type: 'array',
        minItems: minSteps,
        ...(maxSteps === undefined ? {} : { maxItems: maxSteps }),
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'tool', 'action', 'agent', 'dependsOn', 'input'],
          properties: {
            id: { type: 'string', pattern: STEP_ID_PATTERN.source, description: 'unique step id' },
            name: { type: 'string', description: 'what the step does, for people' },
            tool: { type: 'string', description: 'a tool of the catalog' },
            action: { type: 'string', description: 'an action of that tool in the catalog' },
            agent: { type: 'string', description: "an agent of the template holding the action's capability" },
            dependsOn: { type: 'array', items: { type: 'string' }, description: 'ids of the steps it needs first' },
            input: {
              type: 'object',
              description:
                'the tool input: each property a literal or an expression string "=input.<name>" or "=steps.<id>.output.<name>"',
            },
          },
        },
      },
    },
  };
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validatePlanShape = ajv.compile<{ steps: StepDraft[] }>(stepsSchema());
const validateAddedShape = ajv.compile<{ steps: StepDraft[] }>(stepsSchema(undefined, 0));

/**
 * The model's parsed answer checked against {@link stepsSchema} (no count limit; `allowEmpty`: `{ steps: [] }`
 * passes, as for adaptive steps): the steps, or the issues.
 */
export function checkStepsShape(
  value: unknown,
  options: { readonly allowEmpty?: boolean } = {},
): { steps: StepDraft[] } | { issues: PlanIssue[] } {
  const validate = options.allowEmpty === true ? validateAddedShape : validatePlanShape;
  if (validate(value)) return { steps: value.steps };
  return { issues: (validate.errors ?? []).map(issueOf) };
}

function issueOf(error: ErrorObject): PlanIssue {
  const path = error.instancePath === '' ? '/' : error.instancePath;
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
      : '';
  return { rule: `schema_${error.keyword}`, path, message: `${path} ${error.message ?? 'is invalid'}${extra}` };
}
