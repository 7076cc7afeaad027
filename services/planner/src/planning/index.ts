/** Plan generators for goals (docs/planning.md): the interface, the `catalog` and `llm` generators, the retry loop. */
export type { GeneratedSteps, GenerateRequest, PlanGenerator } from './plan-generator.js';
export { CatalogGenerator, catalogPlan, type MissingFact } from './catalog-generator.js';
export { LlmGenerator, LLM_DEFAULT_TIMEOUT_MS, type LlmGeneratorConfig } from './llm-generator.js';
export {
  generatePlan,
  catalogDigest,
  DEFAULT_PLAN_ATTEMPTS,
  type GeneratedPlan,
  type ValidateGeneratedSteps,
} from './generate-plan.js';
export { generatedPlanIssues } from './plan-issues.js';
export {
  PLAN_GENERATION_FAILED,
  planGenerationFailed,
  stepLimitOf,
  type PlanGenerationReason,
} from './plan-generation-error.js';
export { stepsSchema } from './steps-schema.js';
