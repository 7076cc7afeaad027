import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ForkErrorCodes, LedgerflowError, RENAMED_ERROR_CODES, RunErrorCodes } from '@ledgerflow/domain';
import {
  ConcurrencyError,
  DuplicateEventError,
  EventTooLargeError,
  StoreErrorCodes,
  StoreUnavailableError,
} from '@ledgerflow/event-store';
import { NatsErrorCodes } from '@ledgerflow/messaging';
import { ERROR_CATEGORIES, STATUS_OF_CATEGORY, categoryOf } from './error-categories.js';
import { RETRY_AFTER_SECONDS } from './http-error.filter.js';
import { toHttpError } from './http-error.filter.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');

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
    ['store_unavailable', true, 503],
    ['nats_timeout', true, 503],
    ['nats_no_responders', true, 503],
    ['nats_request_failed', true, 503],
    ['nats_connection_closed', false, 503],
    ['store_concurrency', true, 409],
    ['run_gate_already_decided', false, 409],
    ['run_not_running', false, 409],
    ['run_gate_not_found', false, 404],
    ['step_not_found', false, 404],
    ['run_reviewer_not_named', false, 403],
    ['run_decision_invalid', false, 400],
    ['run_not_found', false, 404],
    ['workflow_version_exists', false, 409],
    ['definition_invalid', false, 422],
    ['unauthorized', false, 401],
    ['forbidden', false, 403],
    ['request_invalid', false, 400],
    ['nats_reply_malformed', false, 500],
    ['internal_error', true, 500],
  ])('%s (retryable %s) -> %i', (code, retryable, status) => {
    expect(toHttpError(new LedgerflowError(code, 'm', retryable)).status).toBe(status);
  });

  it('a code outside the catalog: plan_* and run_* are conflicts, retryable is unavailable, *_not_found 404, else 400', () => {
    expect(categoryOf('plan_new_rule', false)).toBe('conflict');
    expect(categoryOf('run_new_rule', false)).toBe('conflict');
    expect(categoryOf('tool_busy', true)).toBe('unavailable');
    expect(categoryOf('claim_not_found', false)).toBe('not_found');
    expect(categoryOf('widget_not_found', false)).toBe('not_found');
    expect(categoryOf('amount_negative', false)).toBe('invalid');
  });

  it('a store outage is a 503 with Retry-After, never a 400', () => {
    const outage = new StoreUnavailableError('append', 'database is locked');
    expect(toHttpError(outage)).toMatchObject({ status: 503, body: { code: 'store_unavailable', retryable: true } });
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

/** Source files (not specs) under `dir`, recursively, without `dist` and `node_modules`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : sources(path);
    return /\.tsx?$/.test(entry.name) && !/\.spec(-util)?\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/**
 * The code-like literals every source throws or answers: `new LedgerflowError('code'` (or `DomainError`,
 * `ValidationError`), `refuse('code'`, `code: 'code'`; by code, the file of one of them.
 */
function sourceCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of ['libs', 'services', 'examples', 'tools'].flatMap((dir) => sources(join(root, dir)))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /(?:(?:LedgerflowError|DomainError|ValidationError|refuse)\(\s*|code: )'([A-Za-z][A-Za-z0-9_.]*)'/g,
    ))
      codes.set(m[1] as string, file.slice(root.length + 1));
  }
  return codes;
}

describe('one error-code style: lower snake case', () => {
  const SNAKE = /^[a-z][a-z0-9_]*$/;
  const styleCatalogs: Record<string, string[]> = {
    ...catalogs,
    'RunErrorCodes (all)': Object.values(RunErrorCodes),
    ForkErrorCodes: Object.values(ForkErrorCodes),
    NatsErrorCodes: Object.values(NatsErrorCodes),
    StoreErrorCodes: Object.values(StoreErrorCodes),
    "the gateway's table (ERROR_CATEGORIES)": Object.keys(ERROR_CATEGORIES),
    "the gateway's Retry-After table": Object.keys(RETRY_AFTER_SECONDS),
    'the new names of renamed codes (RENAMED_ERROR_CODES)': Object.values(RENAMED_ERROR_CODES),
  };

  it.each(Object.entries(styleCatalogs))('every code of %s matches ^[a-z][a-z0-9_]*$', (_name, codes) => {
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.filter((code) => !SNAKE.test(code))).toEqual([]);
  });

  it('every code literal thrown or answered in libs, services, examples and tools is lower snake case', () => {
    // Names of body-parser error types (`entity.too.large`) and HTTP methods match the same pattern; they are no codes.
    const offending = [...sourceCodes()].filter(
      ([code]) => !SNAKE.test(code) && !code.startsWith('entity.') && code !== 'GET',
    );
    expect(offending).toEqual([]);
  });

  it('each dotted code of an earlier release is renamed to a code of a catalog (none forgotten, none invented)', () => {
    const current = new Set([
      ...Object.values(RunErrorCodes),
      ...Object.values(ForkErrorCodes),
      ...Object.values(NatsErrorCodes),
      ...Object.values(StoreErrorCodes),
      ...sourceCodes().keys(),
    ]);
    expect(Object.values(RENAMED_ERROR_CODES).filter((code) => !current.has(code))).toEqual([]);
    const renamed = new Set(Object.values(RENAMED_ERROR_CODES));
    const catalogued = [
      ...Object.values(RunErrorCodes),
      ...Object.values(ForkErrorCodes),
      ...Object.values(NatsErrorCodes),
      ...Object.values(StoreErrorCodes),
    ];
    expect(catalogued.filter((code) => !renamed.has(code))).toEqual([]);
  });
});
