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
  const catalog = request.catalog.map((entry) => ({
    tool: entry.tool,
    action: entry.action,
    description: entry.description,
    capability: entry.capability,
    inputSchema: entry.inputSchema,
    outputSchema: entry.outputSchema,
    ...(entry.cost === undefined ? {} : { cost: entry.cost }),
  }));
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
      steps: request.previous.steps.map(({ id, name, tool, action, agent, dependsOn, input }) => ({
        id,
        name,
        tool,
        action,
        agent,
        dependsOn,
        input,
      })),
      issues: request.previous.issues,
      instruction: 'The previous plan was refused for these issues. Answer with a corrected plan.',
    };
  }
  return { system, user: JSON.stringify(sections, null, 2) };
}

/** The prompt as recorded in `PlanGenerated.prompt`: both messages, labelled. */
export const promptText = (prompt: LlmPrompt): string => `[system]\n${prompt.system}\n\n[user]\n${prompt.user}`;
