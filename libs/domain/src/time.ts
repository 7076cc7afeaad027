import { ValidationError } from './errors.js';

/** Durations (`30s`, `4h`, `1.5d`) and gate SLAs, exported with the time helpers. */
export { DURATION_PATTERN, parseDuration, slaSecondsOf } from './duration.js';

/**
 * ISO-8601 time arithmetic without a clock: the domain never reads the time (docs/architecture.md,
 * "Module boundaries"), it receives `now` in the command context and computes due times from it.
 *
 * Accepted input: `YYYY-MM-DDTHH:mm:ss[.fraction](Z|±HH:MM)`, e.g. `2026-05-01T09:30:00.000Z` or
 * `2026-05-01T11:30:00+02:00`. Output is always UTC with milliseconds, the shape of
 * `Date.prototype.toISOString()`: `2026-05-01T09:30:00.000Z`.
 * Calendar conversion: proleptic Gregorian, days-from-civil algorithm of H. Hinnant
 * ("chrono-Compatible Low-Level Date Algorithms", howardhinnant.github.io/date_algorithms.html).
 */

const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

function invalid(value: string, rule: string): ValidationError {
  return new ValidationError('invalid_timestamp', `timestamp "${value}" is not ISO-8601 (${rule})`, { value, rule });
}

/**
 * Milliseconds since 1970-01-01T00:00:00Z of an ISO-8601 timestamp (fractions beyond ms are truncated).
 * @throws ValidationError `invalid_timestamp` when the text is not of the accepted shape or names no real date.
 */
export function isoToEpochMs(iso: string): number {
  const match = ISO_PATTERN.exec(iso);
  if (!match) throw invalid(iso, 'YYYY-MM-DDTHH:mm:ss[.sss](Z|±HH:MM)');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw invalid(iso, 'no such calendar date');
  if (hour > 23 || minute > 59 || second > 59) throw invalid(iso, 'time of day out of range');
  const zone = match[8] as string;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
    if (zh > 23 || zm > 59) throw invalid(iso, 'zone offset out of range');
    offsetMinutes = sign * (zh * 60 + zm);
  }
  const local = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + fraction;
  return local - offsetMinutes * MS_PER_MINUTE;
}

/** The UTC ISO-8601 text (`YYYY-MM-DDTHH:mm:ss.sssZ`) of an epoch time in milliseconds (rounded down to a whole ms). */
export function epochMsToIso(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const days = Math.floor(ms / MS_PER_DAY);
  const inDay = ms - days * MS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : (year < 0 ? '-' : '+') + pad(Math.abs(year), 6);
  const hh = Math.floor(inDay / 3_600_000);
  const mm = Math.floor((inDay % 3_600_000) / 60_000);
  const ss = Math.floor((inDay % 60_000) / 1000);
  return `${yearText}-${pad(month)}-${pad(day)}T${pad(hh)}:${pad(mm)}:${pad(ss)}.${pad(inDay % 1000, 3)}Z`;
}

/** `iso` moved forward by `ms` milliseconds (backward when negative), as UTC ISO-8601 text. */
export function addMilliseconds(iso: string, ms: number): string {
  return epochMsToIso(isoToEpochMs(iso) + ms);
}

/** True when instant `dueAt` is at or before instant `now` (both ISO-8601, any zone offset). */
export function isDue(dueAt: string, now: string): boolean {
  return isoToEpochMs(dueAt) <= isoToEpochMs(now);
}
