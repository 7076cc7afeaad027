import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { PolicyPackVersionExistsError, packVersionsOfFiles, readPackVersion } from '@ledgerflow/policy-engine';
import type { PolicyPackCatalog } from './policy-pack-catalog.js';

/**
 * Registers the packs of `LEDGERFLOW_POLICY_DIRS` at start as `PolicyPackVersionRegistered` with `source: 'directory'`
 * (each `<id>@<version>.cedar|yaml|yml` file one version, read as `loadPolicyPacks` reads it; nothing appended when the
 * same version with the same digest is registered already), in directory then name order. A directory file whose
 * version exists with other content stops the start (exit 78), naming the file: a recorded version never changes.
 * @throws LedgerflowError `policy_pack_version_exists` naming the file, `policy_pack_invalid`, `policy_dir_unreadable`.
 */
export async function registerPolicyDirectories(
  catalog: PolicyPackCatalog,
  dirs: readonly string[],
  actor: Actor,
): Promise<string[]> {
  const registered: string[] = [];
  for (const dir of dirs) {
    const files = listDir(dir).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
    for (const candidate of packVersionsOfFiles(files)) {
      const file = join(dir, Object.keys(candidate.files)[0] as string);
      const { pack, digest } = readPackVersion(candidate, { dir });
      try {
        await catalog.register({ ...candidate, kind: pack.kind, digest, source: 'directory', registeredBy: actor });
      } catch (error) {
        if (!(error instanceof PolicyPackVersionExistsError)) throw error;
        throw new LedgerflowError(error.code, `${file}: ${error.message}`, false, { ...error.details, file });
      }
      registered.push(`${candidate.pack}@${candidate.version}`);
    }
  }
  return registered;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    throw new LedgerflowError(
      'policy_dir_unreadable',
      `${dir}: cannot list the policy pack directory (${(error as Error).message})`,
      false,
      { dir },
    );
  }
}
