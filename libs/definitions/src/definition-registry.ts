import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefinitionError, UnknownWorkflowError } from './definition.errors.js';
import type { WorkflowDefinition } from './definition.types.js';
import { parseDefinition } from './parse-definition.js';
import { compareSemver } from './semver.js';

/**
 * Where a service finds the definition of a workflow: `workflowId@version`, or the latest version by semver
 * precedence when `version` is omitted. The planner's resolver reads versions registered since (as events)
 * before it answers.
 */
export interface WorkflowResolver {
  /** @throws UnknownWorkflowError `workflow_unknown` (HTTP 404) */
  resolve(workflowId: string, version?: string): Promise<WorkflowDefinition>;
}

/** Loaded workflow definitions, by id and semantic version. */
export class DefinitionRegistry implements WorkflowResolver {
  private readonly byId = new Map<string, WorkflowDefinition[]>();

  /** @throws DefinitionError `definition_duplicate` when two definitions share `id@version` (naming both sources). */
  constructor(definitions: Iterable<WorkflowDefinition> = []) {
    for (const definition of definitions) this.add(definition);
  }

  /** @throws DefinitionError `definition_duplicate` */
  add(definition: WorkflowDefinition): void {
    const versions = this.byId.get(definition.id) ?? [];
    const existing = versions.find((d) => d.version === definition.version);
    if (existing !== undefined) {
      throw new DefinitionError(
        'definition_duplicate',
        definition.source,
        [
          {
            path: '/version',
            rule: 'unique_id_version',
            message: `${definition.id}@${definition.version} is already defined in ${existing.source}`,
          },
        ],
        { otherSource: existing.source },
      );
    }
    versions.push(definition);
    versions.sort((a, b) => compareSemver(b.version, a.version));
    this.byId.set(definition.id, versions);
  }

  /**
   * The definition `id@version`, or the latest version of `id` by semver precedence when `version` is omitted.
   * @throws UnknownWorkflowError `workflow_unknown` (HTTP 404)
   */
  get(id: string, version?: string): WorkflowDefinition {
    const found = this.find(id, version);
    if (found === undefined) throw new UnknownWorkflowError(id, version);
    return found;
  }

  /**
   * `get` as a promise: the registry is a {@link WorkflowResolver} whose definitions are all in memory.
   * @throws UnknownWorkflowError `workflow_unknown` (as a rejection)
   */
  async resolve(id: string, version?: string): Promise<WorkflowDefinition> {
    return this.get(id, version);
  }

  /** Like `get`, but undefined when missing. */
  find(id: string, version?: string): WorkflowDefinition | undefined {
    const versions = this.byId.get(id);
    return version === undefined ? versions?.[0] : versions?.find((d) => d.version === version);
  }

  /** Every definition, by id, then newest version first. */
  list(): WorkflowDefinition[] {
    return [...this.byId.keys()].sort().flatMap((id) => this.byId.get(id) ?? []);
  }
}

/**
 * Reads every `*.yaml` / `*.yml` file directly under each directory (not recursive; files in name
 * order) and parses it with `parseDefinition`, the file path as source.
 * @throws DefinitionError from the first file that fails; `definition_duplicate` naming both files;
 *   `definition_unreadable` when a directory or file cannot be read.
 */
export function loadDefinitions(dirs: readonly string[]): DefinitionRegistry {
  const registry = new DefinitionRegistry();
  for (const dir of dirs) {
    for (const file of listYamlFiles(dir)) {
      registry.add(parseDefinition(readText(file), file));
    }
  }
  return registry;
}

/**
 * The definition files of a directory: every `*.yaml` / `*.yml` file directly under it, in name order.
 * @throws DefinitionError `definition_unreadable` when the directory cannot be listed.
 */
export function listYamlFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
      .map((entry) => join(dir, entry.name))
      .sort();
  } catch (error) {
    throw new DefinitionError('definition_unreadable', dir, [
      { path: '', rule: 'readable', message: `cannot list directory: ${(error as Error).message}` },
    ]);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new DefinitionError('definition_unreadable', file, [
      { path: '', rule: 'readable', message: `cannot read file: ${(error as Error).message}` },
    ]);
  }
}
