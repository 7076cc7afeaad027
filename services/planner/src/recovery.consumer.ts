import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, headers, runIdOfStream, subjects } from '@ledgerflow/contracts';
import { decide, DomainError, LedgerflowError } from '@ledgerflow/domain';
import type { PlanStep, RecoverStep, RunState } from '@ledgerflow/domain';
import { recoveryFor, UnknownWorkflowError } from '@ledgerflow/definitions';
import type { WorkflowDefinition, WorkflowResolver } from '@ledgerflow/definitions';
import type { EventStore } from '@ledgerflow/event-store';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { DurableConsumerHost, EVENT_STORE, LOGGER, NATS_CONNECTION, RUN_REPOSITORY } from '@ledgerflow/service-runtime';
import type { ConsumerSettings, RunRepository } from '@ledgerflow/service-runtime';
import { contextFromTraceparent, SpanAttr, SpanKind, withSpan } from '@ledgerflow/telemetry';
import type { Logger } from '@ledgerflow/telemetry';
import { LearnedRecoveryRules, learnedPlanSteps, undeclaredInRule } from './learned-rules.js';
import { WorkflowCatalog } from './workflow-catalog.js';

/** Relayed `StepFailed` events: the only ones after which a step can need a recovery. */
export const STEP_FAILED_SUBJECT = subjects.event('run', '*', 'StepFailed');

/** What `StepRecoveries.recover` did: `recovered` appended a recovery; the others appended nothing. */
export type RecoveryOutcome = 'recovered' | 'no_rule' | 'not_failed' | 'already_applied' | 'refused';

/** A rule that applies to a failure: its name (`PlanRevised.rule`), its plan steps, and for a learned rule its recommendation. */
interface AppliedRule {
  readonly rule: string;
  readonly steps: readonly PlanStep[];
  readonly recommendationId?: string;
}

/**
 * Automatic recoveries (docs/definitions.md, "Recoveries"): when a step has failed for good (its retries are spent, so
 * the step rests in `failed`) with an error code that a recovery rule of the run's definition maps to recovery steps
 * (`recoveries` in the YAML, `recoveryFor`), appends `RecoverStep`'s events: `PlanRevised` by `planner` with the rule,
 * then a new attempt of the step that waits for the recovery steps. Idempotent: once per failed attempt (a
 * redelivery finds the step no longer failed), and a rule's steps are added once per run (when they are in the plan
 * already, a second failure is left to an operator, so a recovery that does not help cannot loop).
 *
 * Learned recoveries (docs/memory.md, "Learned recoveries"): when the definition has no rule for the failure, a rule
 * learned from operator fixes and accepted by a person (`LearnedRecoveryRules`, from `memory-<workflowId>`) applies
 * the same way, only in runs of the memory scope it was learned in (`plan.memoryScope`), and only when the run's
 * definition declares its steps' tools, actions and agents (else it is skipped with a warning). `PlanRevised` then
 * names the rule (`learned-<hex>`) and its `recommendationId`.
 */
export class StepRecoveries {
  constructor(
    private readonly runs: RunRepository,
    private readonly definitions: WorkflowResolver,
    private readonly logger?: Logger,
    private readonly learned?: LearnedRecoveryRules,
  ) {}

