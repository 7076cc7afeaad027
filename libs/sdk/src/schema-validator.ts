import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';

// ajv-formats is CommonJS with `exports.default`: take whichever the loader hands us.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as (
  ajv: Ajv,
) => Ajv;
/**
 * `pattern`/`patternProperties` run on RE2 (`re2js`): linear-time matching, so a backtracking pattern
 * cannot hold the worker's event loop; a pattern RE2 cannot run (backreference, lookaround) fails compilation.
 * Ajv caches compiled patterns by `toString()`, so it names the pattern.
 */
const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string, unicode: string) => {
    const re = RE2JS.compile(RE2JS.translateRegExp(pattern));
    return { test: (text: string): boolean => re.matcher(text).find(), toString: () => `/${pattern}/${unicode}` };
  },
  { code: 'require("re2js").RE2JS.compile' },
);
const options = { allErrors: true, strict: false, addUsedSchema: false, code: { regExp: linearRegExp } } as const;
let draft7: Ajv | undefined;
let draft2020: Ajv | undefined;

/** One failed rule: JSON pointer of the field (`/amount`, `/` for the whole value), the keyword, Ajv's message. */
export interface SchemaViolation {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

/** Checks a value against a compiled schema; returns the violations (empty when valid). */
export type SchemaCheck = (value: unknown) => SchemaViolation[];

/**
 * Compiles a JSON Schema with Ajv 8 (all errors, `ajv-formats`): draft 2020-12 when `$schema` names it,
 * draft-07 otherwise.
 * @throws Error from Ajv when the schema itself is invalid.
 */
export function compileSchemaCheck(schema: Record<string, unknown> | boolean): SchemaCheck {
  const is2020 =
    typeof schema === 'object' && String(schema.$schema ?? '').startsWith('https://json-schema.org/draft/2020-12/');
  const ajv = is2020
    ? (draft2020 ??= addFormats(new Ajv2020(options) as unknown as Ajv))
    : (draft7 ??= addFormats(new Ajv(options)));
  const validate: ValidateFunction = ajv.compile(schema as object);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map(violationOf));
}

function violationOf(error: ErrorObject): SchemaViolation {
  const params = error.params as Record<string, unknown>;
  const child = params.missingProperty ?? params.additionalProperty;
  const token = typeof child === 'string' ? `/${child.replace(/~/g, '~0').replace(/\//g, '~1')}` : '';
  const path = error.instancePath + token || '/';
  const message =
    error.keyword === 'additionalProperties' ? 'is not an allowed property' : (error.message ?? error.keyword);
  return { path, rule: error.keyword, message };
}

/** `"/amount must be >= 0 (minimum); /claimId must have required property 'claimId' (required)"`. */
export function describeViolations(violations: readonly SchemaViolation[]): string {
  return violations.map((v) => `${v.path} ${v.message} (${v.rule})`).join('; ');
}
