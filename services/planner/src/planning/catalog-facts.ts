import type { GoalConstraints, ToolCatalogEntry } from '@ledgerflow/contracts';
import type { WorkflowDefinition } from '@ledgerflow/definitions';

/**
 * A fact of the catalog planner: a top-level property by name, with the JSON types it may take (JSON Schema `type`,
 * `undefined` when the schema does not say: any type).
 */
export interface Fact {
  readonly name: string;
  readonly types?: readonly string[];
}

/** The facts of a schema's top-level `properties`, in name order; a boolean or property-less schema has none. */
export function schemaFacts(schema: unknown): Fact[] {
  if (schema === null || typeof schema !== 'object') return [];
  const properties = (schema as { properties?: unknown }).properties;
  if (properties === null || typeof properties !== 'object') return [];
  return Object.entries(properties as Record<string, unknown>)
    .map(([name, property]) => factOf(name, property))
    .sort((a, b) => compare(a.name, b.name));
}

/** The schema's `required` property names (those that are strings), in name order. */
export function requiredNames(schema: unknown): string[] {
  if (schema === null || typeof schema !== 'object') return [];
  const required = (schema as { required?: unknown }).required;
  return Array.isArray(required)
    ? [...new Set(required.filter((n): n is string => typeof n === 'string'))].sort(compare)
    : [];
}

function factOf(name: string, property: unknown): Fact {
  const type = property !== null && typeof property === 'object' ? (property as { type?: unknown }).type : undefined;
  if (typeof type === 'string') return { name, types: [type] };
  if (Array.isArray(type)) return { name, types: type.filter((t): t is string => typeof t === 'string') };
  return { name };
}

/** The JSON Schema type of a value (`integer` for a whole number). */
function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * The run input's facts: the template's `inputSchema` properties when it declares any — those it requires, and the
 * optional ones this input has (an optional property the input leaves out supplies nothing: a step reading it would
 * read nothing) — else the input value's own keys with the types of their values.
 */
export function inputFacts(template: WorkflowDefinition, input: unknown): Fact[] {
  const declared = schemaFacts(template.inputSchema);
  const given =
    input !== null && typeof input === 'object' && !Array.isArray(input) ? Object.keys(input) : ([] as string[]);
  if (declared.length > 0) {
    const required = new Set(requiredNames(template.inputSchema));
    return declared.filter((fact) => required.has(fact.name) || given.includes(fact.name));
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [];
  return Object.entries(input as Record<string, unknown>)
    .map(([name, value]) => ({ name, types: [jsonTypeOf(value)] }))
    .sort((a, b) => compare(a.name, b.name));
}

/**
 * Whether a supplied fact fits a needed one: either side untyped, or every type supplied is one the need accepts
 * (`integer` fits `number`, JSON Schema's subtype).
 */
export function fits(supplied: Fact, needed: Fact): boolean {
  if (supplied.types === undefined || needed.types === undefined) return true;
  return supplied.types.every(
    (t) => needed.types?.includes(t) || (t === 'integer' && needed.types?.includes('number')),
  );
}

/** A catalog action the planner may use: its entry, the agent that will run it, and its typed signature. */
export interface UsableAction {
  readonly entry: ToolCatalogEntry;
  /** `tool.action`, the tie-break key and the name constraints use. */
  readonly key: string;
  readonly agent: string;
  /** Required inputs, then optional ones (name order within each). */
  readonly required: readonly Fact[];
  readonly optional: readonly Fact[];
  readonly outputs: readonly Fact[];
  /** `cost.usd`, 0 when the tool announces none. */
  readonly usd: number;
}

/**
 * The catalog's actions a goal may use, in `tool.action` order: allowed by `constraints.allowedTools` (when given), and
 * whose capability (`entry.capability`) some agent of the template holds that `constraints.allowedAgents` allows; that
 * agent is the first such by name. A required input the input schema lists without a type is taken as untyped.
 */
export function usableActions(
  catalog: readonly ToolCatalogEntry[],
  template: WorkflowDefinition,
  constraints: GoalConstraints,
): UsableAction[] {
  const agents = Object.keys(template.agents)
    .filter((agent) => constraints.allowedAgents === undefined || constraints.allowedAgents.includes(agent))
    .sort(compare);
  const actions: UsableAction[] = [];
  for (const entry of catalog) {
    const key = `${entry.tool}.${entry.action}`;
    if (constraints.allowedTools !== undefined && !constraints.allowedTools.includes(key)) continue;
    const agent = agents.find((a) => template.agents[a]?.includes(entry.capability));
    if (agent === undefined) continue;
    const declared = new Map(schemaFacts(entry.inputSchema).map((fact) => [fact.name, fact]));
    const requiredSet = new Set(requiredNames(entry.inputSchema));
    actions.push({
      entry,
      key,
      agent,
      required: [...requiredSet].map((name) => declared.get(name) ?? { name }),
      optional: [...declared.values()].filter((fact) => !requiredSet.has(fact.name)),
      outputs: schemaFacts(entry.outputSchema),
      usd: entry.cost?.usd ?? 0,
    });
  }
  return actions.sort((a, b) => compare(a.key, b.key));
}

/** Code-unit order, the same in every locale (deterministic plans). */
export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
