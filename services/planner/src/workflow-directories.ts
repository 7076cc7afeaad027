import { existsSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor, RegisterWorkflowResult } from '@ledgerflow/contracts';
import {
  DefinitionError,
  listYamlFiles,
  readDefinitionSource,
  WorkflowVersionExistsError,
} from '@ledgerflow/definitions';
import { LedgerflowError } from '@ledgerflow/domain';
import type { Logger } from '@ledgerflow/telemetry';
import type { WorkflowCatalog } from './workflow-catalog.js';

/** Quiet time after the last change of a file before it is read again, in ms (editors write a file in steps). */
export const WATCH_DEBOUNCE_MS = 300;

/**
 * The definition directories (`LEDGERFLOW_DEFINITIONS_DIR`) as a source of versions: each `*.yaml`/`*.yml` file
 * is registered as `WorkflowVersionRegistered` with `source: 'directory'` (nothing appended when the same version
 * with the same digest is registered already), at start and whenever a file is written (watched with `fs.watch`,
 * debounced per file). A file whose version exists with other content refuses the start (exit 78, like an
 * invalid file); later, it and an invalid file are logged (`error`, with the file, code and message) and change nothing.
 */
export class WorkflowDirectories {
  private readonly watchers: FSWatcher[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly catalog: WorkflowCatalog,
    private readonly dirs: readonly string[],
    private readonly actor: Actor,
    private readonly logger?: Logger,
    private readonly debounceMs = WATCH_DEBOUNCE_MS,
  ) {}

  /**
   * Registers every definition file of every directory, in directory then name order.
   * @throws LedgerflowError `workflow_version_exists` naming the file; DefinitionError for an unreadable or invalid file.
   */
  async registerAll(): Promise<void> {
    for (const dir of this.dirs) {
      for (const file of listYamlFiles(dir)) {
        try {
          await this.registerFile(file);
        } catch (error) {
          if (!(error instanceof WorkflowVersionExistsError)) throw error;
          throw new LedgerflowError(error.code, `${file}: ${error.message}`, false, { ...error.details, file });
        }
      }
    }
  }

  /** Registers one file as read now. @throws as `registerAll` (a `WorkflowVersionExistsError` as such). */
  async registerFile(file: string): Promise<RegisterWorkflowResult> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new DefinitionError('definition_unreadable', file, [
        { path: '', rule: 'readable', message: `cannot read file: ${(error as Error).message}` },
      ]);
    }
    const { definition, document, digest } = readDefinitionSource(text, file);
    return this.catalog.register({
      workflowId: definition.id,
      version: definition.version,
      definition: document,
      digest,
      source: 'directory',
      registeredBy: this.actor,
      file,
    });
  }

  /** Starts watching every directory; a written, created or renamed definition file is registered after `debounceMs`. */
  watch(): void {
    for (const dir of this.dirs) {
      const watcher = watch(dir, (_event, name) => {
        if (name !== null && /\.ya?ml$/i.test(name)) this.schedule(join(dir, name));
      });
      watcher.on('error', (error) =>
        this.logger?.error('cannot watch a definitions directory', { dir, reason: error.message }),
      );
      this.watchers.push(watcher);
    }
  }

  /** Stops watching and waits for registrations under way. */
  async close(): Promise<void> {
    for (const watcher of this.watchers.splice(0)) watcher.close();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.pending]);
  }

  private schedule(file: string): void {
    clearTimeout(this.timers.get(file));
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        const work = this.reload(file).finally(() => this.pending.delete(work));
        this.pending.add(work);
      }, this.debounceMs),
    );
  }

  private async reload(file: string): Promise<void> {
    if (!existsSync(file)) return; // removed: recorded versions stay (they are immutable)
    try {
      const result = await this.registerFile(file);
      this.logger?.info(result.created ? 'workflow definition file registered' : 'workflow definition file unchanged', {
        file,
        workflowId: result.workflowId,
        version: result.version,
      });
    } catch (error) {
      const code = error instanceof LedgerflowError ? error.code : 'internal_error';
      this.logger?.error('workflow definition file not registered', { file, code, reason: (error as Error).message });
    }
  }
}
