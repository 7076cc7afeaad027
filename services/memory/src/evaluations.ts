import { randomUUID } from 'node:crypto';
import { SCOPES, memoryStreamId, recordedActor } from '@ledgerflow/contracts';
import type { Actor, EvaluationRecorded, RecordEvaluationRequest } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import type { EventStore } from '@ledgerflow/event-store';
import { forwardedCallerActor } from '@ledgerflow/service-runtime';
import type { CallerVerifier } from '@ledgerflow/service-runtime';

const MEMORY: Actor = { kind: 'service', id: 'memory' };

/**
 * Golden-set results (`ledgerflow eval`) as `EvaluationRecorded` events of `memory-<workflowId>` (docs/memory.md,
 * "Golden sets"), so runs of the same set (`goldenSetDigest`) compare over workflow versions.
 *
 * Recording needs the scope `runs:start` (or `admin`): whoever may start the evaluation runs may record their result
 * (the gateway's `POST /v1/workflows/{id}/evaluations` asks the same). The caller is the verified forwarded `token`,
 * or the service account the gateway authenticated; it is the event's `metadata.actor`, with `via: memory` (`recordedActor`). A command without either is refused (`unauthorized`): a result is always someone's.
 */
export class EvaluationLedger {
  constructor(
    private readonly store: EventStore,
    private readonly verifier: CallerVerifier,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Appends one `EvaluationRecorded` (`evaluationId` a fresh UUID, also the event id; `recordedAt` now) and returns its data.
   * The request is expected validated (`RecordEvaluationDto` with `validateBody`).
   * @throws LedgerflowError `unauthorized` (no caller, or a token that does not verify), `forbidden` (no
   *   `runs:start`); ValidationError `request_invalid` (token and service account both given);
   *   the store's errors (e.g. `store_unavailable`, retryable).
   */
  async record(request: RecordEvaluationRequest): Promise<EvaluationRecorded> {
    const actor = await forwardedCallerActor(this.verifier, request, [SCOPES.runsStart]);
    if (actor === undefined)
      throw new LedgerflowError(
        'unauthorized',
        'recording an evaluation needs a caller (a token or a service account)',
        false,
      );
    const recordedAt = this.clock().toISOString();
    const evaluationId = randomUUID();
    const data: EvaluationRecorded = { evaluationId, ...request.evaluation, recordedAt };
    // Appended at the stream's end whatever its revision: an evaluation depends on no earlier event of the stream.
    await this.store.append(
      memoryStreamId(data.workflowId),
      [
        {
          type: 'EvaluationRecorded',
          data,
          metadata: {
            eventId: evaluationId,
            runId: '',
            causationId: evaluationId,
            actor: recordedActor(actor, MEMORY),
            occurredAt: recordedAt,
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    return data;
  }

  /** The workflow's recorded evaluations, oldest first (`[]` when none). */
  async list(workflowId: string): Promise<EvaluationRecorded[]> {
    const events = await this.store.readStream(memoryStreamId(workflowId));
    return events
      .filter((event) => event.type === 'EvaluationRecorded')
      .map((event) => event.data as EvaluationRecorded);
  }
}
