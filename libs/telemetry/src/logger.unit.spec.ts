import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LedgerflowError } from '@ledgerflow/domain';
import { createLogger } from './logger.js';
import { startTelemetry } from './telemetry-sdk.js';
import { withSpan } from './tracing.js';

function capture(): { lines: Record<string, unknown>[]; write: (line: string) => void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line) => { expect(line).not.toContain('\n'); lines.push(JSON.parse(line) as Record<string, unknown>); } };
}

describe('createLogger', () => {
  it('writes one JSON object per entry with time, level, service, msg and fields', () => {
    const out = capture();
    createLogger('planner', { write: out.write }).info('plan created', { runId: 'r1', steps: 3 });
    expect(out.lines).toHaveLength(1);
    const [entry] = out.lines;
    expect(entry).toMatchObject({ level: 'info', service: 'planner', msg: 'plan created', runId: 'r1', steps: 3 });
    expect(new Date(String(entry?.time)).toISOString()).toBe(entry?.time);
    expect(entry).not.toHaveProperty('trace_id');
  });

  it('filters by level, defaulting to LEDGERFLOW_LOG_LEVEL, then info', () => {
    const out = capture();
    const saved = process.env.LEDGERFLOW_LOG_LEVEL;
    try {
      delete process.env.LEDGERFLOW_LOG_LEVEL;
      const byDefault = createLogger('svc', { write: out.write });
      byDefault.debug('hidden');
      byDefault.info('shown');
      process.env.LEDGERFLOW_LOG_LEVEL = 'warn';
      const fromEnv = createLogger('svc', { write: out.write });
      fromEnv.info('hidden');
      fromEnv.warn('shown');
      fromEnv.error('shown');
      expect(fromEnv.level).toBe('warn');
      const debug = createLogger('svc', { write: out.write, level: 'debug' });
      debug.debug('shown');
    } finally {
      if (saved === undefined) delete process.env.LEDGERFLOW_LOG_LEVEL; else process.env.LEDGERFLOW_LOG_LEVEL = saved;
    }
    expect(out.lines.map((l) => `${String(l.level)}:${String(l.msg)}`)).toEqual(['info:shown', 'warn:shown', 'error:shown', 'debug:shown']);
  });

  it('serialises errors and keeps base keys from being overwritten', () => {
    const out = capture();
    const logger = createLogger('svc', { write: out.write }).child({ runId: 'r9' });
    logger.error('failed', { err: new LedgerflowError('RUN.X', 'boom'), level: 'debug', n: 10n });
    expect(out.lines[0]).toMatchObject({ level: 'error', runId: 'r9', n: '10', err: { name: 'LedgerflowError', message: 'boom', code: 'RUN.X' } });
  });

  it('adds trace_id and span_id of the active span', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = await startTelemetry({ serviceName: 'svc', spanProcessors: [new SimpleSpanProcessor(exporter)], env: {} });
    try {
      const out = capture();
      const logger = createLogger('svc', { write: out.write });
      await withSpan('work', async () => logger.info('inside'));
      logger.info('outside');
      const span = exporter.getFinishedSpans()[0];
      expect(out.lines[0]).toMatchObject({ msg: 'inside', trace_id: span?.spanContext().traceId, span_id: span?.spanContext().spanId });
      expect(out.lines[1]).not.toHaveProperty('trace_id');
    } finally {
      await telemetry.shutdown();
    }
  });
});
