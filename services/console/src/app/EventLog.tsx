import { subjectOf } from '../model/run-events.js';
import type { RunEventRecord } from '../model/run-events.js';
import { formatTime } from './RunsPage.js';

/** `integrity` of `GET /v1/runs/{id}`: the audit hash chain verified by the gateway (docs/operations.md, "Integrity"). */
export type Integrity =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly eventId: string;
      readonly revision: number;
      readonly reason: string;
      readonly message: string;
    };

/** The run's raw events in order, with the integrity of its audit chain as the API verified it. */
export function EventLog({
  events,
  integrity,
  verifiedAt,
  onVerify,
}: {
  events: readonly RunEventRecord[];
  integrity?: Integrity;
  verifiedAt?: number;
  onVerify: () => void;
}) {
  const broken = integrity && !integrity.ok ? integrity : undefined;
  return (
    <section aria-labelledby="event-log-title">
      <div className="title-row">
        <h2 id="event-log-title">Event log</h2>
        <button type="button" onClick={onVerify}>
          Verify the chain again
        </button>
      </div>
      <p role="status" data-testid="integrity" className={broken ? 'error' : 'ok'}>
        {integrity === undefined
          ? 'Audit chain: checking…'
          : broken
            ? `Audit chain broken at event ${broken.revision} (${broken.reason}): ${broken.message}`
            : `Audit chain intact: every event up to revision ${verifiedAt ?? '?'} verified by the gateway.`}
      </p>
      <div className="scroll" tabIndex={0} aria-label="Events of this run">
        <table className="events" data-testid="event-log">
          <thead>
            <tr>
              <th scope="col">Revision</th>
              <th scope="col">Position</th>
              <th scope="col">Type</th>
              <th scope="col">Concerns</th>
              <th scope="col">Actor</th>
              <th scope="col">Occurred</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr
                key={event.revision}
                className={broken?.revision === event.revision ? 'broken' : undefined}
                data-type={event.type}
              >
                <td>{event.revision}</td>
                <td>{event.position}</td>
                <td>{event.type}</td>
                <td>{subjectOf(event)}</td>
                <td>
                  {event.metadata.actor.kind}:{event.metadata.actor.id}
                </td>
                <td>
                  <time dateTime={event.metadata.occurredAt}>{formatTime(event.metadata.occurredAt)}</time>
                </td>
                <td>
                  <code title={event.metadata.hash}>{event.metadata.hash?.slice(0, 12) ?? ''}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
