import { EventVersionError, RUN_EVENT_UPCASTERS, currentDataOf } from '@ledgerflow/domain';
import type { Upcasters } from '@ledgerflow/domain';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { ledgerflowMetrics } from '@ledgerflow/telemetry';
import type { RunStatusLabel } from '@ledgerflow/telemetry';

/** How many runs' workflow ids are remembered between a run's `RunTriggered` and its end (oldest forgotten first). */
const REMEMBERED_RUNS = 10_000;

const ENDINGS: Readonly<Record<string, RunStatusLabel>> = {
  RunCompleted: 'completed',
  RunFailed: 'failed',
  RunCancelled: 'cancelled',
};

/**
 * Counts runs and gate escalations from the events the relay has copied to `LF_EVENTS` (libs/telemetry metrics.ts):
 * `ledgerflow.runs` (`RunTriggered` -> `triggered`; `RunCompleted`/`RunFailed`/`RunCancelled` -> `completed`/`failed`/
 * `cancelled`) and `ledgerflow.gate.escalations` (`GateEscalated`), both by `workflow`. The relay sees every event of
 * every process once (one relay holds the lease), so whichever service appended the event, it is counted here once;
 * at least once after a relay crash (see `onRelayed` of `startEventRelay`). The workflow of an event other than
 * `RunTriggered` comes from the `RunTriggered` relayed before it, or, for a run triggered before this relay started,
 * from the run's first event in the store (`unknown` when that read fails). `RunTriggered` is read in its current shape
 * (`upcasters`; docs/events.md, "Versions and upcasting"); one newer than this release reads counts its run under
 * workflow `unknown`, as a failed read does: a metrics hook must not throw (the relay ignores it, and the run would go
 * uncounted), and a workflow id is never guessed from a shape this release does not know.
 */
export class RunMetrics {
  private readonly workflows = new Map<string, string>();

  constructor(
    private readonly store: EventStore,
    private readonly upcasters: Upcasters = RUN_EVENT_UPCASTERS,
  ) {}

  /** Counts `event` when it is one of the types above (the store read for an unknown run happens in the background). */
  observe(event: StoredEvent): void {
    if (!event.streamId.startsWith('run-')) return;
    if (event.type === 'RunTriggered') {
      const workflow = this.workflowNamedBy(event);
      this.remember(event.streamId, workflow);
      const m = ledgerflowMetrics();
      m.runs.add(1, { workflow, status: 'triggered' });
      // The workflow's other series start at 0, so its first failure or escalation shows as an increase.
      for (const status of Object.values(ENDINGS)) m.runs.add(0, { workflow, status });
      m.gateEscalations.add(0, { workflow });
      return;
    }
    const status = ENDINGS[event.type];
    if (status === undefined && event.type !== 'GateEscalated') return;
    void this.workflowOf(event.streamId).then((workflow) => {
      if (status === undefined) ledgerflowMetrics().gateEscalations.add(1, { workflow });
      else {
        ledgerflowMetrics().runs.add(1, { workflow, status });
        this.workflows.delete(event.streamId);
      }
    });
  }

  private async workflowOf(streamId: string): Promise<string> {
    const known = this.workflows.get(streamId);
    if (known !== undefined) return known;
    try {
      const [first] = await this.store.readStream(streamId, { maxCount: 1 });
      const workflow = first === undefined ? 'unknown' : this.workflowNamedBy(first);
      this.remember(streamId, workflow);
      return workflow;
    } catch {
      return 'unknown';
    }
  }

  /** The workflow id of a `RunTriggered` (`unknown` for another type, none, or a version newer than this release reads). */
  private workflowNamedBy(event: StoredEvent): string {
    try {
      const workflowId = currentDataOf(event, 'RunTriggered', this.upcasters)?.workflowId;
      return typeof workflowId === 'string' ? workflowId : 'unknown';
    } catch (error) {
      if (error instanceof EventVersionError) return 'unknown';
      throw error;
    }
  }

  private remember(streamId: string, workflow: string): void {
    this.workflows.set(streamId, workflow);
    if (this.workflows.size > REMEMBERED_RUNS) this.workflows.delete(this.workflows.keys().next().value as string);
  }
}
