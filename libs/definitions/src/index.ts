export * from './definition.types.js';
export * from './definition.errors.js';
export { definitionSchema } from './definition.schema.js';
export { WORKFLOW_SCHEMA_FILE, workflowJsonSchema, workflowJsonSchemaText } from './workflow-json-schema.js';
export { DEFINITION_DEFAULTS } from './normalize-definition.js';
export { parseDefinition } from './parse-definition.js';
export { buildPlan } from './build-plan.js';
export { definitionWithSteps, generatedStepIssues, generatedStepLimit } from './generated-steps.js';
export { recoveryFor, type RecoveryMatch } from './recoveries.js';
export { DefinitionRegistry, loadDefinitions, listYamlFiles, type WorkflowResolver } from './definition-registry.js';
export {
  readDefinitionSource,
  definitionOfDocument,
  definitionDigestOf,
  type DefinitionSource,
} from './definition-source.js';
export {
  WorkflowVersionExistsError,
  initialWorkflowVersions,
  evolveWorkflowVersions,
  foldWorkflowVersions,
  decideRegistration,
  workflowSummaryOf,
  workflowViewOf,
  type WorkflowVersions,
  type RegisteredVersion,
  type WorkflowStreamEvent,
  type VersionCandidate,
} from './workflow-versions.js';
export { validateRunInput, mapTriggerPayload } from './run-input.js';
export { stepOutputIssues, describeOutputIssues } from './step-output.js';
export {
  resolveStepInput,
  evaluateCondition,
  evaluateExpression,
  EXPRESSION_LIMITS,
  type ExpressionScope,
} from './expressions.js';
export { compareSemver } from './semver.js';
