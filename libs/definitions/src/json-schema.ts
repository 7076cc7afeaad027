import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { DURATION_PATTERN, MEMORY_SCOPE_TAG_PATTERN } from '@ledgerflow/domain';
import type { DefinitionIssue, JsonSchema } from './definition.types.js';
import { ajvLinearRegExp, linearRegExpProblem } from './linear-regexp.js';

// ajv-formats is CommonJS with `exports.default`: take whichever the loader hands us.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as (
  ajv: Ajv,
) => Ajv;

const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';
// Patterns run on RE2 (linear-regexp.ts): a schema's `pattern` cannot hold the event loop.
const options = { allErrors: true, strict: false, addUsedSchema: false, code: { regExp: ajvLinearRegExp } } as const;

let draft7: Ajv | undefined;
let draft2020: Ajv | undefined;

function ajvFor(schema: JsonSchema): Ajv {
  const wants2020 =
    typeof schema === 'object' && typeof schema.$schema === 'string' && schema.$schema.startsWith(DRAFT_2020);
  if (wants2020) return (draft2020 ??= addFormats(new Ajv2020(options) as unknown as Ajv));
  return (draft7 ??= addFormats(new Ajv(options)));
}

/**
 * Compiles a JSON Schema with Ajv 8 (all errors, `ajv-formats` formats): draft 2020-12 when its
 * `$schema` says so, draft-07 otherwise. `$id`s are not registered, so definitions never collide.
 * `pattern` and `patternProperties` run on RE2 (linear time; see {@link schemaPatternIssues}).
 * @throws Error from Ajv when the schema itself is invalid, or a pattern RE2 cannot run.
 */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  return ajvFor(schema).compile(schema as object);
}

/**
 * Ajv errors as issues: `path` is the JSON pointer of the offending field (for `required` and
 * `additionalProperties`, the missing or extra property itself), `rule` the schema keyword.
 */
export function schemaIssues(errors: readonly ErrorObject[] | null | undefined, prefix = ''): DefinitionIssue[] {
  const all = errors ?? [];
  // A bad property name yields the inner rule's error (at the parent) and a `propertyNames` error naming
  // the property: report one issue at the property, with the inner rule's message.
  const nameRules = new Map(
    all.filter((e) => e.schemaPath.includes('/propertyNames/')).map((e) => [e.instancePath, e.message ?? e.keyword]),
  );
  return all
    .filter((e) => !e.schemaPath.includes('/propertyNames/'))
    .map((error) => {
      const params = error.params as Record<string, unknown>;
      const child = params.missingProperty ?? params.additionalProperty ?? params.propertyName;
      const path = prefix + error.instancePath + (typeof child === 'string' ? `/${escapePointer(child)}` : '');
      const nameRule = error.keyword === 'propertyNames' ? nameRules.get(error.instancePath) : undefined;
      return {
        path,
        rule: error.keyword,
        message: nameRule === undefined ? messageOf(error, params) : `property name ${nameRule}`,
      };
    });
}

function messageOf(error: ErrorObject, params: Record<string, unknown>): string {
  if (error.keyword === 'pattern' && params.pattern === DURATION_PATTERN) {
    return 'must be a duration such as 200ms, 30s, 5m, 4h, or a number of milliseconds';
  }
  if (error.keyword === 'pattern' && params.pattern === MEMORY_SCOPE_TAG_PATTERN.source) {
    return 'must be a memory scope tag: a lower-case letter, then up to 62 lower-case letters, digits or "-"';
  }
  if (error.keyword === 'additionalProperties') return 'is not an allowed property';
  if (error.keyword === 'enum') return `${error.message ?? 'must be one of'} ${JSON.stringify(params.allowedValues)}`;
  return error.message ?? error.keyword;
}

/** RFC 6901 escaping of one reference token. */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Keywords whose values are data, not subschemas: never searched for patterns. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example']);

/**
 * Every `pattern` and `patternProperties` key in a schema that the linear-time engine (RE2) cannot run
 * (backreferences, lookaround, invalid syntax), as issues with rule `linear_regexp` at the JSON pointer of
 * the pattern (`prefix` + e.g. `/properties/code/pattern`).
 */
export function schemaPatternIssues(schema: unknown, prefix = ''): DefinitionIssue[] {
  if (schema === null || typeof schema !== 'object') return [];
  if (Array.isArray(schema)) return schema.flatMap((item, i) => schemaPatternIssues(item, `${prefix}/${i}`));
  return Object.entries(schema).flatMap(([key, value]): DefinitionIssue[] => {
    const at = `${prefix}/${escapePointer(key)}`;
    if (DATA_KEYWORDS.has(key)) return [];
    if (key === 'pattern' && typeof value === 'string') return patternIssue(value, at);
    if (key === 'properties' || key === '$defs' || key === 'definitions' || key === 'dependentSchemas') {
      return value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([name, sub]) => schemaPatternIssues(sub, `${at}/${escapePointer(name)}`))
        : [];
    }
    if (key === 'patternProperties' && value !== null && typeof value === 'object') {
      return Object.entries(value).flatMap(([name, sub]) => [
        ...patternIssue(name, `${at}/${escapePointer(name)}`),
        ...schemaPatternIssues(sub, `${at}/${escapePointer(name)}`),
      ]);
    }
    return schemaPatternIssues(value, at);
  });
}

function patternIssue(pattern: string, path: string): DefinitionIssue[] {
  const problem = linearRegExpProblem(pattern, 'u');
  return problem === undefined ? [] : [{ path, rule: 'linear_regexp', message: problem }];
}
