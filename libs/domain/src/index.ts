export * from './errors.js';
export * from './time.js';
export * from './plan.js';
export * from './plan-validation.js';
export * from './plan-step-draft.js';
export { withAddedDependencies, withStepAgent } from './plan-changes.js';
export type { AddedDependencies } from './plan-changes.js';
export * from './events.js';
export * from './commands.js';
export * from './state.js';
export * from './evolve.js';
export * from './decide.js';
export * from './decide-sequence.js';
export * from './next-actions.js';
export * from './reviewers.js';
export { cumulativeConfidenceOf, reviewRequirementOf, reviewSettled, underReview } from './confidence.js';
export { confidenceRequirementOf, escalationChainOf, gateRequirementOf } from './gate-requirement.js';
export type { GateRequirement } from './gate-requirement.js';
export {
  allStepsDone,
  dependenciesSatisfied,
  firstFailedStep,
  gateOfStep,
  hasLiveWork,
  isStalled,
} from './run-rules.js';
export * from './checkpoints.js';
export * from './state-diff.js';
export * from './lineage.js';
export { carriedStepIds, ForkErrorCodes } from './decide-fork.js';
export * from './run-slots.js';
export * from './upcasters.js';
export * from './usage.js';
