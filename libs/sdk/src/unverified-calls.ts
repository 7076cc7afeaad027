import { metrics, type Counter, type MeterProvider } from '@opentelemetry/api';

/**
 * Counter of tool calls served without grant verification (`grants: 'disabled'` or
 * `LEDGERFLOW_GRANT_VERIFY=off`): unit `{call}`, attributes `tool` and `action` (low cardinality, never run
 * ids). Prometheus name `ledgerflow_tool_unverified_calls_total`. Alert on any increase in production.
 */
export const UNVERIFIED_CALLS_METRIC = 'ledgerflow.tool.unverified_calls';

/** Instrumentation scope of the SDK's instruments (the same as its spans). */
const SCOPE = '@ledgerflow/sdk';

let cache: { provider: MeterProvider; counter: Counter<{ tool: string; action: string }> } | undefined;

/**
 * The counter, created from the global meter provider on first use, and again when that provider changed
 * (telemetry started after the worker), so an early call never pins a no-op instrument.
 */
export function unverifiedCalls(): Counter<{ tool: string; action: string }> {
  const provider = metrics.getMeterProvider();
  if (cache?.provider === provider) return cache.counter;
  const counter = provider.getMeter(SCOPE).createCounter<{ tool: string; action: string }>(UNVERIFIED_CALLS_METRIC, {
    unit: '{call}',
    description: 'Tool calls served without grant verification (grants disabled).',
  });
  cache = { provider, counter };
  return counter;
}
