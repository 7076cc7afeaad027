import type { VaultEntry, VaultStore } from './vault-store.port.js';

/** A {@link VaultStore} in a Map: tests and single-process tools only (nothing survives the process). */
export class InMemoryVaultStore implements VaultStore {
  private readonly entries = new Map<string, VaultEntry>();

  async put(entries: readonly VaultEntry[]): Promise<void> {
    for (const entry of entries) if (!this.entries.has(entry.token)) this.entries.set(entry.token, entry);
  }

  async get(tokens: readonly string[]): Promise<Map<string, VaultEntry>> {
    const found = new Map<string, VaultEntry>();
    for (const token of tokens) {
      const entry = this.entries.get(token);
      if (entry !== undefined) found.set(token, entry);
    }
    return found;
  }

  async deleteRun(runId: string): Promise<number> {
    let deleted = 0;
    for (const [token, entry] of this.entries) {
      if (entry.runId === runId) {
        this.entries.delete(token);
        deleted++;
      }
    }
    return deleted;
  }

  /** Number of stored entries (for tests). */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {}
}
