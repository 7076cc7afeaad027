import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';

/** Collects on demand only (no export, no timer): what a spec reads of the metrics the code under test recorded. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** A meter provider a spec installs as the global one, and reads back by instrument name. */
export interface TestMetrics {
  /** Installs the provider as the global meter provider (for `beforeAll`). */
  readonly install: () => void;
  /** Disables the global meter provider and shuts this one down (for `afterAll`). */
  readonly uninstall: () => Promise<void>;
  /** The instrument named `name` as collected now (its descriptor and data points), or undefined if never recorded. */
  readonly metric: (name: string) => Promise<MetricData | undefined>;
}

/**
 * Metrics for a spec: instruments the code creates through the global `metrics` API (as every Ledgerflow service
 * does) record into this provider while it is installed.
 * @example const meters = testMetrics(); beforeAll(meters.install); afterAll(meters.uninstall);
 *   const points = (await meters.metric('ledgerflow.runs'))?.dataPoints;
 */
export function testMetrics(): TestMetrics {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  return {
    install: () => void metrics.setGlobalMeterProvider(provider),
    uninstall: async () => {
      metrics.disable();
      await provider.shutdown();
    },
    metric: async (name) => {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
    },
  };
}
