import { trace } from '@opentelemetry/api';

/** Log levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Extra structured fields of a log entry (JSON-serialisable; `Error`s become `{name, message, code, stack}`). */
export type LogFields = Readonly<Record<string, unknown>>;

/** A structured logger: one JSON object per line. */
export interface Logger {
  readonly service: string;
  /** Entries below this level are dropped. */
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry. */
  child(fields: LogFields): Logger;
}

/** Options of {@link createLogger}; the defaults suit services. */
export interface LoggerOptions {
  /** Default: `LEDGERFLOW_LOG_LEVEL`, else `info` (an unknown value also means `info`). */
  readonly level?: LogLevel;
  /** Where each line goes (without its newline); default: `process.stdout`. */
  readonly write?: (line: string) => void;
}

const RESERVED = new Set(['time', 'level', 'service', 'msg', 'trace_id', 'span_id']);

function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** JSON replacer; reads the holder's original value because `JSON.stringify` applies `toJSON` first. */
function replacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Error) {
    const { code, details } = original as { code?: unknown; details?: unknown };
    return {
      name: original.name,
      message: original.message,
      ...(code !== undefined ? { code } : {}),
      ...(details !== undefined ? { details } : {}),
      stack: original.stack,
    };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * A JSON-lines logger for `service`. Each entry is `{time, level, service, msg, ...fields, trace_id, span_id}`
 * (`time` ISO-8601 UTC; `trace_id`/`span_id` from the active span, omitted outside a span). Fields named
 * like the base keys are dropped. Masking PII is the caller's duty (policy obligations decide what to mask).
 * @example createLogger('executor').info('step started', { runId, stepId });
 */
export function createLogger(service: string, options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const envLevel = process.env.LEDGERFLOW_LOG_LEVEL?.trim().toLowerCase();
  const level: LogLevel = options.level ?? (isLogLevel(envLevel) ? envLevel : 'info');
  const threshold = LOG_LEVELS.indexOf(level);
  const write = options.write ?? ((line: string) => { process.stdout.write(`${line}\n`); });

  const log = (entryLevel: LogLevel, msg: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(entryLevel) < threshold) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level: entryLevel, service, msg };
    for (const source of [bound, fields ?? {}]) {
      for (const [key, value] of Object.entries(source)) if (!RESERVED.has(key)) entry[key] = value;
    }
    const spanContext = trace.getActiveSpan()?.spanContext();
    if (spanContext !== undefined && trace.isSpanContextValid(spanContext)) {
      entry.trace_id = spanContext.traceId;
      entry.span_id = spanContext.spanId;
    }
    let line: string;
    try {
      line = JSON.stringify(entry, replacer);
    } catch (error) {
      line = JSON.stringify({ time: entry.time, level: entryLevel, service, msg, log_error: `fields not serialisable: ${String(error)}` });
    }
    write(line);
  };

  return {
    service,
    level,
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    child: (fields) => createLogger(service, { level, write }, { ...bound, ...fields }),
  };
}
