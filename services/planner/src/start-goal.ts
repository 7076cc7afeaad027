import { randomUUID } from 'node:crypto';
import { inputDigestOf } from '@ledgerflow/audit';
import { runIdFor } from '@ledgerflow/contracts';
import type { Actor, GoalConstraints, GoalRequest, StartGoalResult, ToolCatalogEntry } from '@ledgerflow/contracts';
import { LedgerflowError, ValidationError, decide } from '@ledgerflow/domain';
import type { RunState } from '@ledgerflow/domain';
import { buildPlan, definitionWithSteps, validateRunInput } from '@ledgerflow/definitions';
import type { WorkflowDefinition, WorkflowResolver } from '@ledgerflow/definitions';
import type { Privacy, RunRepository } from '@ledgerflow/service-runtime';
import { withReviewGate, type PolicyDryRunner, goalStepIssues } from './planning/goal-validation.js';
import { generatePlan } from './planning/generate-plan.js';
import { PLAN_GENERATION_FAILED } from './planning/plan-generation-error.js';
import type { GenerateRequest, PlanGenerator } from './planning/plan-generator.js';

/** Reads the tool catalog (KV bucket `LF_TOOLS`): every announced entry. */
export type ToolCatalogReader = () => Promise<readonly ToolCatalogEntry[]>;

/** The generator a goal template names (`goal.generator`, configured from `goal.llm`). */
export type GeneratorFor = (template: WorkflowDefinition) => PlanGenerator;

/**
 * Turns a goal into a run (`lf.planner.start-goal`, docs/planning.md): resolves the template (latest version; it must
 * declare `goal:`), validates the input against its `inputSchema`, tokenizes it (with privacy configured, the
 * generator and the store see tokens only), reads the catalog restricted to what the template's agents may call and
 * the constraints allow, generates a plan with the template's generator, validates it (`goalStepIssues`: the
 * structural checks of a written plan, then a policy dry run of every step; the `llm` generator is asked again with
 * the issues, up to `goal.maxAttempts`), puts the template's `goal.review` gate on the plan's first steps, and
 * appends `RunTriggered` + `PlanGenerated` + `PlanCreated` (author `planner:<generator>`) to `run-<runId>` in one
 * commit. The executor then runs it as any plan. Nothing is appended for a refused goal.
 *
 * Idempotency: one (template, idempotencyKey), one run; `trigger.payloadDigest` is the digest of `{goal, input,
 * desiredOutputs, constraints}`: a repeat with the same request answers the recorded run (`created: false`) without
 * generating again; with another request it is `idempotency_key_reused`. Without a key, every goal is a new run.
 * @throws ValidationError `workflow_not_goal_template` (the template has written steps), `input_invalid`,
 *   `idempotency_key_reused`; LedgerflowError `workflow_unknown`; `plan_generation_failed` (`details.reason`:
 *   `catalog_empty` when no catalog entry is usable, a generator's reason such as `unreachable`, or `invalid_plan`
 *   with every attempt's issues, `policy_denied` among them), none retryable but a model's timeout or error.
 */
export class GoalStarter {
  constructor(
    private readonly definitions: WorkflowResolver,
    private readonly runs: RunRepository,
    private readonly catalog: ToolCatalogReader,
    private readonly dryRun: PolicyDryRunner,
    private readonly generatorFor: GeneratorFor,
    private readonly privacy?: Privacy,
  ) {}

