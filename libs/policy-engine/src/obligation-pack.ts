import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { sha256 } from './cedar-pack.js';
import { packInvalid } from './pack-errors.js';
import { assertSchema, positionOfPointer, readYaml } from './yaml-source.js';
import type { ApprovalPack, ApprovalRule, CompliancePack, ObligationPack, PrivacyPack, Reviewer } from './pack.types.js';
import { obligationSchemas } from './obligation-pack.schema.js';

const ajv = new Ajv({ allErrors: true });
const validators: Record<ObligationPack['kind'], ValidateFunction> = {
  approval: ajv.compile(obligationSchemas.approval),
  privacy: ajv.compile(obligationSchemas.privacy),
  compliance: ajv.compile(obligationSchemas.compliance),
};
const SLA_UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/**
 * Parses an obligation pack (YAML with `kind: approval | privacy | compliance`); see docs/policies.md.
 * Approval SLAs become seconds (`4h` -> 14400); reviewers are normalised (`user:ann` -> `ann`).
 * @throws LedgerflowError `policy_pack_invalid` naming the file, line, column and JSON pointer.
 */
export function parseObligationPack(text: string, source: string): ObligationPack {
  const yaml = readYaml(text, source);
  const raw: unknown = yaml.doc.toJS();
  const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  if (kind !== 'approval' && kind !== 'privacy' && kind !== 'compliance') {
    const at = positionOfPointer(yaml, typeof raw === 'object' && raw !== null && 'kind' in raw ? '/kind' : '');
    throw packInvalid(source, at.line, at.column, `/kind must be one of approval, privacy, compliance (Cedar capability packs are *.cedar files); got ${JSON.stringify(kind ?? null)}`);
  }
  assertSchema(yaml, raw, validators[kind]);
  const digest = sha256(text);
  if (kind === 'approval') {
    const pack = raw as Omit<ApprovalPack, 'rules' | 'source' | 'digest'> & { rules: Array<ApprovalRule & { sla?: string }> };
    const duplicate = pack.rules.findIndex((rule, i) => pack.rules.findIndex((r) => r.id === rule.id) !== i);
    if (duplicate >= 0) {
      const at = positionOfPointer(yaml, `/rules/${duplicate}/id`);
      throw packInvalid(source, at.line, at.column, `/rules/${duplicate}/id "${pack.rules[duplicate]?.id}" is already used by another rule`);
    }
    return { ...pack, source, digest, rules: pack.rules.map(toApprovalRule) };
  }
  if (kind === 'privacy') {
    const pack = raw as PrivacyPack;
    return { ...pack, source, digest, mask: { paths: pack.mask.paths ?? [], detectors: pack.mask.detectors ?? [] } };
  }
  return { ...(raw as CompliancePack), source, digest };
}

function toApprovalRule(rule: ApprovalRule & { sla?: string }): ApprovalRule {
  const { sla, ...rest } = rule;
  return {
    ...rest,
    reviewers: rest.reviewers.map(normalizeReviewer),
    ...(rest.escalateTo ? { escalateTo: rest.escalateTo.map(normalizeReviewer) } : {}),
    ...(sla === undefined ? {} : { slaSeconds: slaSeconds(sla) }),
  };
}

/** `4h` -> 14400 (seconds, rounded); the pattern was checked by the schema. */
export function slaSeconds(sla: string): number {
  const unit = sla.slice(-1);
  return Math.round(Number.parseFloat(sla) * (SLA_UNIT_SECONDS[unit] as number));
}

/** Users are named by their bare id (`user:ann` -> `ann`); roles and teams keep their prefix. */
export function normalizeReviewer(reviewer: string): Reviewer {
  return reviewer.startsWith('user:') ? reviewer.slice('user:'.length) : reviewer;
}
