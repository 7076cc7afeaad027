import { ledgerflowMetrics } from '@ledgerflow/telemetry';
import { ConcurrencyError } from './errors.js';

/** The adapter named in the `store` attribute of `ledgerflow.event_store.append.duration`. */
export type StoreKind = 'sqlite' | 'eventstoredb' | 'memory';

/**
 * Records `ledgerflow.event_store.append.duration` (seconds, libs/telemetry metrics.ts) for one append once it
 * settles: from the call (after the request was validated) to the commit that made it durable, a group commit's wait
 * included; `outcome` is `ok`, `conflict` (`ConcurrencyError`, an expected-revision refusal) or `error`.
 * @returns `append`, unchanged.
 */
export function measureAppend<T>(store: StoreKind, append: Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  const record = (outcome: 'ok' | 'conflict' | 'error'): void =>
    ledgerflowMetrics().eventStoreAppendDuration.record(Number(process.hrtime.bigint() - started) / 1e9, {
      store,
      outcome,
    });
  append.then(
    () => record('ok'),
    (error: unknown) => record(error instanceof ConcurrencyError ? 'conflict' : 'error'),
  );
  return append;
}
