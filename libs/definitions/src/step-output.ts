import type { ValidateFunction } from 'ajv';
import type { DefinitionIssue, JsonSchema } from './definition.types.js';
import { compileSchema, schemaIssues } from './json-schema.js';

const compiled = new Map<string, ValidateFunction>();
const CACHE_LIMIT = 500;

function validatorOf(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (validate === undefined) {
    validate = compileSchema(schema);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

/**
 * Checks a step's output against its `outputSchema` (Ajv as for run inputs: all errors, formats, patterns on
 * RE2; compiled validators are cached by the schema's JSON text). Each issue's `path` is the JSON pointer of the
 * offending field within the output (`/total`; `''` for the output itself), `rule` the schema keyword
 * (`type`, `required`, `minimum`, ...). Messages never quote the value (it may hold personal data).
 * @returns the issues, empty when the output conforms.
 * @throws Error from Ajv when the schema itself cannot compile (the definition loader compiled it already).
 * @example stepOutputIssues({ type: 'object', required: ['total'] }, {}) // [{ path: '/total', rule: 'required', ... }]
 */
export function stepOutputIssues(schema: JsonSchema, output: unknown): DefinitionIssue[] {
  const validate = validatorOf(schema);
  return validate(output) ? [] : schemaIssues(validate.errors);
}

/**
 * One line naming every issue in the form of run input errors (`validateRunInput`), e.g.
 * `/total must be number (type); /id must have required property 'id' (required)`.
 */
export function describeOutputIssues(issues: readonly DefinitionIssue[]): string {
  return issues.map((issue) => `${issue.path === '' ? '/' : issue.path} ${issue.message} (${issue.rule})`).join('; ');
}
