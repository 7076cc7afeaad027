import { ValidationError, parseGateId } from '@ledgerflow/domain';

/** A route parameter's format: a test and the rule as the error message states it. */
interface ParameterFormat {
  readonly rule: string;
  test(value: string): boolean;
}

const pattern = (regex: RegExp, rule: string): ParameterFormat => ({ rule, test: (value) => regex.test(value) });

/** Run ids as the planner accepts them (services/planner/src/fork-run.dto.ts): 1..80 of `A-Z a-z 0-9 -`. */
const RUN_ID = /^[A-Za-z0-9-]{1,80}$/;
/** Workflow ids as definitions declare them (libs/definitions, definition.schema.ts). */
const WORKFLOW_ID = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * The format of every path parameter of the gateway, by the name its route gives it. A name not listed here
 * gets `DEFAULT_FORMAT`, so a new route is never without a check.
 */
export const PATH_PARAMETER_FORMATS: Readonly<Record<string, ParameterFormat>> = {
  runId: pattern(RUN_ID, 'a run id: 1..80 characters of A-Z a-z 0-9 -'),
  workflowId: pattern(WORKFLOW_ID, 'a workflow id matching ^[a-z][a-z0-9-]{0,62}$'),
  gateId: {
    rule: 'a gate id <runId>.<stepId>: a run id, a dot, a step id matching ^[a-z][a-z0-9_-]{0,62}$',
    test: (value) => {
      const ids = parseGateId(value);
      return ids !== undefined && RUN_ID.test(ids.runId);
    },
  },
  accountId: pattern(/^[0-9a-f]{16}$/, 'a service account id: 16 lowercase hexadecimal digits'),
  subscriptionId: pattern(/^[0-9a-f]{16}$/, 'a subscription id: 16 lowercase hexadecimal digits'),
  // Pack names as packs declare them (libs/policy-engine, PACK_ID_PATTERN).
  packName: pattern(/^[a-z][a-z0-9-]{0,62}$/, 'a policy pack name matching ^[a-z][a-z0-9-]{0,62}$'),
};

const DEFAULT_FORMAT = pattern(/^[A-Za-z0-9._-]{1,200}$/, '1..200 characters of A-Z a-z 0-9 . _ -');

/** A value as an error message may quote it: JSON-escaped (CR/LF stay visible, never raw) and at most 100 characters. */
const quoted = (value: string) => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);

/**
 * Checks route parameters against `PATH_PARAMETER_FORMATS`.
 * @throws ValidationError `request_invalid` (400) with details `{ field, in: 'path', rule }` naming the first bad parameter.
 */
export function assertPathParameters(params: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(params)) {
    const format = PATH_PARAMETER_FORMATS[name] ?? DEFAULT_FORMAT;
    if (typeof value !== 'string' || !format.test(value)) {
      throw new ValidationError(
        'request_invalid',
        `path parameter ${name} must be ${format.rule}; got ${quoted(String(value))}`,
        { field: name, in: 'path', rule: format.rule },
      );
    }
  }
}

/**
 * Query parameters are single strings: a repeated (`?status=a&status=b`) or bracketed (`?status[x]=a`) one is refused.
 * @throws ValidationError `request_invalid` (400) with details `{ field, in: 'query' }`.
 */
export function assertQueryParameters(query: Readonly<Record<string, unknown>> | undefined): void {
  for (const [name, value] of Object.entries(query ?? {})) {
    if (typeof value !== 'string') {
      throw new ValidationError(
        'request_invalid',
        `query parameter ${quoted(name)} must be given once, as a single string`,
        { field: name, in: 'query', rule: 'single string' },
      );
    }
  }
}

/** The media type of JSON bodies, the only one the gateway's endpoints read. */
export const JSON_MEDIA_TYPE = 'application/json';

/**
 * Refuses a body the JSON parser did not read (its media type is not `application/json`).
 * @throws ValidationError `unsupported_media_type` (415) with details `{ field: 'content-type', expected, received }`.
 */
export function unsupportedMediaType(contentType: string | undefined): ValidationError {
  return new ValidationError(
    'unsupported_media_type',
    `request bodies are JSON: send Content-Type: ${JSON_MEDIA_TYPE} (got ${quoted(contentType ?? 'none')})`,
    {
      field: 'content-type',
      expected: JSON_MEDIA_TYPE,
      ...(contentType === undefined ? {} : { received: contentType.slice(0, 100) }),
    },
  );
}
