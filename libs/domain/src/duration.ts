import { ValidationError } from './errors.js';
import { MAX_GATE_SLA_SECONDS } from './plan-validation.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The duration syntax of workflow definitions and policy packs: a decimal number followed by `ms`, `s`, `m`, `h` or
 * `d` (a JSON Schema `pattern`).
 */
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$';
const DURATION_RE = new RegExp(DURATION_PATTERN);

/**
 * Parses a duration into whole milliseconds: `200ms`, `30s`, `5m`, `4h`, `1d`, `1.5s`, or a
 * non-negative number (already milliseconds).
 * @param field names the value in errors, e.g. `/steps/0/timeout`.
 * @param maxMs the longest duration accepted, in ms (none when omitted). The definition format's limits:
 *   `MAX_TIMER_DELAY_MS` (2^31 - 1 ms, about 24.8 days) for a step's `timeout` and retry delays,
 *   `MAX_GATE_SLA_SECONDS` (366 days) for gate SLAs (see {@link slaSecondsOf}); both in plan-validation.ts.
 * @throws ValidationError `duration_invalid` for anything else (negative, unknown unit, empty);
 *   `duration_too_long` above `maxMs`, details `{field, rule: 'maximum', value, limitMs, actualMs}`.
 * @example parseDuration('4h') === 14_400_000
 * @example parseDuration('25d', '/steps/0/timeout', 2_147_483_647) // throws duration_too_long
 */
export function parseDuration(value: string | number, field = 'duration', maxMs?: number): number {
  const ms = parseMs(value, field);
  if (maxMs !== undefined && ms > maxMs) {
    throw new ValidationError(
      'duration_too_long',
      `${field}: ${JSON.stringify(value)} (${ms} ms) is longer than the limit of ${maxMs} ms (${Number((maxMs / (UNIT_MS.d as number)).toFixed(2))} days)`,
      { field, rule: 'maximum', value, limitMs: maxMs, actualMs: ms },
    );
  }
  return ms;
}

function parseMs(value: string | number, field: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  } else {
    const match = DURATION_RE.exec(value.trim());
    if (match) {
      const unit = match[2] as string;
      return Math.round(Number.parseFloat(value) * (UNIT_MS[unit] as number));
    }
  }
  throw new ValidationError(
    'duration_invalid',
    `${field}: ${JSON.stringify(value)} is not a duration (a number of ms, or e.g. 200ms, 30s, 5m, 4h)`,
    { field, rule: 'duration', value },
  );
}

/**
 * A gate SLA in whole seconds, rounded up (a deadline is never earlier than the one written): `4h` -> 14400,
 * `1.2s` -> 2, `500ms` -> 1. The one conversion of definition gates (`sla`) and approval packs (`rules[].sla`).
 * @param maxSeconds the longest SLA accepted; default `MAX_GATE_SLA_SECONDS` (366 days).
 * @throws ValidationError `duration_invalid` / `duration_too_long` as {@link parseDuration}, naming `field`.
 * @example slaSecondsOf('2d', '/steps/0/gate/sla') === 172_800
 */
export function slaSecondsOf(sla: string | number, field = 'sla', maxSeconds = MAX_GATE_SLA_SECONDS): number {
  return Math.ceil(parseDuration(sla, field, maxSeconds * 1_000) / 1_000);
}
