import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { PolicyPackSource, PolicyPackVersionRegistered, PolicyPackVersions } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { canonicalJson } from '@ledgerflow/audit';
import { PACK_ID_PATTERN, PACK_VERSION_PATTERN, parseCapabilityPack, sha256 } from './cedar-pack.js';
import { CORE_PACK } from './core-pack.js';
import { parseObligationPack } from './obligation-pack.js';
import { POLICY_PACK_INVALID, packInvalid } from './pack-errors.js';
import { packKey } from './pack.types.js';
import type { CapabilityPack, CedarPolicy, PolicyPack } from './pack.types.js';

/** Most files in one pack version. */
export const MAX_PACK_FILES = 20;
/** File names of a pack version: no directories; `.cedar` (capability) or `.yaml`/`.yml` (obligation pack). */
export const PACK_FILE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}\\.(cedar|yaml|yml)$';
const FILE_NAME = new RegExp(PACK_FILE_NAME_PATTERN);

/** A pack version as sent (`PUT /v1/policy-packs/{name}`) or read from a directory. */
export interface PackVersionFiles {
  readonly pack: string;
  readonly version: string;
  /** File name -> text, exactly as written. */
  readonly files: Readonly<Record<string, string>>;
}

export interface ReadPackVersionOptions {
  /** `api` refuses privacy packs (see {@link readPackVersion}); default `directory`. */
  readonly source?: PolicyPackSource;
  /** Prefix of file names in error messages and pack sources (a directory path); default: the names alone. */
  readonly dir?: string;
}

/** A validated pack version: the engine's pack, its kind and the version digest. */
export interface ReadPackVersion {
  readonly pack: PolicyPack;
  /** `sha256:` + 64 hex digits over the canonical JSON of the files (names and texts). */
  readonly digest: string;
}

/** `sha256:` + hex of the canonical JSON (keys sorted) of a pack version's files. */
export const packFilesDigest = (files: Readonly<Record<string, string>>): string =>
  `sha256:${createHash('sha256').update(canonicalJson(files)).digest('hex')}`;

/**
 * Validates a pack version, with the checks of start-up (`loadPolicyPacks`) and these rules, each refusal a
 * `policy_pack_invalid` (not retryable; HTTP 422) whose `details` hold `field` (JSON pointer into the request:
 * `/pack`, `/version`, `/files`, `/files/<name>`), `rule`, and for a problem inside a file `file`, `line`, `column`
 * (1-based; Cedar's byte offsets converted), the message then starting `<file>:<line>:<column>: `:
 * - `pattern`: the pack name matches `^[a-z][a-z0-9-]{0,62}$`, the version `MAJOR.MINOR.PATCH`, file names
 *   {@link PACK_FILE_NAME_PATTERN};
 * - `reserved`: not the built-in `ledgerflow-core`;
 * - `file_count`: 1..20 files; `one_kind`: either only `.cedar` files (one capability pack: their policies
 *   together, `@id`s unique across files) or exactly one `.yaml`/`.yml` obligation pack;
 * - `valid_pack`: each file parses as a pack (Cedar syntax, `@id`, `@rationale`; the obligation schema);
 * - `matches_path`: each file declares `<pack>@<version>` (Cedar header `// @pack`, YAML `id` and `version`);
 * - `privacy_directory_only` (source `api`): privacy packs are read from `LEDGERFLOW_POLICY_DIRS` by the services
 *   that mask (`@ledgerflow/privacy`), so one sent over the API would be listed in decisions but mask nothing.
 * @throws LedgerflowError `policy_pack_invalid` as above.
 */
export function readPackVersion(candidate: PackVersionFiles, options: ReadPackVersionOptions = {}): ReadPackVersion {
  const { pack: name, version, files } = candidate;
  if (!new RegExp(PACK_ID_PATTERN).test(name))
    throw invalid(`pack name "${name}" must match ${PACK_ID_PATTERN}`, '/pack', 'pattern');
  if (name === CORE_PACK.split('@')[0])
    throw invalid(`"${name}" is the built-in pack; choose another name`, '/pack', 'reserved');
  if (!new RegExp(PACK_VERSION_PATTERN).test(version))
    throw invalid(`version "${version}" must be MAJOR.MINOR.PATCH`, '/version', 'pattern');
  const names = Object.keys(files).sort();
  if (names.length === 0 || names.length > MAX_PACK_FILES)
    throw invalid(`a pack version has 1..${MAX_PACK_FILES} files; got ${names.length}`, '/files', 'file_count');
  for (const file of names) {
    if (!FILE_NAME.test(file))
      throw invalid(
        `file name "${file.slice(0, 100)}" must match ${PACK_FILE_NAME_PATTERN}`,
        `/files/${file}`,
        'pattern',
      );
  }
  const cedar = names.filter((file) => file.endsWith('.cedar'));
  if (cedar.length !== names.length && names.length !== 1) {
    throw invalid(
      'a pack version is either .cedar files (a capability pack) or one .yaml/.yml obligation pack',
      `/files/${names.find((f) => !f.endsWith('.cedar'))}`,
      'one_kind',
    );
  }
  const label = (file: string): string => (options.dir ? `${options.dir.replace(/\/$/, '')}/${file}` : file);
  const parsed = names.map((file) =>
    inFile(file, () => {
      const text = files[file] as string;
      const one = file.endsWith('.cedar')
        ? parseCapabilityPack(text, label(file))
        : parseObligationPack(text, label(file));
      if (one.id !== name || one.version !== version) {
        const at = declarationLine(text);
        throw packInvalid(
          label(file),
          at,
          1,
          `the file declares ${packKey(one)}, but it was sent as ${name}@${version}`,
          { rule: 'matches_path' },
        );
      }
      if (one.kind === 'privacy' && options.source === 'api') {
        throw packInvalid(
          label(file),
          declarationLine(text, /^kind\s*:/),
          1,
          'privacy packs are read from LEDGERFLOW_POLICY_DIRS by the services that mask; put the file there instead',
          { rule: 'privacy_directory_only' },
        );
      }
      return one;
    }),
  );
  const digest = packFilesDigest(files);
  const pack =
    parsed.length === 1
      ? (parsed[0] as PolicyPack)
      : mergeCapability(parsed as CapabilityPack[], names, label, name, version);
  return { pack, digest };
}

