import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** A plain JSON-like value as parsed from YAML or JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The repository root: the nearest directory above this file holding `nx.json` (works from `checks/` and `dist/`). */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`repo-files: no nx.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
})();

/** Text of a file given relative to the repository root. */
export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** Files under `dir` (relative to the repository root), recursively, as repository-relative paths, sorted. */
export function listRepoFiles(dir: string, suffixes: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const path = join(abs, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path);
      } else if (suffixes.some((s) => entry.name.endsWith(s))) {
        out.push(relative(repoRoot, path));
      }
    }
  };
  walk(join(repoRoot, dir));
  return out.sort();
}

/** Thrown when a YAML file does not parse; the message names the file and the parser's complaint. */
export class YamlParseError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'YamlParseError';
  }
}

/**
 * Every non-empty document of a YAML text, as plain values. Merge keys (`<<: *anchor`, used by
 * docker-compose.yml) are resolved, as Compose does.
 * @throws YamlParseError on any syntax error or warning (duplicate keys included).
 */
export function parseYamlDocuments(text: string, file: string): Json[] {
  const docs = parseAllDocuments(text, { merge: true, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const problems = list.flatMap((d) => [...d.errors, ...d.warnings].map((e) => e.message));
  if (problems.length > 0) throw new YamlParseError(file, problems);
  return list.map((d) => d.toJS({ maxAliasCount: 1000 }) as Json).filter((v) => v !== null && v !== undefined);
}

/** The single document of a YAML file (repository-relative path). */
export function readYaml(path: string): Json {
  const docs = parseYamlDocuments(readRepoFile(path), path);
  if (docs.length !== 1) throw new YamlParseError(path, [`expected one document, found ${docs.length}`]);
  return docs[0] as Json;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when `value` is an object, else undefined. */
export function field(value: unknown, ...path: string[]): Json | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current as Json | undefined;
}

/** `field(...)` as an array (empty when absent or not an array). */
export function list(value: unknown, ...path: string[]): Json[] {
  const found = field(value, ...path);
  return Array.isArray(found) ? found : [];
}

/** A deep copy, for tests that break one thing in a parsed file. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
