import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import jsonata from 'jsonata';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { canonicalJson } from '@ledgerflow/audit';
import type { GoldenMatcher } from '@ledgerflow/contracts';

/**
 * Golden sets for `ledgerflow eval` (docs/memory.md, "Golden sets"): YAML (or JSON) files of cases, each a run input
 * and what the run must produce.
 *
 * ```yaml
 * goldenSet: claims                      # 1..200 characters
 * workflow: claim-review                 # the workflow id
 * cases:                                 # 1..10,000, unique ids
 *   - id: CLM-2026-0001
 *     input: { ... }                     # the run input (POST /v1/workflows/{id}/runs `input`)
 *     expect:
 *       final:                           # over { status, failure, outputs: { <stepId>: output } }
 *         status: { exact: completed }
 *       steps:
 *         payout:                        # over the step's output
 *           amount: { number: 4820.5, tolerance: 0.01 }
 *           currency: { exact: EUR }
 *           $: { jsonata: "paymentId != ''" }
 * ```
 * A matcher's key is a path into the value: `$` (the whole value), `a.b`, `a[0].b`, `$.a.b`, `a["odd key"]`.
 * Matchers: `{ exact: <value> }` (deep equality), `{ jsonata: <predicate> }` (passes when the expression, evaluated
 * over the value at the path as `$`, gives `true`), `{ number: n, tolerance: t }` (|value − n| <= t, t >= 0).
 */

/** A path into a JSON value: property names and array indexes, root first (`[]` is the value itself). */
export type JsonPath = readonly (string | number)[];

/** A matcher with its path, as written and parsed. */
export interface PathMatcher {
  readonly path: string;
  readonly segments: JsonPath;
  readonly matcher: GoldenMatcher;
}

export interface GoldenCase {
  readonly id: string;
  readonly input: unknown;
  readonly final: readonly PathMatcher[];
  /** By step id, in the file's order. */
  readonly steps: ReadonlyMap<string, readonly PathMatcher[]>;
}

export interface GoldenSet {
  readonly goldenSet: string;
  readonly workflow: string;
  readonly cases: readonly GoldenCase[];
  /** `sha256:<hex>` of the set's canonical JSON (keys sorted), so two runs of the same set compare. */
  readonly digest: string;
}

/** A golden set that does not parse or validate; `path` locates the problem (`cases[2].expect.steps.payout`). */
export class GoldenSetError extends Error {
  readonly code = 'golden_set_invalid';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === '' ? reason : `${path}: ${reason}`);
    this.name = 'GoldenSetError';
  }
}

const matchersSchema = {
  type: 'object',
  maxProperties: 200,
  additionalProperties: {
    oneOf: [
      { type: 'object', required: ['exact'], additionalProperties: false, properties: { exact: true } },
      {
        type: 'object',
        required: ['jsonata'],
        additionalProperties: false,
        properties: { jsonata: { type: 'string', minLength: 1, maxLength: 4000 } },
      },
      {
        type: 'object',
        required: ['number', 'tolerance'],
        additionalProperties: false,
        properties: { number: { type: 'number' }, tolerance: { type: 'number', minimum: 0 } },
      },
    ],
  },
} as const;

/** The JSON Schema of a golden set file. */
export const goldenSetSchema = {
  type: 'object',
  required: ['goldenSet', 'workflow', 'cases'],
  additionalProperties: false,
  properties: {
    goldenSet: { type: 'string', minLength: 1, maxLength: 200 },
    workflow: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
    cases: {
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['id', 'input', 'expect'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 200 },
          input: true,
          expect: {
            type: 'object',
            additionalProperties: false,
            properties: {
              final: matchersSchema,
              steps: {
                type: 'object',
                maxProperties: 50,
                propertyNames: { pattern: '^[a-z][a-z0-9_]{0,62}$' },
                additionalProperties: matchersSchema,
              },
            },
          },
        },
      },
    },
  },
} as const;

/** Compiled on first use, so that other commands do not pay for it at start. */
let validator: ValidateFunction | undefined;

/**
 * Parses and validates a golden set (YAML 1.2; JSON is YAML). Checks, in order: YAML syntax (line and column), the
 * JSON Schema {@link goldenSetSchema}, unique case ids, each matcher's path syntax and JSONata syntax.
 * @throws GoldenSetError naming where and what, for any input that is not a valid golden set (and nothing else).
 */