/** One capability pack of several `.cedar` files: their policies in file-name order, `@id`s unique across files. */
function mergeCapability(
  parts: readonly CapabilityPack[],
  names: readonly string[],
  label: (file: string) => string,
  name: string,
  version: string,
): CapabilityPack {
  const policies: (CedarPolicy & { file: string })[] = [];
  parts.forEach((part, index) => {
    const file = names[index] as string;
    for (const policy of part.policies) {
      const clash = policies.find((p) => p.id === policy.id);
      if (clash) {
        throw packInvalid(
          label(file),
          policy.line,
          1,
          `@id("${policy.id}") is already used by the policy at ${clash.file}:${clash.line}`,
          { rule: 'unique_policy_id', field: `/files/${file}` },
        );
      }
      policies.push({ ...policy, file: label(file) });
    }
  });
  const description = parts.find((p) => p.description)?.description;
  return {
    kind: 'capability',
    id: name,
    version,
    source: `${name}@${version}`,
    // Over the texts in file-name order, so the same files give the same audit ids.
    digest: sha256(names.map((file, i) => `${file}\n${(parts[i] as CapabilityPack).digest}`).join('\n')),
    policies: policies.map(({ file: _file, ...policy }) => policy),
    ...(description ? { description } : {}),
  };
}

/** Runs `read`, adding `field: /files/<file>` and a default `rule` to a pack error. */
function inFile<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof LedgerflowError) || error.code !== POLICY_PACK_INVALID) throw error;
    throw new LedgerflowError(error.code, error.message, false, {
      rule: 'valid_pack',
      ...error.details,
      field: `/files/${file}`,
    });
  }
}

/** 1-based line of the pack's declaration (`// @pack`, or a YAML `id:`), else 1. */
function declarationLine(text: string, pattern = /^(\s*\/\/\s*@pack\s|id\s*:)/): number {
  const index = text.split('\n').findIndex((line) => pattern.test(line));
  return index < 0 ? 1 : index + 1;
}

function invalid(message: string, field: string, rule: string): LedgerflowError {
  return new LedgerflowError(POLICY_PACK_INVALID, message, false, { field, rule });
}

/**
 * `pack@version` is registered already with another digest: versions are immutable (decisions name them), so
 * changed files need a new version. Not retryable; HTTP 409. Details `{ pack, version, field: '/version',
 * rule: 'immutable_version', digest, registeredDigest }`.
 */
export class PolicyPackVersionExistsError extends LedgerflowError {
  constructor(candidate: PolicyPackVersionRegistered, registered: PolicyPackVersions['versions'][number]) {
    super(
      'policy_pack_version_exists',
      `${candidate.pack}@${candidate.version} is registered already (${registered.source}, ${registered.registeredAt}) with other content (digest ${registered.digest}); versions are immutable: give the changed pack a new version`,
      false,
      {
        pack: candidate.pack,
        version: candidate.version,
        field: '/version',
        rule: 'immutable_version',
        digest: candidate.digest,
        registeredDigest: registered.digest,
      },
    );
  }
}

/**
 * The events that register `candidate`: one `PolicyPackVersionRegistered`, or none when the same version is
 * registered with the same digest (registering is idempotent).
 * @throws PolicyPackVersionExistsError `policy_pack_version_exists` for the same version with another digest.
 */
export function decidePackRegistration(
  state: PolicyPackVersions,
  candidate: PolicyPackVersionRegistered,
): PolicyPackVersionRegistered[] {
  const registered = state.versions.find((v) => v.version === candidate.version);
  if (registered === undefined) return [candidate];
  if (registered.digest === candidate.digest) return [];
  throw new PolicyPackVersionExistsError(candidate, registered);
}

/**
 * The pack versions of a directory as `loadPolicyPacks` reads it: each `*.cedar` file and each `*.yaml`/`*.yml`
 * whose name holds `@` is one version, `<pack>@<version>` taken from the file name (checked against the content by
 * {@link readPackVersion}); other files (`cases.yaml`, `README.md`) are not packs.
 */
export function packVersionsOfFiles(
  files: readonly { readonly name: string; readonly text: string }[],
): PackVersionFiles[] {
  const versions: PackVersionFiles[] = [];
  for (const { name, text } of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const file = basename(name);
    if (!(file.endsWith('.cedar') || /@.*\.ya?ml$/.test(file))) continue;
    const key = file.replace(/\.(cedar|ya?ml)$/, '');
    const at = key.lastIndexOf('@');
    versions.push({
      pack: at < 0 ? key : key.slice(0, at),
      version: at < 0 ? '' : key.slice(at + 1),
      files: { [file]: text },
    });
  }
  return versions;
}
