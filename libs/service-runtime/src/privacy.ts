import { LedgerflowError } from '@ledgerflow/domain';
import type { PrivacyConfig } from '@ledgerflow/config';
import { PiiVault, SqliteVaultStore, loadPrivacyRules, parsePiiKey } from '@ledgerflow/privacy';
import type { PrivacyRules } from '@ledgerflow/privacy';

/**
 * What the planner and the executor do with PII (docs/policies.md, "Privacy packs"): values the
 * privacy packs name and PII the detectors find are replaced by tokens before anything is persisted
 * (run input, step inputs and outputs, error messages); only a tool call's input is detokenized, in
 * memory, just before it is sent.
 */
export interface Privacy {
  readonly rules: PrivacyRules;
  /** A deep copy of `value` with PII replaced by tokens of this run. */
  tokenize<T>(value: T, runId: string): Promise<T>;
  /** `value` with this run's tokens replaced by their plaintext (tokens of other runs stay as they are). */
  detokenize<T>(value: T, runId: string): Promise<{ value: T; unknownTokens: readonly string[] }>;
  close(): Promise<void>;
}

/**
 * Opens the vault and loads the privacy packs named by the configuration.
 * @throws LedgerflowError `policy_pack_invalid` for an invalid privacy pack (the service refuses to start).
 */
export async function openPrivacy(config: PrivacyConfig): Promise<Privacy> {
  let key: Uint8Array;
  try {
    key = parsePiiKey(config.LEDGERFLOW_PII_KEY);
  } catch (error) {
    throw new LedgerflowError('config_invalid', (error as Error).message);
  }
  const rules = loadPrivacyRules(config.LEDGERFLOW_POLICY_DIRS);
  const store = await SqliteVaultStore.open(config.LEDGERFLOW_VAULT_PATH);
  const vault = new PiiVault({ store, key });
  return {
    rules,
    async tokenize<T>(value: T, runId: string): Promise<T> {
      return (await vault.tokenize(value, rules, { runId })).value as T;
    },
    async detokenize<T>(value: T, runId: string) {
      const result = await vault.detokenize(value, { runId });
      return { value: result.value as T, unknownTokens: result.unknownTokens };
    },
    close: () => store.close(),
  };
}
