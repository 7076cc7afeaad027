import { runStreamId } from '@ledgerflow/contracts';
import type { Actor, EventMetadata } from '@ledgerflow/contracts';
import { decide, evolve, gateIdOf, gatesToOpen, initialState, stepIdempotencyKey } from '@ledgerflow/domain';
import type {
  DecideGate,
  Plan,
  PolicyDecision,
  RecordStepSucceeded,
  RunCommand,
  RunEvent,
  RunState,
  StartRun,
  StepError,
} from '@ledgerflow/domain';

/**
 * A run event as an event store reads it back (`StoredEvent` of libs/event-store, typed on the domain's events):
 * `revision` 0-based in stream `run-<runId>`, `position` global (1-based), `recordedAt` ISO-8601 UTC.
 */
export type StoredRunEvent = RunEvent & {
  readonly metadata: EventMetadata;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly recordedAt: string;
};

/** Global positions shared by the builders of one store's history: each event takes the next, in append order. */
export class Positions {
  constructor(private following = 1) {}
  next(): number {
    return this.following++;
  }
}

/** What {@link RunHistoryBuilder.writeTo} needs of an event store (`EventStore` of libs/event-store fits). */
export interface RunStreamStore<E> {
  append(
    streamId: string,
    events: Array<{ type: string; data: unknown; metadata: EventMetadata }>,
    options: { expectedRevision: 'no_stream' | number },
  ): Promise<unknown>;
  readStream(streamId: string): Promise<E[]>;
}

/**
 * `start`: the first event's time (ISO-8601 or epoch ms; default 2026-05-01T10:00:00.000Z); `tickMs`: how far the
 * clock moves before each later command or recorded event unless told (default 0); `actor`: the metadata actor
 * (default service `executor`); `positions`: shared with other runs' builders (default: from 1); `fromRevision`: the
 * first event's revision (default 0, a partial history past it); `input`: `StartRun`'s input (default `{}`);
 * `allow`: the decision {@link RunHistoryBuilder.evaluate} records unless given.
 */
export interface RunHistoryOptions {
  readonly start?: string | number;
  readonly tickMs?: number;
  readonly actor?: Actor;
  readonly positions?: Positions;
  readonly fromRevision?: number;
  readonly input?: unknown;
  readonly allow?: PolicyDecision;
}

/** An event for {@link RunHistoryBuilder.record}, or a function of the ISO-8601 time it happens at returning it. */
export type RecordedEvent = RunEvent | ((at: string) => RunEvent);

/** The decision {@link RunHistoryBuilder.evaluate} records unless told otherwise. */
export const ALLOW: PolicyDecision = { outcome: 'allow', rationale: 'granted', auditId: 'aud-allow', rules: [] };

/**
 * One run's history as its stream holds it. Commands go through the Run aggregate (`decide` on the folded state at
 * the clock's time, then `evolve`), so the history is one the services could have recorded; {@link record} appends
 * given events as they are, for a read side fed shapes the decider does not produce.
 * @example
 * const run = new RunHistoryBuilder('r1').start(aPlan([aStep('a')])).evaluate('a').run('a').at(later).succeed('a', 40);
 * run.stored; // RunTriggered, PlanCreated, StepPolicyEvaluated, StepStarted, StepSucceeded, RunCompleted at revisions 0..5
 */
export class RunHistoryBuilder {
  readonly stored: StoredRunEvent[] = [];
  private now: number;
  private held = true;
  private folded: RunState | undefined;
  private written = 0;
  private readonly positions: Positions;

  constructor(
    readonly runId: string,
    private readonly options: RunHistoryOptions = {},
  ) {
    this.now = toMs(options.start ?? '2026-05-01T10:00:00.000Z');
    this.positions = options.positions ?? new Positions();
  }

  /** The clock: the time of the last event, or of the next when {@link at} set it. ISO-8601 UTC. */
  get time(): string {
    return new Date(this.now).toISOString();
  }

  /** The next command or recorded event happens at `time` (ISO-8601 or epoch ms), not a tick later. */
  at(time: string | number): this {
    this.now = toMs(time);
    this.held = true;
    return this;
  }

  /** The events in revision order. */
  get events(): RunEvent[] {
    return this.stored.map(({ type, data }) => ({ type, data }) as RunEvent);
  }

  /** The run folded from its events (`evolve` from `initialState`). */
  get state(): RunState {
    this.folded ??= this.stored.reduce<RunState>((state, event) => evolve(state, event), initialState());
    return this.folded;
  }

  gateId(stepId: string): string {
    return gateIdOf(this.runId, stepId);
  }

  /** Decides `command` on the folded state, `afterMs` (default `tickMs`) after the last event, and records its events. */
  do(command: RunCommand, actor?: Actor, afterMs?: number): this {
    this.tick(afterMs);
    const state = this.state;
    const events = decide(command, state, { now: this.time });
    this.folded = events.reduce<RunState>((next, event) => evolve(next, event), state);
    for (const event of events) this.push(event, actor);
    return this;
  }

