import { Ajv } from 'ajv';
import { ValidationError, slaSecondsOf } from '@ledgerflow/domain';
import type { ValidateFunction } from 'ajv';
import { sha256 } from './cedar-pack.js';
import { packInvalid } from './pack-errors.js';
import { assertSchema, positionOfPointer, readYaml } from './yaml-source.js';
import type {
  ApprovalPack,
  ApprovalRule,
  CompliancePack,
  ObligationPack,
  PrivacyPack,
  Reviewer,
} from './pack.types.js';
import { obligationSchemas } from './obligation-pack.schema.js';

const ajv = new Ajv({ allErrors: true });
const validators: Record<ObligationPack['kind'], ValidateFunction> = {
  approval: ajv.compile(obligationSchemas.approval),
  privacy: ajv.compile(obligationSchemas.privacy),
  compliance: ajv.compile(obligationSchemas.compliance),
};

/**
 * Parses an obligation pack (YAML with `kind: approval | privacy | compliance`); see docs/policies.md.
 * An approval rule needs `field` and `above`, `learnedRecovery: true`, or both.
 * Approval SLAs become seconds (`slaSecondsOf` of @ledgerflow/domain: `4h` -> 14400, rounded up, at most 366 days);
 * reviewers are normalised (`user:ann` -> `ann`).
 * @throws LedgerflowError `policy_pack_invalid` naming the file, line, column and JSON pointer.
 */
export function parseObligationPack(text: string, source: string): ObligationPack {
  const yaml = readYaml(text, source);
  const raw: unknown = yaml.doc.toJS();
  const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  if (kind !== 'approval' && kind !== 'privacy' && kind !== 'compliance') {
    const at = positionOfPointer(yaml, typeof raw === 'object' && raw !== null && 'kind' in raw ? '/kind' : '');
    throw packInvalid(
      source,
      at.line,
      at.column,
      `/kind must be one of approval, privacy, compliance (Cedar capability packs are *.cedar files); got ${JSON.stringify(kind ?? null)}`,
    );
  }
  assertSchema(yaml, raw, validators[kind]);
  const digest = sha256(text);
  if (kind === 'approval') {
    const pack = raw as Omit<ApprovalPack, 'rules' | 'source' | 'digest'> & {
      rules: Array<ApprovalRule & { sla?: string }>;
    };
    const duplicate = pack.rules.findIndex((rule, i) => pack.rules.findIndex((r) => r.id === rule.id) !== i);
    if (duplicate >= 0) {
      const at = positionOfPointer(yaml, `/rules/${duplicate}/id`);
      throw packInvalid(
        source,
        at.line,
        at.column,
        `/rules/${duplicate}/id "${pack.rules[duplicate]?.id}" is already used by another rule`,
      );
    }
    pack.rules.forEach((rule, i) => {
      const problem = conditionProblem(rule);
      if (problem === undefined) return;
      const at = positionOfPointer(yaml, `/rules/${i}`);
      throw packInvalid(source, at.line, at.column, `/rules/${i} ${problem}`);
    });
    const rules = pack.rules.map((rule, i) => {
      try {
        return toApprovalRule(rule, `/rules/${i}/sla`);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const at = positionOfPointer(yaml, `/rules/${i}/sla`);
        throw packInvalid(source, at.line, at.column, error.message);
      }
    });
    return { ...pack, source, digest, rules };
  }
  if (kind === 'privacy') {
    const pack = raw as PrivacyPack;
    return { ...pack, source, digest, mask: { paths: pack.mask.paths ?? [], detectors: pack.mask.detectors ?? [] } };
  }
  return { ...(raw as CompliancePack), source, digest };
}

/** What is wrong with an approval rule's condition: it needs `field` with `above`, or `learnedRecovery: true`. */
function conditionProblem(rule: Partial<ApprovalRule>): string | undefined {
  const hasField = rule.field !== undefined;
  const hasAbove = rule.above !== undefined;
  if (hasField !== hasAbove) return `needs field and above together (it has only ${hasField ? 'field' : 'above'})`;
  if (!hasField && rule.learnedRecovery !== true)
    return 'needs a condition: field and above (a threshold), learnedRecovery: true, or both';
  return undefined;
}

/** @throws ValidationError `duration_too_long` for an SLA above `MAX_GATE_SLA_SECONDS` (the schema checked the syntax). */
function toApprovalRule(rule: ApprovalRule & { sla?: string }, field: string): ApprovalRule {
  const { sla, ...rest } = rule;
  return {
    ...rest,
    reviewers: rest.reviewers.map(normalizeReviewer),
    ...(rest.escalateTo ? { escalateTo: rest.escalateTo.map(normalizeReviewer) } : {}),
    ...(sla === undefined ? {} : { slaSeconds: slaSecondsOf(sla, field) }),
  };
}

/** Users are named by their bare id (`user:ann` -> `ann`); roles and teams keep their prefix. */
export function normalizeReviewer(reviewer: string): Reviewer {
  return reviewer.startsWith('user:') ? reviewer.slice('user:'.length) : reviewer;
}
