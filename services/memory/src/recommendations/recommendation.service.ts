import type { NatsConnection } from '@nats-io/nats-core';
import { SCOPES, recordedActor } from '@ledgerflow/contracts';
import type {
  Actor,
  DecideRecommendationRequest,
  LearnedRecoveryRule,
  RecommendationImpactMeasured,
  RecommendationProposed,
  RecommendationView,
} from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import type { EventStore } from '@ledgerflow/event-store';
import { forwardedCallerActor } from '@ledgerflow/service-runtime';
import type { CallerVerifier } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';
import type { MemoryFacts } from '../memory-facts.js';
import { WorkflowDefinitions } from './definition-apply.js';
import { DEFAULT_IMPACT_RUNS, byEnd, impactFigures } from './impact.js';
import { propose } from './propose.js';
import { parseRecommendationId } from './recommendation-ids.js';
import { RecommendationStream } from './recommendation-stream.js';
import type { RecommendationEvent, RecommendationsState } from './recommendation-stream.js';

/** Least time between two reviews (`review`) of one workflow, in ms. */
export const REVIEW_INTERVAL_MS = 5_000;

export interface RecommendationServiceOptions {
  readonly clock?: () => Date;
  /** Runs measured on each side of an applied change (`LEDGERFLOW_MEMORY_IMPACT_RUNS`); default {@link DEFAULT_IMPACT_RUNS}. */
  readonly impactRuns?: number;
  /** Least time between two reviews of one workflow, in ms; default {@link REVIEW_INTERVAL_MS}. */
  readonly reviewIntervalMs?: number;
  /** How long to wait for the planner to register a changed definition, in ms; default `REGISTER_TIMEOUT_MS` (10 s). */
  readonly registerTimeoutMs?: number;
  readonly logger?: Logger;
}

const MEMORY: Actor = { kind: 'service', id: 'memory' };

const refuse = (code: string, message: string, details: Record<string, unknown>): never => {
  throw new LedgerflowError(code, message, false, details);
};

/**
 * Recommendations of one workflow from proposal to measured impact (docs/memory.md, "Recommendations"): proposes
 * what the history supports (`propose`), records a person's decision, applies an accepted one (a learned recovery
 * rule at once, or a new definition version through the planner), and measures its effect over the runs after it.
 * Every step is an event of `memory-<workflowId>` (`RecommendationStream`), so any replica may answer.
 */
