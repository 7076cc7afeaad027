import { randomUUID } from 'node:crypto';
import {
  WORKFLOW_STREAM_PREFIX,
  WORKFLOW_VERSION_REGISTERED,
  recordedActor,
  workflowStreamId,
} from '@ledgerflow/contracts';
import type { Actor, RegisterWorkflowResult, WorkflowVersionRegistered } from '@ledgerflow/contracts';
import {
  decideRegistration,
  definitionOfDocument,
  evolveWorkflowVersions,
  initialWorkflowVersions,
} from '@ledgerflow/definitions';
import type {
  DefinitionRegistry,
  VersionCandidate,
  WorkflowDefinition,
  WorkflowResolver,
  WorkflowVersions,
} from '@ledgerflow/definitions';
import { ConcurrencyError, readAllPages } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import type { Logger } from '@ledgerflow/telemetry';
import { traceparentOf } from '@ledgerflow/telemetry';

/** Appends tried per registration when another process appends to the same workflow stream meanwhile. */
const MAX_ATTEMPTS = 5;

/**
 * The planner's workflow definitions, following the event store (docs/definitions.md, "Registering definitions"):
 * every `WorkflowVersionRegistered` of every `workflow-<id>` stream, whoever appended it, is folded into the
 * planner's `DefinitionRegistry` (the one the run starter and the recovery consumer read), so a version registered
 * by any planner replica is used without a restart.
 *
 * - `resolve(id, version?)` first reads `workflow-<id>` after the revision it has folded (one indexed read, empty
 *   when nothing changed), so a run started right after a registration answered by another replica gets it.
 * - `register(candidate)` decides against the stream as read and appends at that revision (optimistic concurrency);
 *   a conflict is re-read and decided again, at most 5 times. The same version with the same digest appends nothing.
 *
 * A stored version whose document no longer passes validation (a rule got stricter since) is logged and left out;
 * runs already started keep their plan from `PlanCreated`.
 */
export class WorkflowCatalog implements WorkflowResolver {
  private readonly states = new Map<string, WorkflowVersions>();
  private position = 0;

  constructor(
    private readonly store: EventStore,
    readonly registry: DefinitionRegistry,
    private readonly actor: Actor,
    private readonly logger?: Logger,
  ) {}

  /** Folds the events of every workflow stream appended since the last catch-up (all of them the first time). */
  async catchUp(): Promise<void> {
    this.position = await readAllPages(
      this.store,
      { fromPosition: this.position, streamPrefix: WORKFLOW_STREAM_PREFIX },
      (event) => {
        this.apply(event.streamId.slice(WORKFLOW_STREAM_PREFIX.length), [event]);
      },
    );
  }

  /** The versions of `workflowId`, after reading its stream past what is folded. */
  async refresh(workflowId: string): Promise<WorkflowVersions> {
    const state = this.states.get(workflowId) ?? initialWorkflowVersions(workflowId);
    const events = await this.store.readStream(workflowStreamId(workflowId), { fromRevision: state.revision + 1 });
    return this.apply(workflowId, events);
  }

  /**
   * The definition `workflowId@version`, or its latest version (semver precedence), as registered up to now.
   * @throws UnknownWorkflowError `workflow_unknown`
   */
  async resolve(workflowId: string, version?: string): Promise<WorkflowDefinition> {
    await this.refresh(workflowId);
    return this.registry.get(workflowId, version);
  }

  /**
   * Registers a version (idempotent for the same digest).
   * @throws WorkflowVersionExistsError `workflow_version_exists` (409): the version exists with another digest.
   * @throws ConcurrencyError (retryable) when 5 appends in a row lost a race; StoreUnavailableError, EventTooLargeError.
   */
  async register(candidate: VersionCandidate): Promise<RegisterWorkflowResult> {
    const { workflowId, version, digest } = candidate;
    for (let attempt = 1; ; attempt += 1) {
      const state = await this.refresh(workflowId);
      const events = decideRegistration(state, candidate);
      if (events.length === 0) return { workflowId, version, digest, created: false };
      try {
        await this.store.append(
          workflowStreamId(workflowId),
          events.map((data) => this.newEvent(data)),
          {
            expectedRevision: state.revision === -1 ? 'no_stream' : state.revision,
          },
        );
      } catch (error) {
        if (error instanceof ConcurrencyError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
      await this.refresh(workflowId);
      this.logger?.info('workflow version registered', {
        workflowId,
        version,
        digest,
        source: candidate.source,
        by: candidate.registeredBy.id,
      });
      return { workflowId, version, digest, created: true };
    }
  }

  private newEvent(data: WorkflowVersionRegistered) {
    const trace = traceparentOf();
    return {
      type: WORKFLOW_VERSION_REGISTERED,
      data,
      metadata: {
        eventId: randomUUID(),
        runId: '',
        causationId: `workflow:${data.workflowId}@${data.version}`,
        actor: recordedActor(data.registeredBy, this.actor),
        occurredAt: new Date().toISOString(),
        schemaVersion: 1,
        ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
      },
    };
  }

  /** Folds events not folded yet (a catch-up and a refresh may read the same event) into the state and registry. */
  private apply(workflowId: string, events: readonly StoredEvent[]): WorkflowVersions {
    let state = this.states.get(workflowId) ?? initialWorkflowVersions(workflowId);
    for (const event of events) {
      if (event.revision <= state.revision) continue;
      state = evolveWorkflowVersions(state, event);
      if (event.type === WORKFLOW_VERSION_REGISTERED) this.load(event.data as WorkflowVersionRegistered);
    }
    this.states.set(workflowId, state);
    return state;
  }

  private load(data: WorkflowVersionRegistered): void {
    // Loaded from its directory at start: the same document (start-up registration refuses another digest).
    if (this.registry.find(data.workflowId, data.version) !== undefined) return;
    const source = data.file ?? `${workflowStreamId(data.workflowId)}@${data.version}`;
    try {
      this.registry.add(definitionOfDocument(data.definition, source));
    } catch (error) {
      this.logger?.error('a stored workflow version does not load; it is left out', {
        workflowId: data.workflowId,
        version: data.version,
        reason: (error as Error).message,
      });
    }
  }
}