  async recover(runId: string, stepId: string, attempt: number, code: string): Promise<RecoveryOutcome> {
    const { state } = await this.runs.load(runId);
    if (state.workflowId === undefined) return 'not_failed';
    const definition = await this.definitionOf(state.workflowId, state.workflowVersion);
    if (definition === undefined) return 'no_rule';
    const declared: AppliedRule | undefined = recoveryFor(definition, stepId, code);
    if (declared === undefined && this.learned === undefined) return 'no_rule';
    const stepState = state.steps[stepId];
    if (
      stepState?.status !== 'failed' ||
      stepState.attempt !== attempt ||
      (state.status !== 'running' && state.status !== 'paused')
    )
      return 'not_failed';
    // The memory stream is read only for a failure for good that the definition has no rule for.
    const match = declared ?? (await this.learnedRule(definition, state, stepId, code));
    if (match === undefined) return 'no_rule';
    const present = match.steps.filter(
      (step) => state.steps[step.id] !== undefined || state.retiredStepIds.includes(step.id),
    );
    if (present.length > 0) {
      this.logger?.warn('recovery already applied; the step waits for an operator', {
        runId,
        stepId,
        attempt,
        code,
        rule: match.rule,
      });
      return 'already_applied';
    }
    const data: RecoverStep['data'] & { recommendationId?: string } = {
      stepId,
      attempt,
      rule: match.rule,
      recoverySteps: match.steps,
      ...(match.recommendationId === undefined ? {} : { recommendationId: match.recommendationId }),
    };
    try {
      await this.runs.execute(runId, (current, now) => decide({ type: 'RecoverStep', data }, current, { now }), {
        causationId: `recovery:${runId}/${stepId}/${attempt}`,
      });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'run_step_not_failed') return 'not_failed';
      if (!(error instanceof LedgerflowError) || error.retryable) throw error;
      this.logger?.warn('recovery refused by the run; the step waits for an operator', {
        runId,
        stepId,
        attempt,
        rule: match.rule,
        code: error.code,
        reason: error.message,
      });
      return 'refused';
    }
    this.logger?.info('step recovered', {
      runId,
      stepId,
      attempt,
      code,
      rule: match.rule,
      ...(match.recommendationId === undefined ? {} : { recommendationId: match.recommendationId }),
      steps: match.steps.map((step) => step.id),
    });
    return 'recovered';
  }

  /** The learned rule for the failure in the run's memory scope, as plan steps; undefined when none applies. */
  private async learnedRule(
    definition: WorkflowDefinition,
    state: RunState,
    stepId: string,
    code: string,
  ): Promise<AppliedRule | undefined> {
    if (this.learned === undefined || state.workflowId === undefined) return undefined;
    const rule = await this.learned.ruleFor(state.workflowId, state.plan?.memoryScope, stepId, code);
    if (rule === undefined) return undefined;
    const problems = undeclaredInRule(definition, rule);
    if (problems.length > 0) {
      this.logger?.warn("learned recovery rule skipped: the run's definition does not declare its steps", {
        runId: state.runId,
        stepId,
        code,
        rule: rule.id,
        recommendationId: rule.recommendationId,
        problems,
      });
      return undefined;
    }
    return { rule: rule.id, steps: learnedPlanSteps(definition, rule), recommendationId: rule.recommendationId };
  }

  /** The run's own version of its definition (`RunTriggered.workflowVersion`), or undefined when it is not registered. */
  private async definitionOf(workflowId: string, version: string | undefined): Promise<WorkflowDefinition | undefined> {
    try {
      return await this.definitions.resolve(workflowId, version);
    } catch (error) {
      if (error instanceof UnknownWorkflowError) return undefined;
      throw error;
    }
  }
}

interface StoredStepFailed {
  readonly type: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly streamId?: string;
  readonly data?: { readonly stepId?: string; readonly attempt?: number; readonly error?: { readonly code?: string } };
}

/**
 * Durable consumer `planner-recovery` on `lf.evt.run.*.StepFailed` (bodies read: the error code decides). A
 * malformed event is acknowledged and logged; a store failure is nak'ed and retried (see `DurableConsumerHost`).
 * The event is read in its current shape (`RunRepository.upcast`); one of a newer schema version than this release
 * knows fails with `event_version_unsupported` and is retried, then dead-lettered (never guessed at).
 */
@Injectable()
export class RecoveryConsumer extends DurableConsumerHost {
  private readonly recoveries: StepRecoveries;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
    @Inject(WorkflowCatalog) definitions: WorkflowCatalog,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    super(nc);
    this.recoveries = new StepRecoveries(runs, definitions, logger, new LearnedRecoveryRules(store));
  }

  protected settings(): ConsumerSettings {
    return { stream: EVENTS_STREAM, durable: 'planner-recovery', filterSubjects: [STEP_FAILED_SUBJECT] };
  }

  protected async handle(message: ConsumedMessage): Promise<void> {
    let event: StoredStepFailed;
    try {
      event = message.json<StoredStepFailed>();
    } catch {
      this.logger.warn('StepFailed event is not JSON; ignored', { subject: message.subject });
      return;
    }
    if (typeof event?.type !== 'string') return;
    event = this.runs.upcast(event);
    const runId =
      message.headers?.get(headers.runId) || (event.streamId === undefined ? undefined : runIdOfStream(event.streamId));
    const { stepId, attempt, error } = event.data ?? {};
    if (!runId || stepId === undefined || attempt === undefined || error?.code === undefined) return;
    const traceparent = message.headers?.get(headers.traceparent);
    const parent = traceparent ? contextFromTraceparent(traceparent) : undefined;
    await withSpan(
      'planner.recovery',
      { parent, kind: SpanKind.CONSUMER, attributes: { [SpanAttr.runId]: runId, [SpanAttr.stepId]: stepId } },
      () => this.recoveries.recover(runId, stepId, attempt, error.code as string),
    );
  }
}
