import { matchReviewer } from '@ledgerflow/domain';
import type { Plan } from '@ledgerflow/domain';
import type { SignedInIdentity } from './jwt-claims.js';

/** A gate's deadline against the clock: what the inbox's countdown says. */
export interface SlaView {
  readonly overdue: boolean;
  /** `due in 3 h 59 min 12 s`, or `overdue by 2 min 5 s`. */
  readonly text: string;
}

/** `ms` as `1 d 2 h 3 min 4 s`, leaving out leading zero units (`4 s`, `3 min 4 s`). */
export function formatDuration(ms: number): string {
  let seconds = Math.floor(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['min', 60],
  ] as const) {
    const count = Math.floor(seconds / size);
    seconds -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count} ${unit}`);
  }
  parts.push(`${seconds} s`);
  return parts.join(' ');
}

/** The countdown to `dueAt` (ISO-8601) at `nowMs` (epoch ms); undefined for a gate without a deadline. */
export function slaOf(dueAt: string | undefined, nowMs: number): SlaView | undefined {
  if (!dueAt) return undefined;
  const left = Date.parse(dueAt) - nowMs;
  if (Number.isNaN(left)) return undefined;
  return left > 0
    ? { overdue: false, text: `due in ${formatDuration(left)}` }
    : { overdue: true, text: `overdue by ${formatDuration(left)}` };
}

/** The body of a redirect's `revision` (`GateRevisionBody` in services/gateway/src/gateway.dto.ts), as edited. */
export interface RevisionDraft {
  readonly addSteps: ReadonlyArray<Record<string, unknown>>;
  readonly removeStepIds: readonly string[];
}

/**
 * A starting point for a redirect of `stepId`'s gate: the gated step again under a new id (`<id>_revised`), with its
 * agent, tool, action, dependencies and input template, and the not-finished steps that depend on it, directly or
 * not, removed (docs/operations.md, "Gates": the gated step is replaced and its dependants must go, or the API
 * refuses the revision with `plan_unknown_dependency`). The reviewer edits it; the API validates it.
 */
export function revisionTemplate(plan: Plan | undefined, stepId: string): RevisionDraft {
  const step = plan?.steps.find((candidate) => candidate.id === stepId);
  if (!plan || !step) return { addSteps: [], removeStepIds: [] };
  const dependants = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const candidate of plan.steps) {
      if (dependants.has(candidate.id) || !candidate.dependsOn.some((id) => id === stepId || dependants.has(id)))
        continue;
      dependants.add(candidate.id);
      grew = true;
    }
  }
  const revised = {
    id: `${step.id}_revised`,
    name: `${step.name} (revised)`,
    agent: step.agent,
    tool: step.tool,
    action: step.action,
    dependsOn: [...step.dependsOn],
    input: step.input,
  };
  return {
    addSteps: [revised],
    removeStepIds: plan.steps.filter((candidate) => dependants.has(candidate.id)).map((candidate) => candidate.id),
  };
}

/**
 * The revision the reviewer typed, or why it cannot be sent: only JSON syntax and the two top-level arrays are
 * checked here (the request body's shape); what the steps may be is the API's to say, and its answer is shown.
 */
export function parseRevision(text: string): { revision: RevisionDraft } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `The revision is not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'The revision must be a JSON object {"addSteps": [...], "removeStepIds": [...]}.' };
  const { addSteps, removeStepIds } = value as { addSteps?: unknown; removeStepIds?: unknown };
  if (!Array.isArray(addSteps) || !Array.isArray(removeStepIds))
    return { error: 'The revision needs both "addSteps" and "removeStepIds" as arrays (either may be empty).' };
  return {
    revision: { addSteps: addSteps as Array<Record<string, unknown>>, removeStepIds: removeStepIds as string[] },
  };
}

/**
 * Whether the signed-in person is one of `reviewers`, and the sentence saying so: the entry that names them
 * (`matchReviewer`, the same rule the approval service applies), or their id, roles and teams against the entries.
 */
export function reviewerStanding(
  reviewers: readonly string[],
  identity: SignedInIdentity,
): { named: boolean; why: string } {
  const matched = matchReviewer(reviewers, {
    kind: 'human',
    id: identity.subject,
    roles: identity.roles,
    teams: identity.teams,
  });
  if (matched !== undefined) return { named: true, why: `This gate names you as ${matched}.` };
  const you = [
    `user ${identity.subject}`,
    identity.roles.length ? `roles ${identity.roles.join(', ')}` : 'no roles',
    identity.teams.length ? `teams ${identity.teams.join(', ')}` : 'no teams',
  ].join('; ');
  return { named: false, why: `Not yours to decide: this gate names ${reviewers.join(', ')}, and you are ${you}.` };
}
