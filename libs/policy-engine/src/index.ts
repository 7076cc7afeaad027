/**
 * @ledgerflow/policy-engine: policy packs and decisions (docs/policies.md).
 * Load packs with `loadPolicyPacks(dirs)` (Cedar capability packs, approval, privacy and compliance
 * obligation packs; an invalid pack throws `policy_pack_invalid` naming file, line and column), then
 * `evaluate(request, packs)` -> `PolicyDecision`. `runPolicyCases` backs `ledgerflow policy test`.
 */
export * from './pack.types.js';
export { POLICY_CASES_INVALID, POLICY_PACK_DUPLICATE, POLICY_PACK_INVALID } from './pack-errors.js';
export { PACK_ID_PATTERN, PACK_VERSION_PATTERN, parseCapabilityPack } from './cedar-pack.js';
export { CORE_PACK, CORE_PACK_TEXT, corePack } from './core-pack.js';
export { MASK_PATH_PATTERN, REVIEWER_PATTERN, SLA_PATTERN } from './obligation-pack.schema.js';
export { normalizeReviewer, parseObligationPack } from './obligation-pack.js';
export { compilePolicyPacks, loadPolicyPacks } from './load-packs.js';
export {
  MAX_PACK_FILES,
  PACK_FILE_NAME_PATTERN,
  PolicyPackVersionExistsError,
  decidePackRegistration,
  packFilesDigest,
  packVersionsOfFiles,
  readPackVersion,
} from './pack-version.js';
export type { PackVersionFiles, ReadPackVersion, ReadPackVersionOptions } from './pack-version.js';
export type { LoadPolicyPacksOptions } from './load-packs.js';
export { RESERVED_CONTEXT_KEYS, cedarRequestOf, formatNumber, messageValuesOf } from './cedar-request.js';
export type { CedarRequest } from './cedar-request.js';
export { auditIdOf } from './audit-id.js';
export { evaluate } from './evaluate.js';
export { compareDecision, loadPolicyCases, parsePolicyCases, runPolicyCases } from './policy-cases.js';
export type { CaseExpectation, PolicyCase, PolicyCaseResult, PolicyCasesReport } from './policy-cases.js';
