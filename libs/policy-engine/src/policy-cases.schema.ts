/** Request fields of a case (or of `defaults`). */
export interface RawCase {
  readonly agent?: string;
  readonly capabilities?: string[];
  readonly capability?: string;
  readonly tool?: string;
  readonly action?: string;
  readonly tags?: string[];
  readonly input?: unknown;
  readonly workflow?: string;
  readonly run?: string;
  readonly step?: string;
  readonly attempt?: number;
  /** The learned recovery rule that added the step (`PolicyFacts.learnedFrom`); absent: none did. */
  readonly learnedFrom?: { readonly rule: string; readonly recommendationId: string };
}

/** What a case's decision must be; rule ids are `<id>@<version>/<rule>` or a bare `<rule>`. */
export interface CaseExpectation {
  readonly outcome: 'allow' | 'deny' | 'require_approval';
  readonly failing?: string[];
  readonly enforced?: string[];
  readonly gate?: { reviewers?: string[]; slaSeconds?: number; escalateTo?: string[]; reason?: string };
  /** A substring of the decision's rationale. */
  readonly rationale?: string;
}

export interface PolicyCasesFile {
  readonly defaults?: RawCase;
  readonly cases: Array<RawCase & { readonly name: string; readonly expect: CaseExpectation }>;
}

const strings = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const requestFields = {
  agent: { type: 'string', minLength: 1 },
  capabilities: strings,
  capability: { type: 'string', pattern: '^[^.]+\\.[^.]+$' },
  tool: { type: 'string', minLength: 1 },
  action: { type: 'string', minLength: 1 },
  tags: strings,
  input: {},
  workflow: { type: 'string', minLength: 1 },
  run: { type: 'string', minLength: 1 },
  step: { type: 'string', minLength: 1 },
  attempt: { type: 'integer', minimum: 1 },
  learnedFrom: {
    type: 'object',
    required: ['rule', 'recommendationId'],
    additionalProperties: false,
    properties: { rule: { type: 'string', minLength: 1 }, recommendationId: { type: 'string', minLength: 1 } },
  },
} as const;

/** JSON Schema of a cases file. */
export const policyCasesSchema = {
  type: 'object',
  required: ['cases'],
  additionalProperties: false,
  properties: {
    defaults: { type: 'object', additionalProperties: false, properties: requestFields },
    cases: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'expect'],
        additionalProperties: false,
        properties: {
          ...requestFields,
          name: { type: 'string', minLength: 1 },
          expect: {
            type: 'object',
            required: ['outcome'],
            additionalProperties: false,
            properties: {
              outcome: { enum: ['allow', 'deny', 'require_approval'] },
              failing: strings,
              enforced: strings,
              gate: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  reviewers: strings,
                  slaSeconds: { type: 'integer', minimum: 0 },
                  escalateTo: strings,
                  reason: { type: 'string' },
                },
              },
              rationale: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;
