import { DEFINITION_DEFAULTS, type StepDefinition } from '@ledgerflow/definitions';

/** What a generator decides of a step; the rest comes from the definition format's defaults. */
export interface StepDraft {
  readonly id: string;
  readonly name?: string;
  readonly tool: string;
  readonly action: string;
  readonly agent: string;
  readonly dependsOn: readonly string[];
  readonly input: unknown;
}

/**
 * A generated step as a definition would hold it once normalized: a `tool` step with the defaults a YAML step without
 * `retry`, `timeout`, `optional` or `policyTags` gets (`DEFINITION_DEFAULTS`, libs/definitions normalize-definition.ts):
 * one attempt, 30 s per attempt, not optional, no policy tags; `name` defaults to the id.
 */
export function generatedStep(draft: StepDraft): StepDefinition {
  return {
    id: draft.id,
    name: draft.name ?? draft.id,
    kind: 'tool',
    tool: draft.tool,
    action: draft.action,
    agent: draft.agent,
    dependsOn: [...draft.dependsOn],
    input: draft.input,
    retry: { ...DEFINITION_DEFAULTS.retry },
    timeoutMs: DEFINITION_DEFAULTS.timeoutMs,
    optional: false,
    policyTags: [],
  };
}

/** JSONata words that cannot stand as a bare path name (jsonata 2.x operators and literals). */
const RESERVED = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);
const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A path segment of a JSONata expression: the name as is, or backquoted (JSONata's quoting) when it needs it. */
export function pathSegment(name: string): string {
  return PLAIN_NAME.test(name) && !RESERVED.has(name) ? name : `\`${name}\``;
}

/** `=input.<name>`: the run input's property (docs/definitions.md, "Expressions"). */
export const inputRef = (name: string): string => `=input.${pathSegment(name)}`;

/** `=steps.<id>.output.<name>`: an upstream step's output property (docs/definitions.md, "Expressions"). */
export const stepOutputRef = (stepId: string, name: string): string =>
  `=steps.${pathSegment(stepId)}.output.${pathSegment(name)}`;
