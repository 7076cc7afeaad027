import type { StepDefinition } from '@ledgerflow/definitions';
import type { GenerateRequest } from './plan-generator.js';
import { stepLimitOf } from './plan-generation-error.js';

/** The prompt of the `llm` generator: a system message (the task and its rules) and a user message (the case). */
export interface LlmPrompt {
  readonly system: string;
  readonly user: string;
}

/**
 * The prompt for one attempt (docs/planning.md, "The llm generator"): the rules of a plan (only catalog tools, agents
 * with the capability, `dependsOn` before use, expression syntax, the step limit) and the JSON Schema of the answer;
 * then the goal, the input (personal data already tokenized by the caller), the desired outputs, the constraints, the
 * template's agents, the catalog (tool, action, description, capability, schemas, cost) and, on a retry, the previous
 * steps with the issues validation found in them.
 */
export function llmPrompt(request: GenerateRequest, schema: Record<string, unknown>): LlmPrompt {
  const limit = stepLimitOf(request);
  const system = [
    'You plan workflows for Ledgerflow. Answer with one JSON object {"steps": [...]} matching the JSON Schema below, and nothing else.',
    'Rules:',
    '- Use only tool actions from the catalog; each step runs one (tool, action).',
    "- Assign each step an agent of the template that holds the action's capability, and only agents and tools the constraints allow.",
    `- At most ${limit} steps; ids are unique, lower case, matching ^[a-z][a-z0-9_-]{0,62}$.`,
    '- input gives every required property of the tool input schema: a literal, or an expression string',
    '  "=input.<name>" (the run input) or "=steps.<id>.output.<name>" (an upstream step\'s output).',
    '- A step that reads steps.<id> lists <id> in dependsOn; no cycles. Steps that do not depend on each other run in parallel.',
    '- The plan must produce the desired outputs.',
    'JSON Schema of the answer:',
    JSON.stringify(schema),
  ].join('\n');
  const catalog = catalogSection(request);
  const sections: Record<string, unknown> = {
    goal: request.goal,
    input: request.input,
    ...(request.desiredOutputs === undefined ? {} : { desiredOutputs: request.desiredOutputs }),
    constraints: { ...request.constraints, maxSteps: limit },
    agents: request.template.agents,
    catalog,
  };
  if (request.previous !== undefined) {
    sections.previousAttempt = {
      steps: request.previous.steps.map(stepSection),
      issues: request.previous.issues,
      instruction: 'The previous plan was refused for these issues. Answer with a corrected plan.',
    };
  }
  return { system, user: JSON.stringify(sections, null, 2) };
}

/** The catalog as the model sees it: tool, action, description, capability, schemas, cost. */
const catalogSection = (request: GenerateRequest): unknown[] =>
  request.catalog.map((entry) => ({
    tool: entry.tool,
    action: entry.action,
    description: entry.description,
    capability: entry.capability,
    inputSchema: entry.inputSchema,
    outputSchema: entry.outputSchema,
    ...(entry.cost === undefined ? {} : { cost: entry.cost }),
  }));

/** A step as the model wrote it (a refused attempt's, sent back with its issues). */
const stepSection = ({ id, name, tool, action, agent, dependsOn, input }: StepDefinition): Record<string, unknown> => ({
  id,
  name,
  tool,
  action,
  agent,
  dependsOn,
  input,
});

/** The prompt as recorded in `PlanGenerated.prompt`: both messages, labelled. */
export const promptText = (prompt: LlmPrompt): string => `[system]\n${prompt.system}\n\n[user]\n${prompt.user}`;

/** One step of a running plan as the model is shown it: the written step, its status, and its output or error code. */
export interface PlanStepReport {
  readonly id: string;
  readonly name: string;
  readonly tool: string;
  readonly action: string;
  readonly agent: string;
  readonly dependsOn: readonly string[];
  readonly input: unknown;
  /** The step's status in the run (`pending`, `running`, `succeeded`, `failed`, `skipped`, ...). */
  readonly status: string;
  /** A succeeded step's output as the run recorded it (personal data tokenized). */
  readonly output?: unknown;
  /** A failed step's error code (e.g. `step_timeout`); the message is not sent. */
  readonly errorCode?: string;
}

/**
 * What the `llm` generator is asked after a step outcome of an adaptive goal run (docs/planning.md, "Adaptive
 * steps"): the goal request as recorded (goal, tokenized input, the template's desired outputs and constraints, the
 * usable catalog), the plan so far with each step's status and output or error code, the outcome that prompted the
 * question, and `budget`: how many steps may still be added (the step limit minus the plan's steps, >= 1).
 */
export interface AdaptiveRequest extends GenerateRequest {
  readonly plan: readonly PlanStepReport[];
  readonly outcome: { readonly stepId: string; readonly status: 'succeeded' | 'failed' };
  readonly budget: number;
}

/**
 * The prompt asking for steps to add to a running plan: the rules of a plan as for {@link llmPrompt} (catalog tools,
 * agents with the capability, expressions, `dependsOn` before use), that existing steps may be depended on and their
 * outputs read, that `{"steps": []}` means nothing to add, the budget, and the answer's JSON Schema; then the goal,
 * input, constraints, agents, catalog, the plan with statuses and outputs, the outcome and, on a retry, the previous
 * proposal with its issues.
 */
export function adaptivePrompt(request: AdaptiveRequest, schema: Record<string, unknown>): LlmPrompt {
  const system = [
    'You extend a running Ledgerflow workflow plan. A step has just succeeded or failed; decide whether steps must be added to reach the goal.',
    'Answer with one JSON object {"steps": [...]} matching the JSON Schema below, and nothing else: the steps to ADD, or {"steps": []} when nothing is needed.',
    'Rules:',
    '- Use only tool actions from the catalog; each step runs one (tool, action).',
    "- Assign each step an agent of the template that holds the action's capability, and only agents and tools the constraints allow.",
    `- Add at most ${request.budget} steps; ids are new (not in the plan), unique, lower case, matching ^[a-z][a-z0-9_-]{0,62}$.`,
    '- input gives every required property of the tool input schema: a literal, or an expression string',
    '  "=input.<name>" (the run input) or "=steps.<id>.output.<name>" (an output of a step of the plan or of another added step).',
    '- A step that reads steps.<id> lists <id> in dependsOn; an added step may depend on steps of the plan. No cycles.',
    '- Do not repeat work the plan already does or did; a failed step is not run again by adding it.',
    'JSON Schema of the answer:',
    JSON.stringify(schema),
  ].join('\n');
  const sections: Record<string, unknown> = {
    goal: request.goal,
    input: request.input,
    ...(request.desiredOutputs === undefined ? {} : { desiredOutputs: request.desiredOutputs }),
    constraints: request.constraints,
    agents: request.template.agents,
    catalog: catalogSection(request),
    plan: { steps: request.plan },
    outcome: request.outcome,
    remainingSteps: request.budget,
  };
  if (request.previous !== undefined) {
    sections.previousAttempt = {
      steps: request.previous.steps.map(stepSection),
      issues: request.previous.issues,
      instruction: 'The previous proposal was refused for these issues. Answer with corrected steps, or {"steps": []}.',
    };
  }
  return { system, user: JSON.stringify(sections, null, 2) };
}
