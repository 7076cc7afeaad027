import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { EXPRESSION_WORKER_SOURCE } from './expression-worker.source.js';

/**
 * Limits on JSONata evaluation. `timeoutMs`, `stackDepth`, `sequenceItems` are jsonata 2.x's own
 * options (`timeout`, `stack`, `sequence`: checked between evaluation steps, codes D1012, D1011, D2014).
 * One native call can still run past them (a huge `$pad`, a sort of a long array), so evaluation runs in
 * worker threads: `hardTimeoutMs` per expression (beyond `timeoutMs`) after which the worker is terminated,
 * `memoryMb` of old-generation heap per worker, `workers` threads per process; `resultChars` bounds a
 * result (and `$pad`'s width), code `expression_result_too_large`. Definitions map small
 * documents; these figures leave room for that and stop anything runaway (docs/definitions.md).
 */
export const EXPRESSION_LIMITS = {
  timeoutMs: 1_000,
  stackDepth: 500,
  sequenceItems: 100_000,
  hardTimeoutMs: 1_000,
  resultChars: 1_000_000,
  memoryMb: 128,
  workers: 2,
} as const;

export type ExpressionLimits = { readonly [K in keyof typeof EXPRESSION_LIMITS]: number };

/** One expression's outcome: the value (plain JSON; undefined when nothing matched) or JSONata's error. */
export type ExpressionResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly retryable: boolean };

interface Task {
  readonly id: number;
  readonly expressions: readonly string[];
  readonly data: unknown;
  readonly resolve: (results: ExpressionResult[]) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Loaded (jsonata and re2js required): time limits start only then. */
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
}

const packages = (() => {
  const require = createRequire(import.meta.url);
  return { jsonata: require.resolve('jsonata'), re2js: require.resolve('re2js') };
})();

/**
 * A pool of expression workers. `evaluate` never rejects: each expression yields a result; a worker
 * that overruns its hard deadline, runs out of memory or dies yields `{ ok: false, retryable: true }`
 * (codes `expression_hard_timeout`, `expression_worker_failed`) for its task and is replaced. Idle
 * workers are `unref`ed, so they never keep a process alive; a loading or busy one is referenced, so the process waits
 * for the task it was started for.
 */
export class ExpressionPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;

  constructor(readonly limits: ExpressionLimits = EXPRESSION_LIMITS) {}

  /** Evaluates each expression over `data` (structured-cloned into a worker), in order, in one worker. */
  evaluate(expressions: readonly string[], data: unknown): Promise<ExpressionResult[]> {
    if (expressions.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, expressions, data, resolve });
      this.pump();
    });
  }

  /** Terminates every worker (pending tasks resolve as failed). */
  async close(): Promise<void> {
    await Promise.all(
      this.slots.map((slot) => this.retire(slot, 'expression_worker_failed', 'the expression pool was closed')),
    );
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((candidate) => candidate.ready && candidate.task === undefined);
      if (slot === undefined) {
        if (this.slots.length < this.limits.workers && this.slots.every((candidate) => candidate.ready)) this.spawn();
        return;
      }
      const task = this.queue.shift() as Task;
      slot.task = task;
      slot.worker.ref();
      const deadline = task.expressions.length * (this.limits.timeoutMs + this.limits.hardTimeoutMs);
      slot.timer = setTimeout(() => {
        void this.retire(
          slot,
          'expression_hard_timeout',
          `evaluation was stopped after ${deadline} ms (hard limit: ${this.limits.timeoutMs} ms + ${this.limits.hardTimeoutMs} ms per expression)`,
        );
      }, deadline);
      try {
        slot.worker.postMessage({ id: task.id, expressions: task.expressions, data: task.data });
      } catch (error) {
        // data that cannot be cloned (never the case for JSON): report it, keep the worker.
        this.finish(
          slot,
          task.expressions.map(() => ({
            ok: false,
            code: 'expression_data_invalid',
            message: (error as Error).message,
            retryable: false,
          })),
        );
      }
    }
  }

  private spawn(): void {
    const worker = new Worker(EXPRESSION_WORKER_SOURCE, {
      eval: true,
      workerData: {
        ...packages,
        limits: {
          timeout: this.limits.timeoutMs,
          stack: this.limits.stackDepth,
          sequence: this.limits.sequenceItems,
          resultChars: this.limits.resultChars,
        },
      },
      resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryMb },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false };
    worker.on(
      'message',
      (message: {
        ready?: true;
        id?: number;
        results: Array<{ ok: true; value: unknown } | { ok: false; code: string; message: string }>;
      }) => {
        if (message.ready === true) {
          slot.ready = true;
          this.pump();
          if (slot.task === undefined) slot.worker.unref();
          return;
        }
        if (slot.task === undefined || slot.task.id !== message.id) return;
        this.finish(
          slot,
          message.results.map((result) => (result.ok ? result : { ...result, retryable: result.code === 'D1012' })),
        );
      },
    );
    worker.on(
      'error',
      (error) => void this.retire(slot, 'expression_worker_failed', `the expression worker failed: ${error.message}`),
    );
    worker.on('exit', () => void this.retire(slot, 'expression_worker_failed', 'the expression worker exited'));
    // Kept referenced while it loads: it is spawned for a task that waits in the queue, and an unreferenced worker
    // let a process with nothing else pending exit before the task settled (exit code 13, an unsettled top-level
    // await, seen in `ledgerflow eval`). Unreferenced once idle.
    this.slots.push(slot);
  }

  private finish(slot: Slot, results: ExpressionResult[]): void {
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    slot.worker.unref();
    task?.resolve(results);
    this.pump();
  }

  private async retire(slot: Slot, code: string, message: string): Promise<void> {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    clearTimeout(slot.timer);
    const task = slot.task;
    slot.task = undefined;
    const failed = (t: Task) => t.resolve(t.expressions.map(() => ({ ok: false, code, message, retryable: true })));
    if (task !== undefined) failed(task);
    // A worker that dies while loading would die again: fail what waits rather than respawn in a loop.
    if (!slot.ready) this.queue.splice(0).forEach(failed);
    await slot.worker.terminate();
    this.pump();
  }
}
