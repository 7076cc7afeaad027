import type { RecommendationProposed } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';

/** A definition document as registered (`WorkflowVersionRegistered.definition`: the YAML as JSON, before defaults). */
export type DefinitionDocument = Readonly<Record<string, unknown>>;
type StepDocument = Record<string, unknown> & { id?: unknown; dependsOn?: unknown };

/**
 * The next patch version of a semantic version (semver.org 2.0.0): `1.4.2` -> `1.4.3`; a pre-release or build
 * suffix is dropped with the bump (`2.0.0-rc.1` -> `2.0.1`).
 */
export function nextPatchVersion(version: string): string {
  const [major, minor, patch] = (version.split(/[-+]/, 1)[0] as string).split('.').map(Number);
  return `${major ?? 0}.${minor ?? 0}.${(patch ?? 0) + 1}`;
}

const refuse = (code: string, message: string, details: Record<string, unknown>): never => {
  throw new LedgerflowError(code, message, false, details);
};

/** A step of the document by id, as a copy to change. */
function stepIndex(steps: readonly StepDocument[], stepId: string, recommendationId: string): number {
  const index = steps.findIndex((step) => step.id === stepId);
  if (index < 0)
    refuse(
      'recommendation_step_unknown',
      `step ${stepId} is not in the workflow's latest definition; recommendation ${recommendationId} no longer applies`,
      { recommendationId, stepId },
    );
  return index;
}

/**
 * The definition document that carries a recommendation's change, at the next patch version of `document.version`
 * ({@link nextPatchVersion}); the input document is left as it is.
 * - `raise_step_timeout`: the step's `timeout` becomes the proposed milliseconds.
 * - `adjust_confidence_threshold`: the step's `minConfidence` becomes the proposed threshold.
 * - `add_pre_validation`: the step is inserted before its target, `optional: true`, with the target's
 *   dependencies and input; the target then depends on it too; its `tool.action` is declared under `tools`, and
 *   under its agent's capabilities unless a wildcard (`tool.*`) covers it.
 * @throws LedgerflowError `recommendation_step_unknown` (the step is gone from the latest version),
 *   `recommendation_not_applicable` (`add_recovery_rule`, which changes no definition; a step id already taken).
 */
export function changedDefinition(
  document: DefinitionDocument,
  recommendation: RecommendationProposed,
): DefinitionDocument {
  const { recommendationId, proposal } = recommendation;
  const steps = [...((document['steps'] as StepDocument[] | undefined) ?? [])].map((step) => ({ ...step }));
  const version = nextPatchVersion(String(document['version']));
  if ('timeoutMs' in proposal) {
    const index = stepIndex(steps, proposal.stepId, recommendationId);
    steps[index] = { ...steps[index], timeout: proposal.timeoutMs };
    return { ...document, version, steps };
  }
  if ('minConfidence' in proposal) {
    const index = stepIndex(steps, proposal.stepId, recommendationId);
    steps[index] = { ...steps[index], minConfidence: proposal.minConfidence };
    return { ...document, version, steps };
  }
  if ('beforeStepId' in proposal) {
    const index = stepIndex(steps, proposal.beforeStepId, recommendationId);
    const target = steps[index] as StepDocument;
    const { step } = proposal;
    if (steps.some((other) => other.id === step.id))
      refuse('recommendation_not_applicable', `step id ${step.id} is taken in the latest definition`, {
        recommendationId,
        stepId: step.id,
      });
    const dependsOn = Array.isArray(target.dependsOn) ? (target.dependsOn as string[]) : [];
    const added: StepDocument = {
      id: step.id,
      tool: step.tool,
      action: step.action,
      agent: step.agent,
      optional: true,
      ...(dependsOn.length === 0 ? {} : { dependsOn }),
      ...(target['input'] === undefined ? {} : { input: target['input'] }),
    };
    steps.splice(index, 1, added, { ...target, dependsOn: [...dependsOn, step.id] });
    return { ...document, version, steps, ...declared(document, step.tool, step.action, step.agent) };
  }
  return refuse('recommendation_not_applicable', `recommendation ${recommendationId} changes no definition`, {
    recommendationId,
  });
}

/** `tools` and `agents` of the document with `tool.action` declared for `agent` (unchanged when it already is). */
function declared(document: DefinitionDocument, tool: string, action: string, agent: string): DefinitionDocument {
  const tools = { ...((document['tools'] as Record<string, string[]> | undefined) ?? {}) };
  const agents = { ...((document['agents'] as Record<string, string[]> | undefined) ?? {}) };
  const actions = tools[tool] ?? [];
  if (!actions.includes(action)) tools[tool] = [...actions, action];
  const capabilities = agents[agent] ?? [];
  const capability = `${tool}.${action}`;
  if (!capabilities.includes(capability) && !capabilities.includes(`${tool}.*`))
    agents[agent] = [...capabilities, capability];
  return { tools, agents };
}
