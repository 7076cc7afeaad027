import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LedgerflowError } from '@ledgerflow/domain';
import { createLogger, redactAttributes } from './logger.js';
import { startTelemetry } from './telemetry-sdk.js';
import { withSpan } from './tracing.js';

function capture(): { lines: Record<string, unknown>[]; write: (line: string) => void } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    write: (line) => {
      expect(line).not.toContain('\n');
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
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
      if (saved === undefined) delete process.env.LEDGERFLOW_LOG_LEVEL;
      else process.env.LEDGERFLOW_LOG_LEVEL = saved;
    }
    expect(out.lines.map((l) => `${String(l.level)}:${String(l.msg)}`)).toEqual([
      'info:shown',
      'warn:shown',
      'error:shown',
      'debug:shown',
    ]);
  });

  it('serialises errors and keeps base keys from being overwritten', () => {
    const out = capture();
    const logger = createLogger('svc', { write: out.write }).child({ runId: 'r9' });
    logger.error('failed', { err: new LedgerflowError('run_x', 'boom'), level: 'debug', n: 10n });
    expect(out.lines[0]).toMatchObject({
      level: 'error',
      runId: 'r9',
      n: '10',
      err: { name: 'LedgerflowError', message: 'boom', code: 'run_x' },
    });
  });

  it('adds trace_id and span_id of the active span', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = await startTelemetry({
      serviceName: 'svc',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      env: {},
    });
    try {
      const out = capture();
      const logger = createLogger('svc', { write: out.write });
      await withSpan('work', async () => logger.info('inside'));
      logger.info('outside');
      const span = exporter.getFinishedSpans()[0];
      expect(out.lines[0]).toMatchObject({
        msg: 'inside',
        trace_id: span?.spanContext().traceId,
        span_id: span?.spanContext().spanId,
      });
      expect(out.lines[1]).not.toHaveProperty('trace_id');
    } finally {
      await telemetry.shutdown();
    }
  });
});

describe('createLogger redaction', () => {
  const withEnv = (value: string | undefined, fn: () => void): void => {
    const saved = process.env.LEDGERFLOW_LOG_REDACTION;
    try {
      if (value === undefined) delete process.env.LEDGERFLOW_LOG_REDACTION;
      else process.env.LEDGERFLOW_LOG_REDACTION = value;
      fn();
    } finally {
      if (saved === undefined) delete process.env.LEDGERFLOW_LOG_REDACTION;
      else process.env.LEDGERFLOW_LOG_REDACTION = saved;
    }
  };

  it('masks email, phone, card and IBAN in msg and in string fields at any depth, by default', () => {
    const out = capture();
    const raw: string[] = [];
    withEnv(undefined, () => {
      const logger = createLogger('executor', {
        write: (line) => {
          raw.push(line);
          out.write(line);
        },
      }).child({ reviewer: 'ann@example.com' });
      logger.info('mail ada@example.com about claim CLM-2026-0001 filed 2026-01-15', {
        payee: { iban: 'DE89 3704 0044 0532 0130 00', phones: ['+44 20 7946 0958'] },
        card: '4111 1111 1111 1111',
        amount: '12,345.67',
        count: 4111111111111111,
      });
    });
    expect(out.lines[0]).toMatchObject({
      msg: 'mail [email] about claim CLM-2026-0001 filed 2026-01-15',
      reviewer: '[email]',
      payee: { iban: '[iban]', phones: ['[phone]'] },
      card: '[card]',
      amount: '12,345.67',
      count: 4111111111111111,
      service: 'executor',
    });
    expect(raw[0]).not.toMatch(/ada@|ann@|3704|7946|4111 1111/);
  });

  it('masks PII in error messages, details and stacks', () => {
    const out = capture();
    const logger = createLogger('svc', { write: out.write, redact: true });
    logger.error('tool failed', {
      err: new LedgerflowError('tool_failed', 'no payee for ada@example.com', false, { to: 'bob@example.com' }),
    });
    const err = out.lines[0]?.err as { message: string; details: unknown; stack: string };
    expect(err.message).toBe('no payee for [email]');
    expect(err.details).toEqual({ to: '[email]' });
    expect(err.stack).not.toContain('ada@example.com');
  });

  it('is off with LEDGERFLOW_LOG_REDACTION=off, and in its child loggers', () => {
    const out = capture();
    withEnv('off', () => {
      createLogger('svc', { write: out.write }).child({ a: 1 }).info('mail ada@example.com', { to: 'bob@example.com' });
    });
    expect(out.lines[0]).toMatchObject({ msg: 'mail ada@example.com', to: 'bob@example.com' });
  });
});

describe('redactAttributes', () => {
  it('masks strings and string arrays, keeping keys and other values', () => {
    expect(
      redactAttributes({
        'lf.note': 'call +44 20 7946 0958',
        'lf.to': ['ada@example.com', 'x'],
        'lf.amount': 12,
        'lf.ok': true,
      }),
    ).toEqual({
      'lf.note': 'call [phone]',
      'lf.to': ['[email]', 'x'],
      'lf.amount': 12,
      'lf.ok': true,
    });
  });

  it('ignores LEDGERFLOW_LOG_REDACTION: spans are always masked', () => {
    const saved = process.env.LEDGERFLOW_LOG_REDACTION;
    process.env.LEDGERFLOW_LOG_REDACTION = 'off';
    try {
      expect(redactAttributes({ to: 'ada@example.com' })).toEqual({ to: '[email]' });
    } finally {
      if (saved === undefined) delete process.env.LEDGERFLOW_LOG_REDACTION;
      else process.env.LEDGERFLOW_LOG_REDACTION = saved;
    }
  });
});
