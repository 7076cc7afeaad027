import type { NatsConnection } from '@nats-io/nats-core';
import { subjects, workflowStreamId } from '@ledgerflow/contracts';
import type { RecommendationView, RegisterWorkflowRequest, RegisterWorkflowResult } from '@ledgerflow/contracts';
import { definitionDigestOf, definitionOfDocument, foldWorkflowVersions } from '@ledgerflow/definitions';
import type { RegisteredVersion } from '@ledgerflow/definitions';
import { LedgerflowError } from '@ledgerflow/domain';
import type { EventStore } from '@ledgerflow/event-store';
import { requestJson } from '@ledgerflow/messaging';
import { changedDefinition } from './definition-change.js';
import type { DefinitionOutline } from './proposal-input.js';

/** How long memory waits for the planner to register a changed definition, in ms. */
export const REGISTER_TIMEOUT_MS = 10_000;

/**
 * The workflow definitions as memory reads and changes them: the latest registered version (stream
 * `workflow-<id>`, newest by semver precedence), and new versions registered through the planner
 * (`lf.planner.register-workflow`, with the deciding person's own token, so the planner checks `workflows:write`
 * and records them as `registeredBy`).
 */
export class WorkflowDefinitions {
  private readonly outlines = new Map<string, { digest: string; outline: DefinitionOutline }>();

  constructor(
    private readonly store: EventStore,
    private readonly nc: NatsConnection | undefined,
    private readonly timeoutMs = REGISTER_TIMEOUT_MS,
  ) {}

  /** The latest registered version of `workflowId`, undefined when none is. */
  async latest(workflowId: string): Promise<RegisteredVersion | undefined> {
    const events = await this.store.readStream(workflowStreamId(workflowId));
    return foldWorkflowVersions(workflowId, events).versions[0];
  }

  /** The recommender's view of the latest version (cached by digest), undefined when none is registered or it no longer loads. */
  async outline(workflowId: string): Promise<DefinitionOutline | undefined> {
    const latest = await this.latest(workflowId);
    if (latest === undefined) return undefined;
    const cached = this.outlines.get(workflowId);
    if (cached?.digest === latest.digest) return cached.outline;
    let outline: DefinitionOutline;
    try {
      const definition = definitionOfDocument(latest.definition, `workflows/${workflowId}`);
      outline = {
        ...(definition.minConfidence === undefined ? {} : { minConfidence: definition.minConfidence }),
        steps: definition.steps.map((step) => ({
          id: step.id,
          tool: step.tool,
          action: step.action,
          agent: step.agent,
          ...(step.minConfidence === undefined ? {} : { minConfidence: step.minConfidence }),
        })),
      };
    } catch {
      return undefined;
    }
    this.outlines.set(workflowId, { digest: latest.digest, outline });
    return outline;
  }

  /**
   * Registers the latest version with the recommendation's change at the next patch version, and returns that
   * version; when the latest version carries the change already (a retried apply), returns it unchanged.
   * @throws LedgerflowError `recommendation_apply_failed` (details `{ recommendationId, reason }`, `reason` the
   *   cause's code, e.g. `definition_invalid`, `forbidden`, `nats_no_responders`; retryable as the cause is): no
   *   version registered yet, no caller token, no bus, or the planner refused or did not answer.
   */
  async register(recommendation: RecommendationView, token: string | undefined): Promise<string> {
    const { recommendationId, workflowId } = recommendation;
    const failed = (reason: string, message: string, retryable = false): LedgerflowError =>
      new LedgerflowError(
        'recommendation_apply_failed',
        `recommendation ${recommendationId} was accepted but not applied: ${message}`,
        retryable,
        { recommendationId, reason },
      );
    const latest = await this.latest(workflowId);
    if (latest === undefined) throw failed('workflow_unknown', `workflow ${workflowId} has no registered version`);
    const changed = changedDefinition(latest.definition, recommendation);
    if (definitionDigestOf({ ...changed, version: latest.version }) === latest.digest) return latest.version;
    if (token === undefined)
      throw failed('token_required', "a new definition version is registered with the caller's own token");
    if (this.nc === undefined) throw failed('nats_unavailable', 'memory has no bus connection', true);
    const request: RegisterWorkflowRequest = { workflowId, text: JSON.stringify(changed), token };
    try {
      const result = await requestJson<RegisterWorkflowResult>(this.nc, subjects.plannerRegisterWorkflow, request, {
        timeoutMs: this.timeoutMs,
      });
      return result.version;
    } catch (error) {
      if (!(error instanceof LedgerflowError)) throw error;
      throw failed(error.code, `the planner answered ${error.code}: ${error.message}`, error.retryable);
    }
  }
}
