import type { Plan, PlanStep } from './plan.js';

/** Step id -> dependencies to add to that existing step (`PlanRevised.addedDependencies`). */
export type AddedDependencies = Readonly<Record<string, readonly string[]>>;

/** The plan with `dependencies` added to the named steps (kept once each, in order); unknown step ids are ignored. */
export function withAddedDependencies(plan: Plan, dependencies: AddedDependencies | undefined): Plan {
  if (dependencies === undefined || Object.keys(dependencies).length === 0) return plan;
  return {
    ...plan,
    steps: plan.steps.map((step) => {
      const added = Object.hasOwn(dependencies, step.id) ? (dependencies[step.id] ?? []) : [];
      return added.length === 0 ? step : { ...step, dependsOn: [...new Set([...step.dependsOn, ...added])] };
    }),
  };
}

/** The plan with step `stepId` assigned to `agent` (an operator's substitute agent, `StepRetryScheduled.agent`). */
export function withStepAgent(plan: Plan, stepId: string, agent: string): Plan {
  return { ...plan, steps: plan.steps.map((step): PlanStep => (step.id === stepId ? { ...step, agent } : step)) };
}
