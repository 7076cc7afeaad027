import { createHash } from 'node:crypto';
import { checkParsePolicySet, policySetTextToParts, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import { packInvalid } from './pack-errors.js';
import type { CapabilityPack, CedarPolicy } from './pack.types.js';

/** Pack ids: lower-case words joined by `-`, at most 63 characters. */
export const PACK_ID_PATTERN = '^[a-z][a-z0-9-]{0,62}$';
/** Pack versions: semantic versions `MAJOR.MINOR.PATCH`. */
export const PACK_VERSION_PATTERN = '^\\d+\\.\\d+\\.\\d+$';
const POLICY_ID = /^[a-z][a-z0-9-]{0,62}$/;
const HEADER = /^\s*\/\/\s*@pack\s+(\S+)@(\S+)\s*$/;
const DESCRIPTION = /^\s*\/\/\s*@description\s+(.+?)\s*$/;

/**
 * Parses a capability pack: Cedar policies with a header comment naming the pack.
 * ```cedar
 * // @pack claims-payout@1.0.0
 * // @description Payout ceiling for claim-review.
 * @id("payout-ceiling")
 * @rationale("amount {amount} is above the limit of 1,000,000")
 * @otherwise("amount {amount} is within the limit of 1,000,000")
 * forbid (principal, action, resource) when { context has amount && context.amount > 1000000 };
 * ```
 * Every policy needs `@id("<lower-case-id>")`, unique in the pack; a `forbid` needs `@rationale`.
 * Templates (`?principal` slots) are refused.
 * @throws LedgerflowError `policy_pack_invalid`, message `<source>:<line>:<column>: <problem>` (Cedar's own
 *   message for a syntax error), `details` `{file, line, column}`.
 */
export function parseCapabilityPack(text: string, source: string): CapabilityPack {
  const { id, version, description } = readHeader(text, source);
  const parts = policySetTextToParts(text);
  if (parts.type === 'failure') throw cedarError(text, source, parts.errors);
  if (parts.policy_templates.length > 0) {
    const at = locate(text, parts.policy_templates[0] as string, 0);
    throw packInvalid(
      source,
      at.line,
      at.column,
      'policy templates (slots like ?principal) are not supported in capability packs',
    );
  }
  const parsed = checkParsePolicySet({ staticPolicies: text });
  if (parsed.type === 'failure') throw cedarError(text, source, parsed.errors);
  if (parts.policies.length === 0) throw packInvalid(source, 1, 1, 'a capability pack needs at least one Cedar policy');
  const policies: CedarPolicy[] = [];
  let cursor = 0;
  for (const part of parts.policies) {
    const at = locate(text, part, cursor);
    cursor = at.offset + 1;
    const policy = readPolicy(part, at.line, source);
    const clash = policies.find((p) => p.id === policy.id);
    if (clash)
      throw packInvalid(source, at.line, 1, `@id("${policy.id}") is already used by the policy at line ${clash.line}`);
    policies.push(policy);
  }
  return {
    kind: 'capability',
    id,
    version,
    source,
    digest: sha256(text),
    policies,
    ...(description ? { description } : {}),
  };
}

function readHeader(text: string, source: string): { id: string; version: string; description?: string } {
  let id: string | undefined;
  let version: string | undefined;
  let description: string | undefined;
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    if (!line.trim().startsWith('//')) break;
    const header = HEADER.exec(line);
    if (header) {
      [id, version] = [header[1] as string, header[2] as string];
      if (!new RegExp(PACK_ID_PATTERN).test(id))
        throw packInvalid(source, index + 1, 1, `pack id "${id}" must match ${PACK_ID_PATTERN}`);
      if (!new RegExp(PACK_VERSION_PATTERN).test(version))
        throw packInvalid(source, index + 1, 1, `pack version "${version}" must be MAJOR.MINOR.PATCH`);
    }
    description = DESCRIPTION.exec(line)?.[1] ?? description;
  }
  if (!id || !version)
    throw packInvalid(source, 1, 1, 'missing the header comment `// @pack <id>@<version>` before the first policy');
  return { id, version, ...(description ? { description } : {}) };
}

function readPolicy(text: string, line: number, source: string): CedarPolicy {
  const json = policyToJson(text);
  if (json.type === 'failure') throw packInvalid(source, line, 1, json.errors.map((e) => e.message).join('; '));
  const annotations = json.json.annotations ?? {};
  const id = annotations['id'];
  if (id === undefined)
    throw packInvalid(source, line, 1, 'the policy has no @id("...") annotation (rule results name policies by it)');
  if (!POLICY_ID.test(id)) throw packInvalid(source, line, 1, `@id("${id}") must match ${POLICY_ID.source}`);
  const effect = json.json.effect;
  const rationale = annotations['rationale'];
  if (effect === 'forbid' && !rationale)
    throw packInvalid(source, line, 1, `forbid policy "${id}" needs a @rationale("...") saying why it denies`);
  const otherwise = annotations['otherwise'];
  return { id, effect, text, line, ...(rationale ? { rationale } : {}), ...(otherwise ? { otherwise } : {}) };
}

function cedarError(text: string, source: string, errors: readonly DetailedError[]): Error {
  const first = errors[0];
  const location = first?.sourceLocations?.[0];
  const at = location ? positionOf(text, location.start) : { line: 1, column: 1 };
  const label = location?.label ? ` (${location.label})` : '';
  const help = first?.help ? `; help: ${first.help}` : '';
  return packInvalid(source, at.line, at.column, `Cedar: ${first?.message ?? 'unknown error'}${label}${help}`);
}

/** 1-based line and column of a UTF-8 byte offset (Cedar reports byte offsets). */
export function positionOf(text: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1] as string).length + 1 };
}

function locate(text: string, part: string, from: number): { offset: number; line: number; column: number } {
  const offset = text.indexOf(part, from);
  if (offset < 0) return { offset: from, line: 1, column: 1 };
  const before = text.slice(0, offset).split('\n');
  return { offset, line: before.length, column: (before[before.length - 1] as string).length + 1 };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