export function parseGoldenSet(text: string): GoldenSet {
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: 100, prettyErrors: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      throw new GoldenSetError(at ? `line ${at.line}, column ${at.col}` : '', `not YAML: ${firstLine(error.message)}`);
    }
    throw new GoldenSetError('', `not YAML: ${(error as Error).message}`);
  }
  validator ??= new Ajv({ allErrors: false, strict: true }).compile(goldenSetSchema);
  if (!validator(document)) throw schemaError(validator.errors?.[0]);
  const raw = document as RawGoldenSet;
  const seen = new Set<string>();
  const cases = raw.cases.map((entry, i): GoldenCase => {
    if (seen.has(entry.id)) throw new GoldenSetError(`cases[${i}].id`, `duplicate case id ${JSON.stringify(entry.id)}`);
    seen.add(entry.id);
    const where = `cases[${i}].expect`;
    return {
      id: entry.id,
      input: entry.input,
      final: matchersOf(entry.expect.final ?? {}, `${where}.final`),
      steps: new Map(
        Object.entries(entry.expect.steps ?? {}).map(([stepId, matchers]) => [
          stepId,
          matchersOf(matchers, `${where}.steps.${stepId}`),
        ]),
      ),
    };
  });
  return { goldenSet: raw.goldenSet, workflow: raw.workflow, cases, digest: digestOf(raw) };
}

interface RawGoldenSet {
  goldenSet: string;
  workflow: string;
  cases: { id: string; input: unknown; expect: { final?: RawMatchers; steps?: Record<string, RawMatchers> } }[];
}
type RawMatchers = Record<string, GoldenMatcher>;

function matchersOf(matchers: RawMatchers, where: string): PathMatcher[] {
  return Object.entries(matchers).map(([path, matcher]) => {
    const segments = parseJsonPath(path, `${where}[${JSON.stringify(path)}]`);
    if ('jsonata' in matcher) {
      try {
        jsonata(matcher.jsonata);
      } catch (error) {
        throw new GoldenSetError(
          `${where}[${JSON.stringify(path)}].jsonata`,
          `does not parse: ${(error as Error).message}`,
        );
      }
    }
    return { path, segments, matcher };
  });
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

/**
 * Parses a matcher path: `$` or empty for the value itself; else property names separated by `.`, array indexes as
 * `[n]`, odd property names as `["..."]` (a JSON string), optionally after a leading `$.`/`$[`.
 * @throws GoldenSetError at `where` for anything else.
 */
export function parseJsonPath(path: string, where = 'path'): JsonPath {
  let rest = path.startsWith('$') ? path.slice(1) : path;
  const segments: (string | number)[] = [];
  let first = !path.startsWith('$');
  while (rest.length > 0) {
    if (rest.startsWith('[')) {
      const index = /^\[(0|[1-9][0-9]{0,8})\]/.exec(rest);
      const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
      if (index) {
        segments.push(Number(index[1]));
        rest = rest.slice(index[0].length);
      } else if (quoted) {
        try {
          segments.push(JSON.parse(quoted[1] as string) as string);
        } catch {
          throw new GoldenSetError(where, `malformed quoted name in path ${JSON.stringify(path)}`);
        }
        rest = rest.slice(quoted[0].length);
      } else throw new GoldenSetError(where, `malformed [...] in path ${JSON.stringify(path)}`);
    } else {
      if (!first) {
        if (!rest.startsWith('.')) throw new GoldenSetError(where, `expected . or [ in path ${JSON.stringify(path)}`);
        rest = rest.slice(1);
      }
      const name = IDENTIFIER.exec(rest);
      if (!name) throw new GoldenSetError(where, `expected a property name in path ${JSON.stringify(path)}`);
      segments.push(name[0]);
      rest = rest.slice(name[0].length);
    }
    first = false;
  }
  return segments;
}

/** The value at `path` in `value`, or `{ found: false }` when a segment is missing. */
export function valueAt(value: unknown, path: JsonPath): { found: true; value: unknown } | { found: false } {
  let current = value;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false };
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}

function digestOf(raw: RawGoldenSet): string {
  return `sha256:${createHash('sha256').update(canonicalJson(raw)).digest('hex')}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** The first schema violation as a GoldenSetError at its path (`cases[0].expect.steps.payout`). */
function schemaError(error: ErrorObject | undefined): GoldenSetError {
  if (!error) return new GoldenSetError('', 'not a golden set');
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((acc, part) => (/^[0-9]+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
  const params = error.params as Record<string, unknown>;
  // Inside a matcher's `oneOf`, the first alternative's complaint would mislead: say what a matcher is instead
  // (a negative tolerance, under the third alternative, keeps its own message).
  const inMatcher = /\/oneOf\/[0-2]\/(required|additionalProperties)$/.test(error.schemaPath);
  const detail =
    inMatcher || error.keyword === 'oneOf'
      ? 'a matcher is { exact: value }, { jsonata: "predicate" } or { number: n, tolerance: t }'
      : error.keyword === 'additionalProperties'
        ? `unknown field ${JSON.stringify(params.additionalProperty)}`
        : error.keyword === 'required'
          ? `missing field ${JSON.stringify(params.missingProperty)}`
          : (error.message ?? error.keyword);
  return new GoldenSetError(path, detail);
}
