import { startOtlpReceiver } from './otlp-receiver.js';
import type { OtlpReceiver } from './otlp-receiver.js';
import { benchWorkers, startStack } from './stack.js';
import type { Stack } from './stack.js';

/** A stack whose services and tool workers export their spans to a receiver the spec reads. */
export interface TracedStack {
  readonly stack: Stack;
  readonly receiver: OtlpReceiver;
  /** Stops the stack, then the receiver. */
  stop(): Promise<void>;
}

/**
 * Starts an OTLP receiver (http/protobuf, the exporters' default) and the six services with the bench workflows
 * (`examples/bench/workflows`) and the bench tool workers, every process exporting its spans to the receiver with a
 * 100 ms batch delay (`OTEL_BSP_SCHEDULE_DELAY`), so a spec sees a run's spans shortly after the run ends.
 */
export async function startTracedStack(): Promise<TracedStack> {
  const receiver = await startOtlpReceiver();
  try {
    const stack = await startStack({
      env: {
        LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      extras: [benchWorkers()],
    });
    return {
      stack,
      receiver,
      stop: async () => {
        await stack.stop();
        await receiver.stop();
      },
    };
  } catch (error) {
    await receiver.stop();
    throw error;
  }
}
