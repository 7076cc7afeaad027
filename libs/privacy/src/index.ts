/**
 * @ledgerflow/privacy: privacy obligation packs (docs/policies.md, "Privacy packs": mask fields and detected PII before
 * anything is persisted or logged).
 * - {@link detectPii}: email, phone, card (Luhn), IBAN (MOD 97-10) and account number detectors.
 * - {@link loadPrivacyRules}: the union of the `kind: privacy` packs in the policy pack directories.
 * - {@link PiiVault}: reversible tokenization (`pii_<kind>_...` tokens, AES-256-GCM vault in a {@link VaultStore}:
 *   {@link SqliteVaultStore} or {@link InMemoryVaultStore}); key from `LEDGERFLOW_PII_KEY` ({@link parsePiiKey}).
 * - {@link mask} / {@link maskText}: irreversible masking (`[email]`, `[masked]`) for logs and spans.
 */
export { PII_KINDS, isPiiKind } from './pii-kind.js';
export type { Finding, PiiKind, TokenKind } from './pii-kind.js';
export { detectPii } from './detectors.js';
export { luhnValid, ibanChecksumValid, IBAN_LENGTHS } from './checksums.js';
export { parseJsonPath, selectPaths, PathMatcher } from './json-path.js';
export type { PathKey, PathSegment } from './json-path.js';
export { NO_PRIVACY_RULES } from './privacy-rules.js';
export type { PrivacyRules } from './privacy-rules.js';
export { loadPrivacyRules, parsePrivacyPack, mergePrivacyPacks } from './privacy-pack.loader.js';
export type { PrivacyPack } from './privacy-pack.loader.js';
export { PII_KEY_VARIABLE, PII_KEY_BYTES, PII_TOKEN_PATTERN, isPiiToken, parsePiiKey } from './pii-key.js';
export { mask, maskText, maskLabel, MASKED_LABEL } from './mask.js';
export { PiiVault } from './pii-vault.js';
export type { DetokenizeResult, PiiVaultOptions, TokenizeResult } from './pii-vault.js';
export type { VaultEntry, VaultStore } from './vault-store.port.js';
export { InMemoryVaultStore } from './in-memory.vault-store.js';
export { SqliteVaultStore } from './sqlite.vault-store.js';
export type { SqliteVaultOptions } from './sqlite.vault-store.js';
