import { parseReviewerEntry } from '@ledgerflow/domain';
import type { GateSpec } from '@ledgerflow/domain';
import type { DefinitionIssue, WorkflowDefinition } from './definition.types.js';

/** The reviewer entry forms (libs/domain reviewers.ts): what every message about a bad entry recalls. */
const FORMS = 'a reviewer is user:<id>, role:<role>, team:<team> or a bare id (= user:<id>)';
const NAME_OF: Record<string, string> = { user: 'user id', role: 'role', team: 'team' };

/**
 * What is wrong with one reviewer entry, or undefined when it is well-formed. The domain's `parseReviewerEntry`
 * decides (an unknown `<prefix>:` or an empty name is malformed); on top of it a definition refuses whitespace
 * around an entry or its name (`user: ann` would name the user " ann", whom no token carries).
 */
export function reviewerEntryProblem(entry: string): string | undefined {
  const shown = JSON.stringify(entry);
  const parsed = parseReviewerEntry(entry);
  if (parsed === undefined) {
    const colon = entry.indexOf(':');
    const prefix = entry.slice(0, colon).trim();
    if (colon >= 0 && Object.hasOwn(NAME_OF, prefix)) return `${shown} names no ${NAME_OF[prefix] ?? prefix}: ${FORMS}`;
    return `${shown} has ${prefix === '' ? 'an empty prefix' : `an unknown prefix "${prefix}"`}: ${FORMS}`;
  }
  if (entry !== entry.trim() || parsed.name !== parsed.name.trim())
    return `${shown} has whitespace around its name: ${FORMS}`;
  return undefined;
}

/**
 * Problems of one gate spec at JSON pointer `at`: every reviewer entry (`reviewers`, `escalateTo`,
 * `escalation/<i>/reviewers`) well-formed (rule `reviewer_entry`), and not both `escalateTo` and `escalation`
 * (rule `escalation_exclusive`: the plan would silently ignore `escalateTo`).
 */
export function gateSpecIssues(gate: GateSpec, at: string): DefinitionIssue[] {
  const lists: [readonly string[], string][] = [
    [gate.reviewers, `${at}/reviewers`],
    [gate.escalateTo ?? [], `${at}/escalateTo`],
    ...(gate.escalation ?? []).map((level, i): [readonly string[], string] => [
      level.reviewers,
      `${at}/escalation/${i}/reviewers`,
    ]),
  ];
  const issues = lists.flatMap(([entries, path]) =>
    entries.flatMap((entry, j): DefinitionIssue[] => {
      const problem = reviewerEntryProblem(entry);
      return problem === undefined ? [] : [{ path: `${path}/${j}`, rule: 'reviewer_entry', message: problem }];
    }),
  );
  if (gate.escalateTo !== undefined && gate.escalation !== undefined) {
    issues.push({
      path: `${at}/escalateTo`,
      rule: 'escalation_exclusive',
      message:
        'sets both escalateTo (one level) and escalation (a chain): keep one; write a single level as escalation: [{ reviewers: [...] }]',
    });
  }
  return issues;
}

/** Problems of every gate of a definition: the workflow's `confidenceGate`, then each step's `gate` and `confidenceGate`. */
export function gateIssues(definition: WorkflowDefinition): DefinitionIssue[] {
  const issues =
    definition.confidenceGate === undefined ? [] : gateSpecIssues(definition.confidenceGate, '/confidenceGate');
  definition.steps.forEach((step, i) => {
    if (step.gate !== undefined) issues.push(...gateSpecIssues(step.gate, `/steps/${i}/gate`));
    if (step.confidenceGate !== undefined)
      issues.push(...gateSpecIssues(step.confidenceGate, `/steps/${i}/confidenceGate`));
  });
  return issues;
}
