import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LedgerflowError } from '@ledgerflow/domain';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { parseJsonPath } from './json-path.js';
import { isPiiKind, PII_KINDS, type PiiKind } from './pii-kind.js';
import type { PrivacyRules } from './privacy-rules.js';

/** One privacy pack as read from its file. */
export interface PrivacyPack {
  readonly id: string;
  readonly version: string;
  readonly paths: readonly string[];
  readonly detectors: readonly PiiKind[];
  /** The file it was read from. */
  readonly source: string;
}

/** Same rules as `@ledgerflow/policy-engine` for pack ids and versions. */
const PACK_ID = /^[a-z][a-z0-9-]{0,62}$/;
const PACK_VERSION = /^\d+\.\d+\.\d+$/;
const TOP_KEYS = new Set(['id', 'version', 'kind', 'description', 'mask']);
const MASK_KEYS = new Set(['paths', 'detectors']);

/**
 * Reads `text` (the YAML file `source`) as a privacy pack.
 * @returns the pack, or `undefined` when the file is not a privacy pack (its top-level `kind` is not
 *   `privacy`, or it is not YAML and has no `kind: privacy` line).
 * @throws LedgerflowError `policy_pack_invalid` (`<file>:<line>:<column>: <problem>`, details `{file, line,
 *   column}`) for a privacy pack with a YAML error, a missing or malformed `id`/`version`, a file not named
 *   `<id>@<version>.yaml|yml`, an unknown key, a path `parseJsonPath` refuses, or an unknown detector.
 */
export function parsePrivacyPack(text: string, source: string): PrivacyPack | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const fail = (problem: string, at: readonly (string | number)[] = []): never => {
    const node = at.length === 0 ? doc.contents : doc.getIn(at, true);
    const pos = lines.linePos(isNode(node) && node.range ? node.range[0] : 0);
    throw new LedgerflowError('policy_pack_invalid', `${source}:${pos.line}:${pos.col}: ${problem}`, false, {
      file: source,
      line: pos.line,
      column: pos.col,
    });
  };
  if (doc.errors.length > 0) {
    if (!/^kind:\s*["']?privacy["']?\s*(#.*)?$/m.test(text)) return undefined;
    const at = doc.errors[0]!.linePos?.[0] ?? { line: 1, col: 1 };
    throw new LedgerflowError(
      'policy_pack_invalid',
      `${source}:${at.line}:${at.col}: YAML: ${doc.errors[0]!.message.split('\n')[0]}`,
      false,
      {
        file: source,
        line: at.line,
        column: at.col,
      },
    );
  }
  const raw: unknown = doc.toJS();
  if (!isRecord(raw) || raw['kind'] !== 'privacy') return undefined;
  return validate(raw, source, doc, fail);
}

function validate(
  raw: Record<string, unknown>,
  source: string,
  doc: Document,
  fail: (problem: string, at?: readonly (string | number)[]) => never,
): PrivacyPack {
  for (const key of Object.keys(raw))
    if (!TOP_KEYS.has(key)) fail(`unknown key "${key}" (allowed: ${[...TOP_KEYS].join(', ')})`, [key]);
  const { id, version, mask } = raw;
  if (typeof id !== 'string' || !PACK_ID.test(id)) fail(`/id must match ${PACK_ID.source}`, ['id']);
  if (typeof version !== 'string' || !PACK_VERSION.test(version))
    fail(`/version must be a semantic version MAJOR.MINOR.PATCH`, ['version']);
  const expected = `${String(id)}@${String(version)}`;
  if (!new RegExp(`^${expected.replace(/\./g, '\\.')}\\.ya?ml$`).test(basename(source))) {
    fail(`the file declares ${expected}, so it must be named ${expected}.yaml`);
  }
  if (!isRecord(mask))
    return fail('/mask must be an object with paths and/or detectors', doc.has('mask') ? ['mask'] : []);
  for (const key of Object.keys(mask))
    if (!MASK_KEYS.has(key)) fail(`unknown key "mask.${key}" (allowed: paths, detectors)`, ['mask', key]);
  if (mask['paths'] === undefined && mask['detectors'] === undefined) fail('/mask needs paths or detectors', ['mask']);
  const paths = listOf(mask['paths'], 'paths', fail);
  paths.forEach((path, i) => {
    if (typeof path !== 'string') fail(`/mask/paths/${i} must be a string`, ['mask', 'paths', i]);
    try {
      parseJsonPath(path as string);
    } catch (error) {
      fail(`/mask/paths/${i}: ${(error as Error).message}`, ['mask', 'paths', i]);
    }
  });
  const detectors = listOf(mask['detectors'], 'detectors', fail);
  detectors.forEach((kind, i) => {
    if (!isPiiKind(kind))
      fail(`/mask/detectors/${i} must be one of ${PII_KINDS.join(', ')}; got ${JSON.stringify(kind)}`, [
        'mask',
        'detectors',
        i,
      ]);
  });
  return {
    id: id as string,
    version: version as string,
    paths: paths as string[],
    detectors: detectors as PiiKind[],
    source,
  };
}

function listOf(
  value: unknown,
  field: string,
  fail: (problem: string, at?: readonly (string | number)[]) => never,
): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(`/mask/${field} must be a list`, ['mask', field]);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The union of every privacy pack in `dirs` (each directory's `*.yaml`/`*.yml` files, not recursive, in name
 * order; other files and other pack kinds are ignored). Empty rules when there is none.
 * @throws LedgerflowError `policy_pack_invalid` (see {@link parsePrivacyPack}), `policy_pack_duplicate` (one
 *   `<id>@<version>` in two files, naming both), `policy_dir_unreadable` (a directory that cannot be listed).
 * @example loadPrivacyRules(['examples/claim-review/policies']) // { packs: ['claims-privacy@1.0.0'], ... }
 */
export function loadPrivacyRules(dirs: readonly string[]): PrivacyRules {
  const packs: PrivacyPack[] = [];
  for (const dir of dirs) {
    for (const name of listDir(dir)) {
      if (!/\.ya?ml$/.test(name)) continue;
      const file = join(dir, name);
      const pack = parsePrivacyPack(readFileSync(file, 'utf8'), file);
      if (pack === undefined) continue;
      const twin = packs.find((p) => p.id === pack.id && p.version === pack.version);
      if (twin !== undefined) {
        throw new LedgerflowError(
          'policy_pack_duplicate',
          `${file}: ${pack.id}@${pack.version} is already defined in ${twin.source}`,
          false,
          { files: [twin.source, file] },
        );
      }
      packs.push(pack);
    }
  }
  return mergePrivacyPacks(packs);
}

/** The union of `packs`: `packs` sorted `id@version`, paths and detectors deduplicated in pack order. */
export function mergePrivacyPacks(
  packs: readonly Pick<PrivacyPack, 'id' | 'version' | 'paths' | 'detectors'>[],
): PrivacyRules {
  return {
    packs: packs.map((p) => `${p.id}@${p.version}`).sort(),
    paths: [...new Set(packs.flatMap((p) => p.paths))],
    detectors: [...new Set(packs.flatMap((p) => p.detectors))],
  };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  } catch (error) {
    throw new LedgerflowError(
      'policy_dir_unreadable',
      `${dir}: cannot list the policy pack directory (${(error as Error).message})`,
      false,
      { dir },
    );
  }
}
