import type { NatsConnection } from '@nats-io/nats-core';
import {
  DomainError,
  addMilliseconds,
  decide,
  decideInSequence,
  gatesToOpen,
  isExternalStep,
  isoToEpochMs,
  nextActions,
  startWhenReady,
  stepIdempotencyKey,
  wakeAt,
} from '@ledgerflow/domain';
import type { NextAction, PlanStep, RunEvent, RunState } from '@ledgerflow/domain';
import { inputDigestOf } from '@ledgerflow/audit';
import { subjects } from '@ledgerflow/contracts';
import { requestJson } from '@ledgerflow/messaging';
import { RunRepository } from '@ledgerflow/service-runtime';
import type { LoadedRun, Privacy } from '@ledgerflow/service-runtime';
import { SpanAttr, contextFromTraceparent, ledgerflowMetrics, withSpan } from '@ledgerflow/telemetry';
import type { Logger } from '@ledgerflow/telemetry';
import { PolicyClient } from './policy-client.js';
import { encodeSecretsHeader } from './secrets.js';
import type { SecretProvider } from './secrets.js';
import type { RunSlots } from './run-slots.js';
import { resolveInputOrFailStep } from './step-input.js';
import { callTool, checkedOutcome, outcomeCommand } from './tool-dispatcher.js';
import { WakeTimers } from './wake-timers.js';
import type { ToolOutcome } from './tool-dispatcher.js';
import type { ExecutorPresence } from './executor-presence.js';

export interface ReconcilerOptions {
  readonly nc: NatsConnection;
  readonly runs: RunRepository;
  readonly logger: Logger;
  /** How long to wait for `policy.evaluate`, in milliseconds (default 5000). */
  readonly policyTimeoutMs?: number;
  /** Delay before trying again after the policy service or the store failed, in milliseconds (default 1000). */
  readonly retryDelayMs?: number;
  readonly clock?: () => Date;
  /** Tokenizes what is persisted and detokenizes tool call inputs; without it values are stored as they are. */
  readonly privacy?: Privacy;
  /** Resolves a workflow's `requiredSecrets` at dispatch; without it a run that declares any is paused `secrets_missing`. */
  readonly secrets?: SecretProvider;
  /** Grants and releases the slots of workflows with `maxConcurrentRuns` (run-slots.ts); without it queued runs stay queued. */
  readonly slots?: RunSlots;
  /**
   * This instance (recorded on the attempts it starts) and which others are alive (executor-presence.ts); without
   * it the process is the only executor: every running attempt not in flight here is taken over.
   */
  readonly presence?: Pick<ExecutorPresence, 'self' | 'isAlive' | 'stop'>;
}

interface Lane {
  dirty: boolean;
  done?: Promise<void>;
}

/**
 * Drives runs forward: for a run, folds its events, asks the domain for the next actions
 * (`nextActions`: policy evaluations and step starts under the concurrency limit), performs them,
 * and dispatches tool calls. Work on one run is serialized in this process (a lane per run); across
 * processes, expected revisions settle who starts a step. Everything is derived from events, so a
 * restarted executor picks up where the killed one stopped: a step left running is re-dispatched with
 * its original idempotency key, and retry timers are recomputed from `StepRetryScheduled`. With replicas, a running
 * attempt belongs to the instance that started it (`StepStarted.executor`); another takes it over only once that
 * instance is gone (`ExecutorPresence`), by appending `StepReclaimed` with an expected revision, so of two replicas
 * reclaiming at once one dispatches. Any replica may decide a run's other transitions: each is one append with an
 * expected revision, and a replica whose fold is stale is refused and decides again on the stored events. Also from events: a step's
 * `when` condition (skip or run), the run's deadline (`RunTriggered` + `plan.timeoutMs`: `TimeOutRun`, also for a
 * paused run), and `external` steps, which are started but never dispatched (a person reports their result). A run of a
 * workflow with `maxConcurrentRuns` waits `queued` until `RunSlots` grants it a slot, and frees it when it ends.
 */