export class RecommendationService {
  private readonly stream: RecommendationStream;
  private readonly definitions: WorkflowDefinitions;
  private readonly clock: () => Date;
  private readonly impactRuns: number;
  private readonly reviewIntervalMs: number;
  private readonly reviewedAt = new Map<string, number>();
  /** Reviews deferred to the end of a workflow's interval (trailing edge), so the last batch is always reviewed. */
  private readonly deferred = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    store: EventStore,
    private readonly facts: MemoryFacts,
    private readonly verifier: CallerVerifier,
    nc: NatsConnection | undefined,
    private readonly options: RecommendationServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.stream = new RecommendationStream(store, MEMORY, this.clock);
    this.definitions = new WorkflowDefinitions(store, nc, options.registerTimeoutMs);
    this.impactRuns = options.impactRuns ?? DEFAULT_IMPACT_RUNS;
    this.reviewIntervalMs = options.reviewIntervalMs ?? REVIEW_INTERVAL_MS;
  }

  /**
   * After a batch of run events: for each workflow touched, {@link proposeFor} then {@link measureImpact}, at most
   * once per review interval; a workflow touched again within its interval is reviewed once at the interval's end
   * (so the last batch is never left unreviewed). A failure is logged and left for the next review (the batch is not
   * failed for it). Cheap to call after every batch.
   */
  async review(workflowIds: Iterable<string>): Promise<void> {
    for (const workflowId of new Set(workflowIds)) {
      const wait = (this.reviewedAt.get(workflowId) ?? -Infinity) + this.reviewIntervalMs - this.clock().getTime();
      if (wait > 0) {
        if (!this.deferred.has(workflowId)) {
          const timer = setTimeout(() => {
            this.deferred.delete(workflowId);
            void this.review([workflowId]);
          }, wait);
          timer.unref();
          this.deferred.set(workflowId, timer);
        }
        continue;
      }
      this.reviewedAt.set(workflowId, this.clock().getTime());
      try {
        await this.proposeFor(workflowId);
        await this.measureImpact(workflowId);
      } catch (error) {
        this.options.logger?.warn('recommendations not reviewed; retried at the next batch', {
          workflowId,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  /** Cancels the deferred reviews (call when the service stops, before the store closes). */
  close(): void {
    for (const timer of this.deferred.values()) clearTimeout(timer);
    this.deferred.clear();
  }

  /** Appends `RecommendationProposed` for each proposal of the history not in the stream yet; returns those appended. */
  async proposeFor(workflowId: string): Promise<RecommendationProposed[]> {
    const definition = await this.definitions.outline(workflowId);
    const proposals = propose(this.facts, workflowId, {
      now: this.clock().toISOString(),
      ...(definition === undefined ? {} : { definition }),
    });
    if (proposals.length === 0) return [];
    let appended: RecommendationProposed[] = [];
    await this.stream.update(
      workflowId,
      (state) => {
        appended = proposals.filter((proposal) => !state.recommendations.has(proposal.recommendationId));
        return appended.map((data): RecommendationEvent => ({ type: 'RecommendationProposed', data }));
      },
      { causationId: `memory:propose:${workflowId}` },
    );
    return appended;
  }

  /** The recommendations of `workflowId` in the order proposed, each with its decision, application and impact. */
  async list(workflowId: string): Promise<RecommendationView[]> {
    return [...(await this.stream.read(workflowId)).recommendations.values()];
  }

  /**
   * Records a person's decision (`RecommendationAccepted` / `RecommendationRejected`, `metadata.actor` the caller
   * via `memory`) and applies an accepted recommendation: `add_recovery_rule` as `RecommendationApplied{rule}` at
   * once; the other kinds as a new definition version registered through the planner with the caller's token,
   * then `RecommendationApplied{workflowVersion}`. Accepting again one accepted but not applied retries the apply.
   * @returns the recommendation after the decision.
   * @throws ValidationError `recommendation_id_invalid`; LedgerflowError `unauthorized` / `forbidden` (needs
   *   `workflows:write`; no caller at all is `unauthorized`), `recommendation_not_found`,
   *   `recommendation_already_decided` (details `{ status }`), and from the apply `recommendation_apply_failed`,
   *   `recommendation_step_unknown`, `recommendation_not_applicable` (the recommendation stays accepted).
   */
  async decide(request: DecideRecommendationRequest): Promise<RecommendationView> {
    const { recommendationId, decision, comment } = request;
    const { workflowId } = parseRecommendationId(recommendationId);
    const by =
      (await forwardedCallerActor(this.verifier, request, [SCOPES.workflowsWrite])) ??
      refuse('unauthorized', 'deciding a recommendation needs a caller', { recommendationId });
    const actor = recordedActor(by, MEMORY);
    const state = await this.stream.update(
      workflowId,
      (current) => {
        const view = this.viewOf(current, recommendationId);
        if (view.status === 'accepted' && decision === 'accept') return [];
        if (view.status !== 'proposed')
          refuse('recommendation_already_decided', `recommendation ${recommendationId} is ${view.status} already`, {
            recommendationId,
            status: view.status,
          });
        const data = {
          recommendationId,
          decidedBy: by.id,
          ...(comment === undefined ? {} : { comment }),
          decidedAt: this.clock().toISOString(),
        };
        return [{ type: decision === 'accept' ? 'RecommendationAccepted' : 'RecommendationRejected', data }];
      },
      { causationId: `memory:decide:${recommendationId}`, actor },
    );
    const view = this.viewOf(state, recommendationId);
    return view.status === 'accepted' ? this.apply(view, request.token, actor) : view;
  }

  private async apply(view: RecommendationView, token: string | undefined, actor: Actor): Promise<RecommendationView> {
    const { recommendationId, workflowId, scope, kind, proposal } = view;
    const rule: LearnedRecoveryRule | undefined =
      'rule' in proposal ? { ...proposal.rule, recommendationId, workflowId, scope } : undefined;
    const workflowVersion = rule === undefined ? await this.definitions.register(view, token) : undefined;
    const state = await this.stream.update(
      workflowId,
      (current) =>
        this.viewOf(current, recommendationId).applied !== undefined
          ? []
          : [
              {
                type: 'RecommendationApplied',
                data: {
                  recommendationId,
                  kind,
                  ...(rule === undefined ? {} : { rule }),
                  ...(workflowVersion === undefined ? {} : { workflowVersion }),
                  appliedAt: this.clock().toISOString(),
                },
              },
            ],
      { causationId: `memory:apply:${recommendationId}`, actor },
    );
    return this.viewOf(state, recommendationId);
  }

  /**
   * For each applied recommendation without a measured impact, once at least `impactRuns` runs ended after its
   * `appliedAt`: `RecommendationImpactMeasured` with the figures (`impactFigures`) of the `impactRuns` runs that
   * ended last at or before `appliedAt` and the first `impactRuns` that ended after it. Returns those appended.
   */
  async measureImpact(workflowId: string): Promise<RecommendationImpactMeasured[]> {
    const pending = (await this.list(workflowId)).filter((view) => view.applied && !view.impact);
    const measured: RecommendationImpactMeasured[] = [];
    for (const view of pending) {
      const appliedAt = (view.applied as { appliedAt: string }).appliedAt;
      const window = { limit: this.impactRuns };
      const after = byEnd(this.facts.runOutcomes(workflowId, { ...window, after: appliedAt })).slice(
        0,
        this.impactRuns,
      );
      if (after.length < this.impactRuns) continue;
      const before = byEnd(this.facts.runOutcomes(workflowId, { ...window, before: appliedAt })).slice(
        -this.impactRuns,
      );
      const data: RecommendationImpactMeasured = {
        recommendationId: view.recommendationId,
        before: impactFigures(before),
        after: impactFigures(after),
        measuredAt: this.clock().toISOString(),
      };
      await this.stream.update(
        workflowId,
        (current) =>
          this.viewOf(current, view.recommendationId).impact === undefined
            ? [{ type: 'RecommendationImpactMeasured', data }]
            : [],
        { causationId: `memory:impact:${view.recommendationId}` },
      );
      measured.push(data);
    }
    return measured;
  }

  private viewOf(state: RecommendationsState, recommendationId: string): RecommendationView {
    return (
      state.recommendations.get(recommendationId) ??
      refuse('recommendation_not_found', `recommendation ${recommendationId} does not exist`, { recommendationId })
    );
  }
}