  async start(request: GoalRequest, actor?: Actor): Promise<StartGoalResult> {
    const template = await this.definitions.resolve(request.template);
    const goal = template.goal;
    if (goal === undefined) {
      throw new ValidationError(
        'workflow_not_goal_template',
        `workflow ${template.id}@${template.version} has written steps, not a goal: start it as a run (POST /v1/workflows/${template.id}/runs), or name a template that declares goal:`,
        { field: 'template', workflowId: template.id, workflowVersion: template.version },
      );
    }
    const idempotencyKey = request.idempotencyKey ?? randomUUID();
    const runId = runIdFor(template.id, idempotencyKey);
    const payloadDigest = inputDigestOf({
      goal: request.goal,
      input: request.input ?? null,
      desiredOutputs: request.desiredOutputs ?? null,
      constraints: request.constraints ?? null,
    });
    const existing = await this.runs.load(runId);
    if (existing.state.status !== 'none') return answerExisting(existing.state, payloadDigest, idempotencyKey);
    validateRunInput(template, request.input);
    const input = this.privacy ? await this.privacy.tokenize(request.input, runId) : request.input;
    const constraints = mergeConstraints(goal.constraints ?? {}, request.constraints ?? {});
    const catalog = usableCatalog(template, constraints, await this.catalog());
    const desiredOutputs = request.desiredOutputs ?? goal.desiredOutputs;
    const generateRequest: GenerateRequest = {
      goal: request.goal,
      input,
      ...(desiredOutputs === undefined || typeof desiredOutputs === 'boolean' ? {} : { desiredOutputs }),
      constraints,
      catalog,
      template,
    };
    const generator = this.generatorFor(template);
    const validate = (steps: Parameters<typeof goalStepIssues>[1]) =>
      goalStepIssues(generateRequest, steps, this.dryRun);
    const generated = await generatePlan(generator, generateRequest, validate, goal.maxAttempts);
    const steps = withReviewGate(generated.steps, goal.review);
    const plan = buildPlan(definitionWithSteps(template, steps));
    const result = await this.runs.execute(
      runId,
      (state, now) => {
        // Another start with this key may have won the race since the load above.
        if (state.status !== 'none') {
          answerExisting(state, payloadDigest, idempotencyKey);
          return [];
        }
        return decide(
          {
            type: 'StartRun',
            data: {
              runId,
              workflowId: template.id,
              workflowVersion: template.version,
              trigger: { source: 'api', idempotencyKey, payloadDigest },
              input,
              plan,
              generated: generated.data,
            },
          },
          state,
          { now },
        );
      },
      { causationId: idempotencyKey, ...(actor === undefined ? {} : { actor }) },
    );
    return { runId, created: result.appended.length > 0, generator: generator.name, steps: plan.steps.length };
  }
}

/** The recorded run of a repeated key (same request), or `idempotency_key_reused`. */
function answerExisting(state: RunState, payloadDigest: string, idempotencyKey: string): StartGoalResult {
  if (state.trigger?.payloadDigest !== payloadDigest) {
    throw new ValidationError(
      'idempotency_key_reused',
      `idempotency key ${JSON.stringify(idempotencyKey)} already started run ${state.runId} of ${state.workflowId} with a different goal; send a new key for a new run, or the same goal to get that run`,
      { field: 'idempotencyKey', rule: 'same key, same goal', idempotencyKey, runId: state.runId },
    );
  }
  return {
    runId: state.runId ?? '',
    created: false,
    generator: state.generated?.generator ?? 'catalog',
    steps: state.plan?.steps.length ?? 0,
  };
}

const intersect = (a?: readonly string[], b?: readonly string[]): readonly string[] | undefined =>
  a === undefined ? b : b === undefined ? a : a.filter((x) => b.includes(x));
const least = (a?: number, b?: number): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/** The template's constraints narrowed by the goal's: allowed lists intersected, limits the lesser. */
export function mergeConstraints(template: GoalConstraints, goal: GoalConstraints): GoalConstraints {
  const allowedTools = intersect(template.allowedTools, goal.allowedTools);
  const allowedAgents = intersect(template.allowedAgents, goal.allowedAgents);
  const maxSteps = least(template.maxSteps, goal.maxSteps);
  const budgetUsd = least(template.budgetUsd, goal.budgetUsd);
  return {
    ...(allowedTools === undefined ? {} : { allowedTools }),
    ...(allowedAgents === undefined ? {} : { allowedAgents }),
    ...(maxSteps === undefined ? {} : { maxSteps }),
    ...(budgetUsd === undefined ? {} : { budgetUsd }),
  };
}

/**
 * The catalog entries a goal of `template` may use: declared under its `tools`, held (`tool.action`, `tool.*`) by an
 * agent the constraints allow, and among the allowed tools.
 * @throws LedgerflowError `plan_generation_failed` (`details.reason: catalog_empty`) when none is left, naming why.
 */
export function usableCatalog(
  template: WorkflowDefinition,
  constraints: GoalConstraints,
  entries: readonly ToolCatalogEntry[],
): ToolCatalogEntry[] {
  const agents = Object.entries(template.agents).filter(
    ([agent]) => constraints.allowedAgents === undefined || constraints.allowedAgents.includes(agent),
  );
  const usable = entries.filter((entry) => {
    const key = `${entry.tool}.${entry.action}`;
    const declared = Object.hasOwn(template.tools, entry.tool) && template.tools[entry.tool]?.includes(entry.action);
    const held = agents.some(([, caps]) => caps.some((cap) => cap === key || cap === `${entry.tool}.*`));
    const allowed = constraints.allowedTools === undefined || constraints.allowedTools.includes(key);
    return declared && held && allowed;
  });
  if (usable.length === 0) {
    throw new LedgerflowError(
      PLAN_GENERATION_FAILED,
      `no tool of the catalog is usable for a goal of ${template.id}: ${entries.length} announced, none declared under its tools, held by an allowed agent and allowed by the constraints; start the tool workers, or widen the template`,
      false,
      { reason: 'catalog_empty', workflowId: template.id, announced: entries.length },
    );
  }
  return usable;
}
