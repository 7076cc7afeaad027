import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import { maskText } from '@ledgerflow/privacy';
import type { PiiKind } from '@ledgerflow/privacy';

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
  /**
   * Mask PII ({@link LOG_REDACTION_DETECTORS}) in `msg` and every string field before the line is written.
   * Default: on, unless `LEDGERFLOW_LOG_REDACTION=off` (for local debugging only).
   */
  readonly redact?: boolean;
}

/**
 * The detectors applied to every log line and by {@link redactAttributes}: governance requires that PII never
 * appears unmasked in logs or exported spans (docs/policies.md, privacy obligations). Findings become
 * `[email]`, `[phone]`, `[card]`, `[iban]`.
 */
export const LOG_REDACTION_DETECTORS: readonly PiiKind[] = ['email', 'phone', 'card', 'iban'];

const RESERVED = new Set(['time', 'level', 'service', 'msg', 'trace_id', 'span_id']);
/** Base keys that never hold PII, so are not searched. */
const UNSEARCHED = new Set(['time', 'level', 'service', 'trace_id', 'span_id']);

/** True unless `LEDGERFLOW_LOG_REDACTION` is `off` (or `false`, `0`). */
function redactionFromEnv(): boolean {
  const value = process.env.LEDGERFLOW_LOG_REDACTION?.trim().toLowerCase();
  return !(value === 'off' || value === 'false' || value === '0');
}

function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * JSON replacer of an entry; reads the holder's original value because `JSON.stringify` applies `toJSON` first.
 * `Error`s become `{name, message, code, details, stack}` (their strings are visited next, so masked too).
 * With `redact`, every string except the base keys of `entry` is masked.
 */
function replacerFor(entry: object, redact: boolean): (this: unknown, key: string, value: unknown) => unknown {
  return function replacer(this: unknown, key: string, value: unknown): unknown {
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
    if (redact && typeof value === 'string' && !(this === entry && UNSEARCHED.has(key)))
      return maskText(value, LOG_REDACTION_DETECTORS);
    return value;
  };
}

/**
 * `attrs` with PII ({@link LOG_REDACTION_DETECTORS}, or `detectors`) masked in every string and string-array
 * value, for span attributes and events before they are set (exported spans must not carry PII). Always
 * masks: `LEDGERFLOW_LOG_REDACTION` does not apply to spans. Keys and non-string values are kept.
 * @example span.setAttributes(redactAttributes({ 'lf.note': 'call +44 20 7946 0958' })) // 'call [phone]'
 */
export function redactAttributes(
  attrs: Attributes,
  detectors: readonly PiiKind[] = LOG_REDACTION_DETECTORS,
): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'string') out[key] = maskText(value, detectors);
    else if (Array.isArray(value))
      out[key] = value.map((item: unknown) =>
        typeof item === 'string' ? maskText(item, detectors) : item,
      ) as AttributeValue;
    else out[key] = value;
  }
  return out;
}

/**
 * A JSON-lines logger for `service`. Each entry is `{time, level, service, msg, ...fields, trace_id, span_id}`
 * (`time` ISO-8601 UTC; `trace_id`/`span_id` from the active span, omitted outside a span). Fields named
 * like the base keys are dropped. PII found by {@link LOG_REDACTION_DETECTORS} in `msg` and in any string
 * field, at any depth (error messages and stacks included), is masked as `[email]`, `[phone]`, ... unless
 * `redact` is off. Object keys are not searched; whole fields named by privacy packs' paths are masked by the
 * caller (`mask(value, rules)` of `@ledgerflow/privacy`).
 * @example createLogger('executor').info('step started', { runId, stepId });
 */
export function createLogger(service: string, options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const envLevel = process.env.LEDGERFLOW_LOG_LEVEL?.trim().toLowerCase();
  const level: LogLevel = options.level ?? (isLogLevel(envLevel) ? envLevel : 'info');
  const threshold = LOG_LEVELS.indexOf(level);
  const write =
    options.write ??
    ((line: string) => {
      process.stdout.write(`${line}\n`);
    });
  const redact = options.redact ?? redactionFromEnv();

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
      line = JSON.stringify(entry, replacerFor(entry, redact));
    } catch (error) {
      const shown = redact ? maskText(msg, LOG_REDACTION_DETECTORS) : msg;
      line = JSON.stringify({
        time: entry.time,
        level: entryLevel,
        service,
        msg: shown,
        log_error: `fields not serialisable: ${String(error)}`,
      });
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
    child: (fields) => createLogger(service, { level, write, redact }, { ...bound, ...fields }),
  };
}