  /**
   * Appends `events` as given (no decision), each `afterMs` (default `tickMs`) after the one before; an event given as
   * a function is built from the ISO-8601 time it happens at (for data that carries its own time).
   */
  record(events: RecordedEvent | readonly RecordedEvent[], options: { actor?: Actor; afterMs?: number } = {}): this {
    for (const event of Array.isArray(events) ? events : [events as RecordedEvent]) {
      this.tick(options.afterMs);
      this.push(typeof event === 'function' ? event(this.time) : event, options.actor);
    }
    this.folded = undefined;
    return this;
  }

  /** `StartRun` of `plan` from the api (idempotency key `key-<runId>`): `RunTriggered`, `PlanCreated` (`RunQueued`). */
  start(plan: Plan, data: Partial<StartRun['data']> = {}): this {
    const { workflowId, workflowVersion } = plan;
    const trigger = { source: 'api' as const, idempotencyKey: `key-${this.runId}` };
    const input = this.options.input ?? {};
    return this.do({
      type: 'StartRun',
      data: { runId: this.runId, workflowId, workflowVersion, trigger, input, plan, ...data },
    });
  }

  /** The policy's `decision` on a step attempt, then (as the approval service does) `OpenGate` for each gate now due. */
  evaluate(stepId: string, decision: PolicyDecision = this.options.allow ?? ALLOW, attempt = 1): this {
    this.do({ type: 'RecordStepPolicyDecision', data: { stepId, attempt, decision } });
    for (const gate of gatesToOpen(this.state))
      this.do({ type: 'OpenGate', data: { stepId: gate.stepId } }, undefined, 0);
    return this;
  }

  /** `StartStep` of an attempt with its resolved `input`, idempotency key `<runId>/<stepId>/<attempt>`. */
  run(stepId: string, attempt = 1, input: unknown = {}): this {
    const idempotencyKey = stepIdempotencyKey(this.runId, stepId, attempt);
    return this.do({ type: 'StartStep', data: { stepId, attempt, idempotencyKey, input } });
  }

  /** `RecordStepSucceeded` after `durationMs` ms of the tool, output `{ ok: true }` and attempt 1 unless `data` says. */
  succeed(stepId: string, durationMs: number, data: Partial<RecordStepSucceeded['data']> = {}): this {
    const result = { stepId, attempt: 1, output: { ok: true }, durationMs, runDurationMs: 0, ...data };
    return this.do({ type: 'RecordStepSucceeded', data: result });
  }

  /** `RecordStepFailed` after `durationMs` ms: `tool_timeout` (retryable) of attempt 1 unless `error`/`attempt` say. */
  fail(stepId: string, durationMs: number, error: Partial<StepError> = {}, attempt = 1): this {
    const failure = { code: 'tool_timeout', message: 'no answer in 5 s', retryable: true, ...error };
    return this.do({ type: 'RecordStepFailed', data: { stepId, attempt, error: failure, durationMs } });
  }

  /** `DecideGate` on the step's gate by the human `reviewer`. */
  decideGate(
    stepId: string,
    reviewer: string,
    outcome: DecideGate['data']['outcome'],
    data: Partial<DecideGate['data']> = {},
  ): this {
    const reviewerActor = { kind: 'human' as const, id: reviewer };
    return this.do({
      type: 'DecideGate',
      data: { gateId: this.gateId(stepId), reviewer: reviewerActor, outcome, ...data },
    });
  }

  /**
   * Appends the events not written yet to stream `run-<runId>` (expecting the revision before them) with their
   * metadata; the run's first event carries `traceparent` when given. Resolves to the stream as read back.
   * @throws whatever the store's `append` throws (e.g. `ConcurrencyError` when the stream moved on).
   */
  async writeTo<E>(store: RunStreamStore<E>, traceparent?: string): Promise<E[]> {
    const batch = this.stored.slice(this.written);
    if (batch.length > 0) {
      const first = batch[0].revision;
      await store.append(
        runStreamId(this.runId),
        batch.map(({ type, data, metadata }, i) => ({
          type,
          data,
          metadata: { ...metadata, ...(traceparent && this.written === 0 && i === 0 ? { traceparent } : {}) },
        })),
        { expectedRevision: first === 0 ? 'no_stream' : first - 1 },
      );
      this.written = this.stored.length;
    }
    return store.readStream(runStreamId(this.runId));
  }

  private tick(afterMs?: number): void {
    if (!this.held) this.now += afterMs ?? this.options.tickMs ?? 0;
    this.held = false;
  }

  private push(event: RunEvent, actor: Actor = this.options.actor ?? { kind: 'service', id: 'executor' }): void {
    const revision = (this.options.fromRevision ?? 0) + this.stored.length;
    const at = this.time;
    const metadata = {
      eventId: `${this.runId}-${revision}`,
      runId: this.runId,
      causationId: 'test',
      actor,
      occurredAt: at,
      schemaVersion: 1,
    };
    const streamId = runStreamId(this.runId);
    this.stored.push({ ...event, metadata, streamId, revision, position: this.positions.next(), recordedAt: at });
  }
}

function toMs(time: string | number): number {
  return typeof time === 'number' ? time : Date.parse(time);
}
