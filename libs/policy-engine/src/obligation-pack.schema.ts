import { DURATION_PATTERN } from '@ledgerflow/domain';
import { PRIVACY_DETECTORS } from './pack.types.js';
import { PACK_ID_PATTERN, PACK_VERSION_PATTERN } from './cedar-pack.js';

/** `$.a.b`, `$.a[*].b`, `$..key`: the JSONPath subset privacy packs use (shared with @ledgerflow/privacy). */
export const MASK_PATH_PATTERN = '^\\$((\\.\\.?[A-Za-z0-9_-]+)|(\\[\\*\\]))+$';
/** An approval rule's `sla` (`4h`, `30m`, `1.5h`): the duration syntax of workflow definitions (`DURATION_PATTERN` of @ledgerflow/domain). */
export const SLA_PATTERN = DURATION_PATTERN;
/** A user (bare id or `user:<id>`), `role:<role>` or `team:<team>`. */
export const REVIEWER_PATTERN = '^((user|role|team):)?[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$';

const header = {
  id: { type: 'string', pattern: PACK_ID_PATTERN },
  version: { type: 'string', pattern: PACK_VERSION_PATTERN },
} as const;
const stringList = (pattern?: string) =>
  ({ type: 'array', items: { type: 'string', minLength: 1, ...(pattern ? { pattern } : {}) } }) as const;

const approvalRule = {
  type: 'object',
  // `field` with `above`, or `learnedRecovery: true`, or all three: checked after the schema (obligation-pack.ts).
  required: ['id', 'rationale', 'reviewers'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: PACK_ID_PATTERN },
    tags: { ...stringList(), minItems: 1 },
    capabilities: { ...stringList('^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$'), minItems: 1 },
    learnedRecovery: { const: true },
    field: { type: 'string', pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' },
    above: { type: 'number' },
    rationale: { type: 'string', minLength: 1 },
    reviewers: { ...stringList(REVIEWER_PATTERN), minItems: 1 },
    sla: { type: 'string', pattern: SLA_PATTERN },
    escalateTo: stringList(REVIEWER_PATTERN),
  },
} as const;

/** JSON Schemas of the YAML pack kinds, keyed by `kind`. */
export const obligationSchemas = {
  approval: {
    type: 'object',
    required: ['id', 'version', 'kind', 'rules'],
    additionalProperties: false,
    properties: {
      ...header,
      kind: { const: 'approval' },
      description: { type: 'string' },
      rules: { type: 'array', minItems: 1, items: approvalRule },
    },
  },
  privacy: {
    type: 'object',
    required: ['id', 'version', 'kind', 'mask'],
    additionalProperties: false,
    properties: {
      ...header,
      kind: { const: 'privacy' },
      mask: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          paths: stringList(MASK_PATH_PATTERN),
          detectors: { type: 'array', uniqueItems: true, items: { enum: [...PRIVACY_DETECTORS] } },
        },
      },
    },
  },
  compliance: {
    type: 'object',
    required: ['id', 'version', 'kind', 'audit'],
    additionalProperties: false,
    properties: {
      ...header,
      kind: { const: 'compliance' },
      description: { type: 'string' },
      audit: { const: 'required' },
      controls: stringList(),
    },
  },
} as const;
