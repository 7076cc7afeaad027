import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LedgerflowError, RunErrorCodes } from '@ledgerflow/domain';
import {
  ConcurrencyError,
  DuplicateEventError,
  EventTooLargeError,
  StoreUnavailableError,
} from '@ledgerflow/event-store';
import { NatsErrorCodes } from '@ledgerflow/messaging';
import { ERROR_CATEGORIES, STATUS_OF_CATEGORY, categoryOf } from './error-categories.js';
import { toHttpError } from './http-error.filter.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Every code literal the gateway's own sources throw or answer (`Error('code'`, `code: 'code'`). */
function gatewayCodes(): string[] {
  const codes = new Set<string>();
  for (const file of readdirSync(here).filter((f) => f.endsWith('.ts') && !/\.spec(-util)?\.ts$/.test(f))) {
    const text = readFileSync(join(here, file), 'utf8');
    for (const m of text.matchAll(/(?:Error\(\s*|code: )'([A-Za-z_.]+)'/g)) codes.add(m[1] as string);
  }
  // Names of body-parser error types and HTTP methods matched by the same pattern are not error codes;
  // `webhook_secrets_invalid` stops the gateway at start-up (exit code 78), it is never an HTTP answer.
  return [...codes].filter(
    (code) => !code.startsWith('entity.') && code !== 'GET' && code !== 'webhook_secrets_invalid',
  );
}

const catalogs: Record<string, string[]> = {
  'the Run aggregate (RunErrorCodes)': Object.values(RunErrorCodes),
  'NATS requests (NatsErrorCodes)': Object.values(NatsErrorCodes),
  'the event store': [ConcurrencyError, DuplicateEventError, EventTooLargeError, StoreUnavailableError].map(
    (error) => error.code,
  ),
  "the gateway's sources": gatewayCodes(),
};

describe('error categories', () => {
  it.each(Object.entries(catalogs))('every code of %s has a category of its own, with a status', (_name, codes) => {
    expect(codes.length).toBeGreaterThan(0);
    const missing = codes.filter((code) => ERROR_CATEGORIES[code] === undefined);
    expect(missing).toEqual([]);
    for (const code of codes) expect(STATUS_OF_CATEGORY[ERROR_CATEGORIES[code]!]).toBeGreaterThanOrEqual(400);
  });

  it.each([
    ['STORE.UNAVAILABLE', true, 503],
    ['NATS.TIMEOUT', true, 503],
    ['NATS.NO_RESPONDERS', true, 503],
    ['NATS.REQUEST_FAILED', true, 503],
    ['NATS.CONNECTION_CLOSED', false, 503],
    ['STORE.CONCURRENCY', true, 409],
    ['RUN.GATE_ALREADY_DECIDED', false, 409],
    ['RUN.NOT_RUNNING', false, 409],
    ['RUN.GATE_NOT_FOUND', false, 404],
    ['RUN.STEP_NOT_FOUND', false, 404],
    ['RUN.REVIEWER_NOT_NAMED', false, 403],
    ['RUN.DECISION_INVALID', false, 400],
    ['run_not_found', false, 404],
    ['workflow_version_exists', false, 409],
    ['definition_invalid', false, 422],
    ['unauthorized', false, 401],
    ['forbidden', false, 403],
    ['request_invalid', false, 400],
    ['NATS.REPLY_MALFORMED', false, 500],
    ['internal_error', true, 500],
  ])('%s (retryable %s) -> %i', (code, retryable, status) => {
    expect(toHttpError(new LedgerflowError(code, 'm', retryable)).status).toBe(status);
  });

  it('a code outside the catalog: plan_* and RUN.* are conflicts, retryable is unavailable, *_not_found 404, else 400', () => {
    expect(categoryOf('plan_new_rule', false)).toBe('conflict');
    expect(categoryOf('RUN.NEW_RULE', false)).toBe('conflict');
    expect(categoryOf('tool_busy', true)).toBe('unavailable');
    expect(categoryOf('claim_not_found', false)).toBe('not_found');
    expect(categoryOf('WIDGET.NOT_FOUND', false)).toBe('not_found');
    expect(categoryOf('amount_negative', false)).toBe('invalid');
  });

  it('a store outage is a 503 with Retry-After, never a 400', () => {
    const outage = new StoreUnavailableError('append', 'database is locked');
    expect(toHttpError(outage)).toMatchObject({ status: 503, body: { code: 'STORE.UNAVAILABLE', retryable: true } });
  });
});

describe('docs/api.md, "Errors"', () => {
  it('lists every code of the table with the status of its category', () => {
    const markdown = readFileSync(join(here, '../../../docs/api.md'), 'utf8');
    const section = markdown.slice(
      markdown.indexOf('## Errors'),
      markdown.indexOf('\n## ', markdown.indexOf('## Errors') + 3),
    );
    const listed = new Map<string, number>();
    for (const row of section.split('\n').filter((line) => /^\| \d{3} \|/.test(line))) {
      const status = Number(row.split('|')[1]);
      for (const m of (row.split('|')[3] ?? '').matchAll(/`([^`]+)`/g)) listed.set(m[1] as string, status);
    }
    const expected = new Map(
      Object.entries(ERROR_CATEGORIES).map(([code, category]) => [code, STATUS_OF_CATEGORY[category]]),
    );
    expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(expected));
  });
});
