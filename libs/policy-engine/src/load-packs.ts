import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { preparsePolicySet } from '@cedar-policy/cedar-wasm/nodejs';
import { LedgerflowError } from '@ledgerflow/domain';
import { parseCapabilityPack, sha256 } from './cedar-pack.js';
import { corePack } from './core-pack.js';
import { parseObligationPack } from './obligation-pack.js';
import { POLICY_PACK_DUPLICATE, POLICY_PACK_INVALID, packInvalid } from './pack-errors.js';
import { packKey } from './pack.types.js';
import type { PolicyPack, PolicyPackSet } from './pack.types.js';

export interface LoadPolicyPacksOptions {
  /** Add the built-in `ledgerflow-core@1.0.0` capability pack (default true). */
  readonly core?: boolean;
}

/**
 * Reads, validates and compiles every pack file of `dirs`:
 * - `*.cedar`: a capability pack;
 * - `*.yaml` / `*.yml` whose name contains `@`: an obligation pack (approval, privacy, compliance);
 * - anything else (e.g. `cases.yaml`, `README.md`) is not a pack and is ignored.
 * A pack file must be named `<id>@<version>.<ext>` after the pack it declares.
 * @throws LedgerflowError `policy_pack_invalid` (`<file>:<line>:<column>: <problem>`),
 *   `policy_pack_duplicate` (the same `<id>@<version>` twice, naming both files),
 *   `policy_dir_unreadable` (a directory that cannot be listed).
 */
export function loadPolicyPacks(dirs: readonly string[], options: LoadPolicyPacksOptions = {}): PolicyPackSet {
  const packs: PolicyPack[] = options.core === false ? [] : [corePack()];
  for (const dir of dirs) {
    for (const name of listDir(dir)) {
      const file = join(dir, name);
      if (name.endsWith('.cedar'))
        packs.push(checkName(parseCapabilityPack(readFileSync(file, 'utf8'), file), 'cedar'));
      else if (/@.*\.ya?ml$/.test(name))
        packs.push(checkName(parseObligationPack(readFileSync(file, 'utf8'), file), name.split('.').pop() as string));
    }
  }
  return compilePolicyPacks(packs);
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

function checkName<P extends PolicyPack>(pack: P, extension: string): P {
  const expected = `${packKey(pack)}.${extension}`;
  if (basename(pack.source) !== expected) {
    throw packInvalid(pack.source, 1, 1, `the file declares ${packKey(pack)}, so it must be named ${expected}`);
  }
  return pack;
}

const preparsed = new Set<string>();

/**
 * Sorts packs by `<id>@<version>`, refuses duplicates, and pre-parses all Cedar policies once as one
 * policy set (Cedar policy id `<id>@<version>/<policy id>`), plus its permits alone, so `evaluate` only
 * runs `statefulIsAuthorized`. Every capability pack applies together: Cedar allows when some `permit` is
 * satisfied and no `forbid` is.
 * @throws LedgerflowError `policy_pack_duplicate`, or `policy_pack_invalid` if Cedar refuses the set.
 */
export function compilePolicyPacks(packs: readonly PolicyPack[]): PolicyPackSet {
  const sorted = [...packs].sort((a, b) => (packKey(a) < packKey(b) ? -1 : packKey(a) > packKey(b) ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const [previous, pack] = [sorted[i - 1] as PolicyPack, sorted[i] as PolicyPack];
    if (packKey(previous) === packKey(pack)) {
      throw new LedgerflowError(
        POLICY_PACK_DUPLICATE,
        `${pack.source}: ${packKey(pack)} is already defined in ${previous.source}`,
        false,
        {
          files: [previous.source, pack.source],
        },
      );
    }
  }
  const cedarPolicies = sorted.flatMap((pack) =>
    pack.kind === 'capability'
      ? pack.policies.map((policy) => ({ pack: packKey(pack), key: `${packKey(pack)}/${policy.id}`, policy }))
      : [],
  );
  const staticPolicies = Object.fromEntries(cedarPolicies.map((p) => [p.key, p.policy.text]));
  const cedarSetId = `lf-${sha256(JSON.stringify(staticPolicies)).slice(0, 32)}`;
  preparse(cedarSetId, staticPolicies);
  const permits = cedarPolicies.filter((p) => p.policy.effect === 'permit');
  preparse(permitSetIdOf(cedarSetId), Object.fromEntries(permits.map((p) => [p.key, p.policy.text])));
  const digest = sha256(sorted.map((p) => `${packKey(p)}#${p.digest}`).join('\n'));
  return { packs: sorted, cedarSetId, cedarPolicies, digest };
}

/**
 * Id of the pre-parsed set holding only the permits of `cedarSetId`: on a deny by a forbid, Cedar names
 * only the forbids, so the engine asks this set which permits were satisfied.
 */
export const permitSetIdOf = (cedarSetId: string): string => `${cedarSetId}-permits`;

function preparse(id: string, staticPolicies: Record<string, string>): void {
  if (preparsed.has(id)) return;
  const answer = preparsePolicySet(id, { staticPolicies });
  if (answer.type === 'failure') {
    throw new LedgerflowError(
      POLICY_PACK_INVALID,
      `Cedar refused the combined policy set: ${answer.errors.map((e) => e.message).join('; ')}`,
    );
  }
  preparsed.add(id);
}
