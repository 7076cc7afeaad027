import type { CommandActor } from './commands.js';

/**
 * Who a gate names, and whether a reviewer is one of them (docs/operations.md, "Gates": a gate is decided
 * by a reviewer it names). A gate's reviewer entry is one of:
 * - `user:<id>`: the reviewer whose id (a token's `sub`) is `<id>`;
 * - `role:<role>`: any reviewer holding `<role>` (a token's `roles` claim);
 * - `team:<team>`: any member of `<team>` (a token's `teams` claim);
 * - a bare `<id>` without a colon: same as `user:<id>` (every gate stored before roles and teams).
 * Matching is exact and case-sensitive. Any other `<prefix>:` is malformed (`validatePlan`: `plan_invalid_gate`).
 */
export type ReviewerKind = 'user' | 'role' | 'team';

export interface ReviewerEntry {
  readonly kind: ReviewerKind;
  readonly name: string;
}

/** A human (or, to be refused, another actor) deciding a gate, with the roles and teams their token grants. */
export interface ReviewerActor extends CommandActor {
  readonly roles?: readonly string[];
  readonly teams?: readonly string[];
}

const KINDS: ReadonlySet<string> = new Set(['user', 'role', 'team']);

/** The entry's kind and name, or undefined when it is malformed (empty name, or an unknown `<prefix>:`). */
export function parseReviewerEntry(entry: string): ReviewerEntry | undefined {
  const colon = entry.indexOf(':');
  if (colon < 0) return entry.length > 0 ? { kind: 'user', name: entry } : undefined;
  const kind = entry.slice(0, colon);
  const name = entry.slice(colon + 1);
  if (!KINDS.has(kind) || name.length === 0) return undefined;
  return { kind: kind as ReviewerKind, name };
}

/** True when `entry` names `reviewer` (by id, one of their roles, or one of their teams). */
export function reviewerEntryMatches(entry: string, reviewer: ReviewerActor): boolean {
  const parsed = parseReviewerEntry(entry);
  if (!parsed) return false;
  switch (parsed.kind) {
    case 'user':
      return parsed.name === reviewer.id;
    case 'role':
      return (reviewer.roles ?? []).includes(parsed.name);
    case 'team':
      return (reviewer.teams ?? []).includes(parsed.name);
  }
}

/**
 * The first of `entries` (in the gate's order) that names `reviewer`, or undefined when none does.
 * @example matchReviewer(['user:ann', 'role:claims-lead'], { kind: 'human', id: 'bo', roles: ['claims-lead'] }) === 'role:claims-lead'
 */
export function matchReviewer(entries: readonly string[], reviewer: ReviewerActor): string | undefined {
  return entries.find((entry) => reviewerEntryMatches(entry, reviewer));
}
