import type { Context, CedarValueJson, EntityJson, EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyFacts } from '@ledgerflow/contracts';

/** Context keys Ledgerflow sets itself; an input field with one of these names is not copied. */
export const RESERVED_CONTEXT_KEYS = [
  'runId',
  'workflowId',
  'stepId',
  'attempt',
  'tool',
  'action',
  'capability',
  'tags',
  'exact',
  'learnedRecovery',
  'learnedRule',
] as const;
const RESERVED = new Set<string>(RESERVED_CONTEXT_KEYS);
/** Cedar `decimal` holds 4 fraction digits within +-922,337,203,685,477.5807; we stay well inside it. */
const DECIMAL_LIMIT = 9e14;
const NUMBER_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** The Cedar request of a step action: entities, principal, action, resource and context. */
export interface CedarRequest {
  readonly principal: EntityUidJson;
  readonly action: EntityUidJson;
  readonly resource: EntityUidJson;
  readonly context: Context;
  readonly entities: EntityJson[];
}

/**
 * Builds the Cedar request for a step (docs/policies.md, "Cedar entities and context"):
 * - principal `Agent::"<agent>"` with attribute `capabilities` (Set of String, the request's
 *   `agentCapabilities`); action `Tool::Action::"<tool>.<action>"` (Cedar requires
 *   action entities to be of type `Action`, here in the namespace `Tool`); resource `System::"<tool>"`;
 * - context `runId`, `workflowId`, `stepId`, `attempt` (Long), `tool`, `action`, `capability`
 *   (`"<tool>.<action>"`), `tags` (Set of String, the step's `policyTags`), `learnedRecovery` (Bool: a learned
 *   recovery rule added the step, `PolicyFacts.learnedFrom`) and `learnedRule` (that rule's id, `""` when none);
 * - every top-level number and boolean of the step input under its own name (unless reserved), numbers as
 *   Long: integers as they are, a fraction rounded up (4,820.50 -> 4821), so `context.amount > N` and
 *   `context.amount <= N` are exact for a whole N; the exact value as a Cedar decimal (4 fraction digits)
 *   in `context.exact.<name>` for `>=`, `<` or limits with cents. Numbers beyond 2^53 (Long) or 9e14
 *   (decimal) are left out; strings never enter the context.
 */
export function cedarRequestOf(request: PolicyFacts): CedarRequest {
  const principal = { type: 'Agent', id: request.agent };
  const exact: Record<string, CedarValueJson> = {};
  const context: Record<string, CedarValueJson> = {
    runId: request.runId,
    workflowId: request.workflowId,
    stepId: request.stepId,
    attempt: request.attempt,
    tool: request.tool,
    action: request.action,
    capability: `${request.tool}.${request.action}`,
    tags: [...request.policyTags],
    learnedRecovery: request.learnedFrom !== undefined,
    learnedRule: request.learnedFrom?.rule ?? '',
    exact,
  };
  for (const [name, value] of inputFacts(request.input)) {
    if (typeof value === 'boolean') {
      context[name] = value;
      continue;
    }
    const long = Number.isInteger(value) ? value : Math.ceil(value);
    if (Number.isSafeInteger(long)) context[name] = long;
    if (Math.abs(value) < DECIMAL_LIMIT) exact[name] = { __extn: { fn: 'decimal', arg: value.toFixed(4) } };
  }
  return {
    principal,
    action: { type: 'Tool::Action', id: `${request.tool}.${request.action}` },
    resource: { type: 'System', id: request.tool },
    context,
    entities: [
      { uid: principal, attrs: { capabilities: [...request.agentCapabilities] }, parents: [] },
      { uid: { type: 'System', id: request.tool }, attrs: {}, parents: [] },
    ],
  };
}

/** Top-level finite numbers and booleans of the input, in key order, reserved names left out. */
function inputFacts(input: unknown): Array<[string, number | boolean]> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  return Object.entries(input as Record<string, unknown>).filter(
    (entry): entry is [string, number | boolean] =>
      !RESERVED.has(entry[0]) &&
      (typeof entry[1] === 'boolean' || (typeof entry[1] === 'number' && Number.isFinite(entry[1]))),
  );
}

/**
 * Values for `{name}` placeholders in rule messages: `agent`, `capability`, `capabilities` (comma-separated,
 * or `none`), `tool`, `action`, `runId`, `workflowId`, `stepId`, `attempt`, `tags`, `learnedRule` and
 * `recommendationId` (`none` for a step no learned rule added), and each input fact
 * (numbers as written in the input, formatted en-US: `1,250,000`, `4,820.5`).
 */
export function messageValuesOf(request: PolicyFacts): ReadonlyMap<string, string> {
  const values = new Map<string, string>([
    ['agent', request.agent],
    ['capability', `${request.tool}.${request.action}`],
    ['capabilities', request.agentCapabilities.join(', ') || 'none'],
    ['tool', request.tool],
    ['action', request.action],
    ['runId', request.runId],
    ['workflowId', request.workflowId],
    ['stepId', request.stepId],
    ['attempt', String(request.attempt)],
    ['tags', request.policyTags.join(', ') || 'none'],
    ['learnedRule', request.learnedFrom?.rule ?? 'none'],
    ['recommendationId', request.learnedFrom?.recommendationId ?? 'none'],
  ]);
  for (const [name, value] of inputFacts(request.input))
    values.set(name, typeof value === 'number' ? formatNumber(value) : String(value));
  return values;
}

/** en-US grouping, at most 4 fraction digits: `1250000` -> `1,250,000`. */
export const formatNumber = (value: number): string => NUMBER_FORMAT.format(value);

/**
 * Fills `{name}` placeholders from `values`. `missing` lists the names without a value (left as
 * `{name}` in `text`), so the caller can fall back to a generic message.
 */
export function interpolate(
  template: string,
  values: ReadonlyMap<string, string>,
): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const value = values.get(name);
    if (value === undefined) missing.push(name);
    return value ?? whole;
  });
  return { text, missing };
}
