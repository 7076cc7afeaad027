import { ValidationError } from '@ledgerflow/domain';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The duration syntax accepted in definitions: a decimal number followed by `ms`, `s`, `m`, `h` or `d`. */
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$';
const DURATION_RE = new RegExp(DURATION_PATTERN);

/**
 * Parses a duration into whole milliseconds: `200ms`, `30s`, `5m`, `4h`, `1d`, `1.5s`, or a
 * non-negative number (already milliseconds).
 * @throws ValidationError `duration_invalid` for anything else (negative, unknown unit, empty).
 * @example parseDuration('4h') === 14_400_000
 */
export function parseDuration(value: string | number, field = 'duration'): number {
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