export class RunReconciler {
  private readonly lanes = new Map<string, Lane>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timers: WakeTimers;
  private readonly clock: () => Date;
  private readonly policy: PolicyClient;
  private stopped = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.policy = new PolicyClient(options.nc, options.policyTimeoutMs ?? 5000);
    this.timers = new WakeTimers((runId) => void this.poke(runId), this.clock);
  }

  /** Asks for the run to be reconciled; resolves when a reconcile that started after this call has finished. */
  poke(runId: string): Promise<void> {
    const lane = this.lanes.get(runId);
    if (lane) {
      lane.dirty = true;
      return lane.done ?? Promise.resolve();
    }
    const fresh: Lane = { dirty: true };
    this.lanes.set(runId, fresh);
    fresh.done = this.drain(runId, fresh);
    return fresh.done;
  }

  /** True when this process has already folded the run up to `revision` (the event needs no reaction). */
  isKnown(runId: string, revision: number): boolean {
    return this.options.runs.cachedRevision(runId) >= revision;
  }

  /**
   * Another process appended to the run (a relayed event this process has not folded): the next pass reads the
   * store, then reconciles. Resolves when a reconcile that started after this call has finished.
   */
  appendedElsewhere(runId: string): Promise<void> {
    this.options.runs.invalidate(runId);
    return this.poke(runId);
  }

  /** Stops reacting; waits (at most `graceMs`) for dispatched tool calls to be recorded, then leaves the presence. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.timers.stop();
    const pending = [...this.inFlight.values(), ...[...this.lanes.values()].map((lane) => lane.done)];
    await Promise.race([Promise.allSettled(pending), new Promise((resolve) => setTimeout(resolve, graceMs))]);
    // Only now may the other replicas take over what is still running here (tell them at once rather than after the TTL).
    await this.options.presence?.stop();
  }

  private async drain(runId: string, lane: Lane): Promise<void> {
    try {
      while (lane.dirty && !this.stopped) {
        lane.dirty = false;
        const progressed = await this.reconcileOnce(runId);
        if (progressed) lane.dirty = true;
      }
    } catch (error) {
      this.options.logger.error('reconcile failed', { runId, error: (error as Error).message });
      this.timers.after(runId, this.options.retryDelayMs ?? 1000);
    } finally {
      this.lanes.delete(runId);
    }
  }

  /** One pass; returns true when it changed the run (so another pass may find more to do). */
  private async reconcileOnce(runId: string): Promise<boolean> {
    const loaded = await this.options.runs.load(runId);
    const { state } = loaded;
    if (state.status !== 'running' && state.status !== 'paused' && state.status !== 'queued') {
      await this.options.slots?.release(runId, state); // an ended run of a limited workflow frees its slot
      return false;
    }
    if (!loaded.integrity && gatesToOpen(state).length > 0) await this.askForGates(runId);
    const deadline = runDeadlineOf(loaded);
    if (state.status === 'paused' && deadline === undefined) return false;
    if (loaded.integrity) {
      // Nothing is dispatched, decided or retried on a history that does not verify; an operator must look
      // (docs/operations.md, "Integrity checked by the services"). A new event of the run pokes it again.
      this.options.logger.error('run refused: its audit chain does not verify', {
        runId,
        revision: loaded.integrity.revision,
        reason: loaded.integrity.reason,
      });
      return false;
    }
    if (deadline !== undefined && Date.parse(deadline) <= this.clock().getTime()) return this.timeOut(runId);
    if (state.status === 'queued' && (await this.options.slots?.admit(runId, state))) return true; // dequeued: run its steps
    if (state.status !== 'running') {
      this.timers.at(runId, deadline); // a paused or queued run still times out
      return false;
    }
    if (await this.pausedForSecrets(runId, loaded)) return true;
    await this.takeOverOrphans(runId, loaded);
    const actions = nextActions(state, this.clock().toISOString());
    let progressed = false;
    for (const action of actions) {
      if (this.stopped) return false;
      progressed = (await this.perform(runId, loaded, action)) || progressed;
    }
    if (!progressed) this.timers.at(runId, earliestOf(wakeAt(state), deadline));
    return progressed;
  }

  /**
   * The run waits for a gate nobody has opened yet (a decision requiring approval, a declared gate, a result held for
   * review): asks approval to open it (`lf.approval.open-gates`; approval reads which gates from the run's events).
   * Approval does not watch every policy decision and step result for the few that need a gate; the executor, which
   * recorded them, tells it. When approval does not answer (down, or busy past the timeout), the run is looked at
   * again after `retryDelayMs`, and asked again until the gate is open (idempotent: a gate opens once).
   */
  private async askForGates(runId: string): Promise<void> {
    try {
      await requestJson<{ opened: string[] }>(
        this.options.nc,
        subjects.approvalOpenGates,
        { runId },
        { timeoutMs: this.options.policyTimeoutMs ?? 5000 },
      );
      // Approval appended GateOpened (or found it there): the executor does not consume that type, so it reads the run next time.
      this.options.runs.invalidate(runId);
    } catch (error) {
      this.options.logger.warn('approval did not open the gates the run waits for (asking again)', {
        runId,
        error: (error as Error).message,
      });
      this.timers.after(runId, this.options.retryDelayMs ?? 1000);
    }
  }

  /**
   * A run whose workflow declares `requiredSecrets` that cannot all be resolved is paused before anything more is
   * dispatched: `RunPaused{code: 'secrets_missing', secrets: [names]}` (names only, never values). An operator provides
   * them (secrets directory or environment) and resumes the run. @returns true when it paused the run.
   */
  private async pausedForSecrets(runId: string, loaded: LoadedRun): Promise<boolean> {
    const names = loaded.state.plan?.requiredSecrets ?? [];
    if (names.length === 0) return false;
    const missing = this.options.secrets ? (await this.options.secrets.resolve(names)).missing : names;
    if (missing.length === 0) return false;
    this.options.logger.warn('run paused: required secrets missing', { runId, secrets: missing.join(',') });
    await this.options.runs.execute(
      runId,
      (current, now) =>
        current.status === 'running'
          ? decide(
              {
                type: 'PauseRun',
                data: {
                  reason: `secrets_missing: ${missing.join(', ')}`,
                  code: 'secrets_missing',
                  secrets: [...missing],
                },
              },
              current,
              { now },
            )
          : [],
      { causationId: `secrets-missing:${runId}` },
    );
    return true;
  }

  /** The `lf-secrets` header of a tool call of this run (undefined: the workflow declares none). @throws Error when one is missing now. */
  private async secretsHeader(loaded: LoadedRun): Promise<string | undefined> {
    const names = loaded.state.plan?.requiredSecrets ?? [];
    if (names.length === 0) return undefined;
    const resolved = this.options.secrets ? await this.options.secrets.resolve(names) : { values: {}, missing: names };
    if (resolved.missing.length > 0)
      throw new Error(`required secrets missing at dispatch: ${resolved.missing.join(', ')}`);
    return encodeSecretsHeader(resolved.values);
  }

  /**
   * Fails the run `run_timed_out` (`TimeOutRun`). A refusal means the run moved on (ended) or, with clocks a few ms
   * apart, is not quite due yet: then the next pass re-arms the timer from the deadline.
   */
  private async timeOut(runId: string): Promise<boolean> {
    try {
      await this.options.runs.execute(
        runId,
        (current, now, run) =>
          decide({ type: 'TimeOutRun', data: { runDurationMs: RunRepository.runDurationMs(run, now) } }, current, {
            now,
          }),
        { causationId: `run-timeout:${runId}` },
      );
      this.options.logger.warn('run timed out', { runId });
      return true;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.options.logger.debug('run timeout superseded', { runId, code: error.code });
      if (error.code === 'run_not_timed_out') this.timers.after(runId, 10);
      return false;
    }
  }

  private async perform(runId: string, loaded: LoadedRun, action: NextAction): Promise<boolean> {
    const step = stepOf(loaded.state, action.stepId);
    try {
      if (action.type === 'evaluate_policy') return await this.evaluateAndStart(runId, loaded, step, action.attempt);
      return await this.start(runId, loaded.state, step, action.attempt);
    } catch (error) {
      if (error instanceof DomainError) {
        // Another executor or a concurrent event changed the step first: the next pass re-decides.
        this.options.logger.debug('action superseded', { runId, stepId: step.id, code: error.code });
        return true;
      }
      throw error;
    }
  }

  /**
   * Asks the policy service, records `StepPolicyEvaluated`, and when the decision lets the step run at
   * once, appends `StepStarted` in the same commit and dispatches the tool call.
   */
  private async evaluateAndStart(runId: string, loaded: LoadedRun, step: PlanStep, attempt: number): Promise<boolean> {
    const { state } = loaded;
    const resolved = await this.inputOf(runId, state, step, attempt);
    if (resolved === undefined) return true;
    const { input } = resolved;
    const key = stepIdempotencyKey(runId, step.id, attempt);
    // The grant binds the digest of the input as the tool receives it (PII revealed); reveal once for both.
    const sent = await this.revealed(runId, input);
    const evaluation = await this.policy.evaluate(
      { state, step, attempt, input, inputDigest: inputDigestOf(sent), idempotencyKey: key },
      rootContext(loaded),
    );
    const { decision } = evaluation;
    if (evaluation.withheld && decision.outcome !== 'deny') {
      this.options.logger.debug('grant withheld', { runId, stepId: step.id, attempt, code: evaluation.withheld.code });
    }
    const result = await this.options.runs.execute(
      runId,
      (current, now) =>
        decideInSequence(current, { now }, [
          () => ({ type: 'RecordStepPolicyDecision', data: { stepId: step.id, attempt, decision } }),
          startWhenReady({ stepId: step.id, attempt, idempotencyKey: key, input, ...this.executor() }),
        ]),
      { causationId: decision.auditId },
    );
    if (result.appended.some(isStepStarted)) this.dispatch(runId, loaded, step, attempt, key, input, sent);
    return true;
  }

  private async start(runId: string, state: RunState, step: PlanStep, attempt: number): Promise<boolean> {
    const resolved = await this.inputOf(runId, state, step, attempt);
    if (resolved === undefined) return true;
    const { input } = resolved;
    const key = stepIdempotencyKey(runId, step.id, attempt);
    const result = await this.options.runs.execute(
      runId,
      (current, now) =>
        decide(
          { type: 'StartStep', data: { stepId: step.id, attempt, idempotencyKey: key, input, ...this.executor() } },
          current,
          { now },
        ),
      { causationId: key },
    );
    // An external step calls no tool: it waits for a person to complete or fail it through the API.
    if (result.appended.some(isStepStarted) && !isExternalStep(step))
      this.dispatch(runId, await this.options.runs.load(runId), step, attempt, key, input);
    return true;
  }

  private inputOf(
    runId: string,
    state: RunState,
    step: PlanStep,
    attempt: number,
  ): Promise<{ input: unknown } | undefined> {
    return resolveInputOrFailStep(this.options, runId, state, step, attempt);
  }

  /** `{executor}` for the attempts this instance starts (nothing without presence: a single executor records none). */
  private executor(): { executor?: string } {
    return this.options.presence ? { executor: this.options.presence.self } : {};
  }

  /**
   * Running attempts not in flight in this process are dispatched again with their original idempotency key when
   * they are this instance's (a restart under the same id, or a dispatch whose outcome could not be recorded) or
   * their instance is gone; the latter first appends `StepReclaimed`, and only the replica whose append wins
   * dispatches. An attempt of a live replica is left to it. The tool worker's dedupe absorbs a call that had
   * already reached it.
   */
  private async takeOverOrphans(runId: string, loaded: LoadedRun): Promise<void> {
    const presence = this.options.presence;
    for (const step of loaded.state.plan?.steps ?? []) {
      const stepState = loaded.state.steps[step.id];
      if (
        stepState?.status !== 'running' ||
        !stepState.idempotencyKey ||
        isExternalStep(step) ||
        this.inFlight.has(stepState.idempotencyKey)
      )
        continue;
      const owner = stepState.executor;
      const mine = presence === undefined || owner === presence.self;
      if (!mine && owner !== undefined && presence.isAlive(owner)) continue;
      if (!mine && !(await this.reclaimed(runId, step.id, stepState.attempt, owner))) continue;
      this.options.logger.info('re-dispatching a step left running', {
        runId,
        stepId: step.id,
        attempt: stepState.attempt,
        ...(owner === undefined ? {} : { previousExecutor: owner }),
      });
      this.dispatch(
        runId,
        await this.options.runs.load(runId),
        step,
        stepState.attempt,
        stepState.idempotencyKey,
        stepState.input,
      );
    }
  }

  /** Appends `StepReclaimed` for this instance; false when another replica or the attempt's end came first. */
  private async reclaimed(runId: string, stepId: string, attempt: number, owner: string | undefined): Promise<boolean> {
    const self = this.options.presence?.self ?? '';
    try {
      const result = await this.options.runs.execute(
        runId,
        (current, now) => {
          const holder = current.steps[stepId]?.executor;
          // Re-read: another replica may have reclaimed it since this pass's fold (then it is theirs while they live).
          if (holder !== owner && holder !== undefined && holder !== self && this.options.presence?.isAlive(holder))
            return [];
          return decide({ type: 'ReclaimStep', data: { stepId, attempt, executor: self } }, current, { now });
        },
        { causationId: `reclaim:${stepIdempotencyKey(runId, stepId, attempt)}:${self}` },
      );
      return result.appended.length > 0;
    } catch (error) {
      if (error instanceof DomainError) return false; // the attempt ended (recorded, or the run ended) meanwhile
      throw error;
    }
  }

  /** Calls the tool once per idempotency key in this process; `sent` is the revealed input when already computed. */
  private dispatch(
    runId: string,
    loaded: LoadedRun,
    step: PlanStep,
    attempt: number,
    key: string,
    input: unknown,
    sent?: unknown,
  ): void {
    if (this.inFlight.has(key)) return;
    let failed = false;
    const work = withSpan(
      'executor.run-step',
      {
        parent: rootContext(loaded),
        attributes: {
          [SpanAttr.runId]: runId,
          [SpanAttr.stepId]: step.id,
          [SpanAttr.attempt]: attempt,
          [SpanAttr.tool]: step.tool,
          [SpanAttr.action]: step.action,
        },
      },
      async () => {
        const revealed = sent === undefined ? await this.revealed(runId, input) : sent;
        const toEvaluate = {
          state: loaded.state,
          step,
          attempt,
          input,
          inputDigest: inputDigestOf(revealed),
          idempotencyKey: key,
        };
        const { grant, withheld } = await this.policy.grantFor(toEvaluate, rootContext(loaded));
        const secrets = await this.secretsHeader(loaded);
        if (withheld)
          this.options.logger.warn('dispatching without a grant: the worker will refuse it', {
            runId,
            stepId: step.id,
            attempt,
            code: withheld.code,
          });
        const outcome = await callTool(this.options.nc, {
          tool: step.tool,
          action: step.action,
          timeoutMs: step.timeoutMs,
          request: { runId, stepId: step.id, attempt, idempotencyKey: key, input: revealed },
          ...(grant ? { grant } : {}),
          ...(secrets ? { secrets } : {}),
        });
        await this.record(runId, step, attempt, await this.concealed(runId, checkedOutcome(step, outcome)));
      },
    )
      .catch((error: Error) => {
        this.options.logger.error('recording a step outcome failed', { runId, stepId: step.id, error: error.message });
        failed = true;
        this.timers.after(runId, this.options.retryDelayMs ?? 1000);
      })
      .finally(() => {
        this.inFlight.delete(key);
        // After a failure the retry timer re-dispatches: poking now would re-dispatch at once, in a tight loop for as
        // long as what failed (e.g. the policy service, for the grant) stays away.
        if (!this.stopped && !failed) void this.poke(runId);
      });
    this.inFlight.set(key, work);
  }

  /** The step input with this run's PII tokens replaced by plaintext, for the tool call only (never persisted). */
  private async revealed(runId: string, input: unknown): Promise<unknown> {
    if (!this.options.privacy) return input;
    const { value, unknownTokens } = await this.options.privacy.detokenize(input, runId);
    if (unknownTokens.length > 0)
      this.options.logger.warn('tokens without vault entry sent as they are', { runId, tokens: unknownTokens.length });
    return value;
  }

  /** The outcome as it may be persisted: PII in the output (paths are relative to it) or the error message tokenized. */
  private async concealed(runId: string, outcome: ToolOutcome): Promise<ToolOutcome> {
    const privacy = this.options.privacy;
    if (!privacy) return outcome;
    if (outcome.ok)
      return {
        ...outcome,
        result: { ...outcome.result, output: await privacy.tokenize(outcome.result.output, runId) },
      };
    return { ...outcome, error: { ...outcome.error, message: await privacy.tokenize(outcome.error.message, runId) } };
  }

  /**
   * Records a tool call's outcome (`StepSucceeded`/`StepFailed`) and, once stored, its duration in
   * `ledgerflow.step.duration` (the event's `durationMs` in seconds, by tool, action and outcome).
   */
  private async record(runId: string, step: PlanStep, attempt: number, outcome: ToolOutcome): Promise<void> {
    const stepId = step.id;
    try {
      const { appended } = await this.options.runs.execute(
        runId,
        (state, now, run) =>
          decide(outcomeCommand(stepId, attempt, outcome, RunRepository.runDurationMs(run, now)), state, { now }),
        { causationId: stepIdempotencyKey(runId, stepId, attempt) },
      );
      for (const event of appended)
        if ((event.type === 'StepSucceeded' || event.type === 'StepFailed') && event.data.stepId === stepId)
          ledgerflowMetrics().stepDuration.record(event.data.durationMs / 1000, {
            tool: step.tool,
            action: step.action,
            outcome: event.type === 'StepSucceeded' ? 'succeeded' : 'failed',
          });
    } catch (error) {
      // Already recorded (a duplicate dispatch after a restart), or the run ended meanwhile (cancelled): nothing to do.
      if (error instanceof DomainError && (error.code === 'run_step_not_running' || error.code === 'run_not_running'))
        return;
      throw error;
    }
  }
}

function stepOf(state: RunState, stepId: string): PlanStep {
  const step = state.plan?.steps.find((candidate) => candidate.id === stepId);
  if (!step) throw new DomainError('step_not_found', `step ${stepId} is not in the plan`);
  return step;
}

/** When the run times out (ISO-8601): `RunTriggered`'s time + `plan.timeoutMs`; undefined without a timeout. */
function runDeadlineOf(loaded: LoadedRun): string | undefined {
  const limit = loaded.state.plan?.timeoutMs;
  const triggeredAt = loaded.root?.occurredAt;
  return limit === undefined || triggeredAt === undefined ? undefined : addMilliseconds(triggeredAt, limit);
}

function earliestOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return isoToEpochMs(a) <= isoToEpochMs(b) ? a : b;
}

function isStepStarted(event: RunEvent): boolean {
  return event.type === 'StepStarted';
}

function rootContext(loaded: LoadedRun) {
  const traceparent = loaded.root?.traceparent;
  return traceparent ? contextFromTraceparent(traceparent, loaded.root?.tracestate) : undefined;
}
