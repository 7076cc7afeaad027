import type { WorkflowDefinition } from '@ledgerflow/definitions';
import { CatalogGenerator } from './catalog-generator.js';
import { LlmGenerator } from './llm-generator.js';
import type { PlanGenerator } from './plan-generator.js';

/**
 * The generator a goal template names: `catalog` (the default), or `llm` configured from `goal.llm` (model, base URL,
 * the name of the planner's environment variable holding the API key, read at each call from `env`, and the timeout).
 */
export function generatorFor(
  template: WorkflowDefinition,
  env: Readonly<Record<string, string | undefined>> = process.env,
): PlanGenerator {
  const llm = template.goal?.llm;
  if (template.goal?.generator !== 'llm' || llm === undefined) return new CatalogGenerator();
  return new LlmGenerator({
    model: llm.model,
    baseUrl: llm.baseUrl,
    apiKeyEnv: llm.apiKeyEnv,
    timeoutMs: llm.timeoutMs,
    env,
  });
}
