import { decide } from '@ledgerflow/domain';
import type { Plan, PolicyDecision } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { aPlan, aStep } from '@ledgerflow/testing';
import type {
  AppendOptions,
  AppendResult,
  ExpectedRevision,
  NewEvent,
  ReadStreamOptions,
  StoredEvent,
} from '@ledgerflow/event-store';
import type { Decision } from './run-repository.js';

/** Test fixtures for the run repository: a two-step plan, decisions built from real domain commands. */

export const NOW = '2026-05-01T10:00:00.000Z';

export const twoStepPlan: Plan = aPlan([aStep('a'), aStep('b')]);

export const allow: PolicyDecision = {
  outcome: 'allow',
  rationale: 'clerk may crm.read',
  auditId: 'aud-1',
  rules: [{ rule: 'tool-scope', pack: 'ledgerflow-core@1.0.0', result: 'pass', message: 'clerk may crm.read' }],
};

/** `StartRun` of {@link twoStepPlan} as a repository decision. */
export const startRun =
  (runId: string, plan: Plan = twoStepPlan): Decision =>
  (state, now) =>
    decide(
      {
        type: 'StartRun',
        data: {
          runId,
          workflowId: plan.workflowId,
          workflowVersion: plan.workflowVersion,
          trigger: { source: 'api', idempotencyKey: `key-${runId}` },
          input: {},
          plan,
        },
      },
      state,
      { now },
    );

/** `RecordStepPolicyDecision` (allow) of attempt 1 of a step, as a repository decision. */
export const allowStep =
  (stepId: string): Decision =>
  (state, now) =>
    decide({ type: 'RecordStepPolicyDecision', data: { stepId, attempt: 1, decision: allow } }, state, { now });

/**
 * The in-memory store, watched: it records what was read and what was appended with which expected revision,
 * and can let "another process" write just before an append (to provoke a real optimistic-concurrency conflict).
 */
export class ObservedStore extends InMemoryEventStore {
  readonly reads: Array<{ streamId: string; fromRevision: number; returned: number }> = [];
  readonly appends: Array<{ streamId: string; expectedRevision: ExpectedRevision; types: string[] }> = [];
  private before?: { run: () => Promise<void>; once: boolean };

  /** Runs `writer` before the next append only (it may append through this store itself). */
  beforeNextAppend(writer: () => Promise<void>): void {
    this.before = { run: writer, once: true };
  }

  /** Runs `writer` before every append (it must write with {@link appendAsAnotherProcess}). */
  beforeEveryAppend(writer: () => Promise<void>): void {
    this.before = { run: writer, once: false };
  }

  /** An append that is neither recorded nor preceded by the hook. */
  appendAsAnotherProcess(streamId: string, events: readonly NewEvent[]): Promise<AppendResult> {
    return super.append(streamId, events, { expectedRevision: 'any' });
  }

  override async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.appends.push({ streamId, expectedRevision: options.expectedRevision, types: events.map((e) => e.type) });
    const before = this.before;
    if (before) {
      if (before.once) this.before = undefined;
      await before.run();
    }
    return super.append(streamId, events, options);
  }

  private edit?: (events: StoredEvent[]) => StoredEvent[];

  /**
   * From now on every read of the store sees `edit` applied to the whole stream, as if someone had changed the
   * stored rows directly (altered, removed or reordered events), bypassing append.
   */
  tamper(edit: (events: StoredEvent[]) => StoredEvent[]): void {
    this.edit = edit;
  }

  override async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    let events = await super.readStream(streamId, this.edit ? {} : options);
    if (this.edit) events = this.edit(events).filter((e) => e.revision >= (options.fromRevision ?? 0));
    this.reads.push({ streamId, fromRevision: options.fromRevision ?? 0, returned: events.length });
    return events;
  }
}
