import type { UpcasterRegistration } from '@ledgerflow/domain';

/**
 * A change of shape as a test supposes it (docs/events.md, "Versions and upcasting"): version 1 of event `type` named
 * a field `from` that the shape read now (version 2) names `to`. Register it with `RUN_EVENT_UPCASTERS.with(...)`;
 * a version-1 event without `from` is read unchanged.
 * @example RUN_EVENT_UPCASTERS.with(renamedField('RunQueued', 'limit', 'maxConcurrentRuns'))
 */
export function renamedField(type: string, from: string, to: string): UpcasterRegistration {
  return {
    type,
    fromVersion: 1,
    upcast: (data) => {
      const { [from]: value, ...rest } = data as Record<string, unknown>;
      return value === undefined ? data : { ...rest, [to]: value };
    },
  };
}
