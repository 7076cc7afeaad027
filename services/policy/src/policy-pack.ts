import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { LedgerflowError } from '@ledgerflow/domain';
import { parseDuration } from '@ledgerflow/definitions';

/**
 * A versioned policy pack (`<id>@<version>`), first version: amount rules over step inputs.
 * - `amount_limit`: deny when `input[field]` is above `above` (a hard ceiling).
 * - `approval_threshold`: require a human gate when `input[field]` is above `above`, naming
 *   `reviewers`, an SLA and an escalation chain.
 * A rule applies to steps carrying one of its `tags` (the step's `policyTags`).
 * Capability packs in Cedar replace the built-in tool-scope rule in the governance issue.
 */
export interface PolicyPack {
  readonly id: string;
  readonly version: string;
  readonly source: string;
  readonly rules: readonly PackRule[];
}

export type PackRule =
  | { readonly id: string; readonly kind: 'amount_limit'; readonly tags: readonly string[]; readonly field: string; readonly above: number; readonly rationale: string }
  | {
      readonly id: string;
      readonly kind: 'approval_threshold';
      readonly tags: readonly string[];
      readonly field: string;
      readonly above: number;
      readonly rationale: string;
      readonly reviewers: readonly string[];
      readonly slaSeconds?: number;
      readonly escalateTo?: readonly string[];
    };

const ruleSchema = {
  type: 'object',
  required: ['id', 'kind', 'tags', 'field', 'above', 'rationale'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
    kind: { enum: ['amount_limit', 'approval_threshold'] },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
    field: { type: 'string', minLength: 1 },
    above: { type: 'number' },
    rationale: { type: 'string', minLength: 1 },
    reviewers: { type: 'array', items: { type: 'string' }, minItems: 1 },
    sla: { type: ['string', 'number'] },
    escalateTo: { type: 'array', items: { type: 'string' } },
  },
  if: { properties: { kind: { const: 'approval_threshold' } } },
  then: { required: ['reviewers'] },
} as const;

const packSchema = {
  type: 'object',
  required: ['id', 'version', 'rules'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
    description: { type: 'string' },
    rules: { type: 'array', items: ruleSchema },
  },
} as const;

const validatePack = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(packSchema);

/**
 * Reads every `*.yaml`/`*.yml` pack in the given directories.
 * @throws LedgerflowError `policy_pack_invalid` naming the file, the JSON pointer and the rule broken;
 *   `policy_pack_duplicate` when two files declare the same id@version.
 */
export function loadPolicyPacks(dirs: readonly string[]): PolicyPack[] {
  const packs = new Map<string, PolicyPack>();
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).sort()) {
      const pack = parsePolicyPack(readFileSync(join(dir, file), 'utf8'), join(dir, file));
      const key = `${pack.id}@${pack.version}`;
      const existing = packs.get(key);
      if (existing) {
        throw new LedgerflowError('policy_pack_duplicate', `${pack.source}: ${key} is already defined in ${existing.source}`);
      }
      packs.set(key, pack);
    }
  }
  return [...packs.values()];
}

export function parsePolicyPack(text: string, source: string): PolicyPack {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new LedgerflowError('policy_pack_invalid', `${source}: ${(error as Error).message}`);
  }
  if (!validatePack(raw)) {
    const problems = (validatePack.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new LedgerflowError('policy_pack_invalid', `${source}: ${problems}`, false, { errors: validatePack.errors });
  }
  const pack = raw as { id: string; version: string; rules: Array<Record<string, unknown>> };
  const rules = pack.rules.map((rule, index) => {
    const { sla, ...rest } = rule;
    if (sla === undefined) return rest as unknown as PackRule;
    try {
      return { ...rest, slaSeconds: Math.round(parseDuration(sla as string | number) / 1000) } as unknown as PackRule;
    } catch (error) {
      throw new LedgerflowError('policy_pack_invalid', `${source}: /rules/${index}/sla ${(error as Error).message}`, false, {
        errors: [{ instancePath: `/rules/${index}/sla`, message: (error as Error).message }],
      });
    }
  });
  return { id: pack.id, version: pack.version, source, rules };
}
