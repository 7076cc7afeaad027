import { BadRequestException, HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import { DomainError, EventVersionError, LedgerflowError, ValidationError } from '@ledgerflow/domain';
import { HttpErrorFilter, RETRY_AFTER_SECONDS, retryAfterOf, toHttpError } from './http-error.filter.js';
import { ReplayErrorFilter } from './replay-error.filter.js';

/** An error shaped like body-parser's (what Nest's JSON body parsing throws). */
const bodyParserError = (type: string, message: string): Error =>
  Object.assign(new Error(message), { type, status: type === 'entity.too.large' ? 413 : 400 });

describe('toHttpError', () => {
  it.each([
    ['message_malformed', 400],
    ['request_invalid', 400],
    ['idempotency_key_missing', 400],
    ['unauthorized', 401],
    ['run_reviewer_not_named', 403],
    ['run_actor_cannot_decide', 403],
    ['workflow_unknown', 404],
    ['run_not_found', 404],
    ['run_gate_not_found', 404],
    ['run_gate_already_decided', 409],
    ['payload_too_large', 413],
    ['input_invalid', 422],
    ['nats_timeout', 503],
    ['nats_no_responders', 503],
    ['store_unavailable', 503],
    ['event_version_unsupported', 503],
  ])('%s -> %i', (code, status) => {
    const { status: actual, body } = toHttpError(new LedgerflowError(code, `a ${code} error`, false, { field: 'x' }));
    expect(actual).toBe(status);
    expect(body).toEqual({ code, message: `a ${code} error`, retryable: false, details: { field: 'x' } });
  });

  it('another rule of the run (run_*) or of the plan (plan_*) is a 409 conflict', () => {
    expect(toHttpError(new DomainError('run_step_not_failed', 'step is running')).status).toBe(409);
    expect(toHttpError(new ValidationError('plan_cycle', 'a -> b -> a')).status).toBe(409);
  });

  it('an unexpected error is a 500 internal_error; another known-shaped code is a 400', () => {
    expect(toHttpError(new Error('socket hang up'))).toEqual({
      status: 500,
      body: { code: 'internal_error', message: 'socket hang up', retryable: true },
    });
    expect(toHttpError(new LedgerflowError('trigger_mapping_failed', 'bad expression')).status).toBe(400);
  });

  it('a service error body forwarded as is keeps its code and status', () => {
    const body = { code: 'workflow_unknown', message: 'workflow x is not defined', retryable: false };
    expect(toHttpError(body)).toEqual({ status: 404, body });
  });

  it('a body that is not JSON is 400 message_malformed, thrown directly or wrapped by Nest', () => {
    const parser = bodyParserError('entity.parse.failed', 'Unexpected token } in JSON at position 9');
    const expected = {
      status: 400,
      body: {
        code: 'message_malformed',
        message: 'request body is not valid JSON: Unexpected token } in JSON at position 9',
        retryable: false,
      },
    };
    expect(toHttpError(parser)).toEqual(expected);
    expect(toHttpError(new BadRequestException('Bad Request', { cause: parser }))).toEqual(expected);
  });

  it('a body over the limit is 413 payload_too_large', () => {
    const parser = bodyParserError('entity.too.large', 'request entity too large');
    expect(toHttpError(new HttpException('Payload Too Large', 413, { cause: parser }))).toEqual({
      status: 413,
      body: {
        code: 'payload_too_large',
        message: 'request body exceeds the limit: request entity too large',
        retryable: false,
      },
    });
  });

  it("keeps an HttpException's status: 404 not_found, others http_error, retryable from 500 up", () => {
    expect(toHttpError(new NotFoundException('Cannot GET /v1/nothing'))).toEqual({
      status: 404,
      body: { code: 'not_found', message: 'Cannot GET /v1/nothing', retryable: false },
    });
    expect(toHttpError(new BadRequestException('nope'))).toEqual({
      status: 400,
      body: { code: 'http_error', message: 'nope', retryable: false },
    });
    expect(toHttpError(new ServiceUnavailableException('later'))).toMatchObject({
      status: 503,
      body: { code: 'http_error', retryable: true },
    });
  });

  it('an Error whose cause is not a body-parser error is mapped by its own code', () => {
    const error = new LedgerflowError('run_not_found', 'run r1 does not exist');
    Object.defineProperty(error, 'cause', { value: new Error('lookup failed') });
    expect(toHttpError(error)).toMatchObject({ status: 404, body: { code: 'run_not_found' } });
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
  ])('a thrown %s is a 500 internal_error, not a crash of the filter', (_label, thrown) => {
    expect(toHttpError(thrown)).toMatchObject({ status: 500, body: { code: 'internal_error', retryable: true } });
  });
});

describe('HttpErrorFilter', () => {
  it('answers with the status and {error: body}', () => {
    const sent: Array<{ status: number; body: unknown }> = [];
    const response = { status: (status: number) => ({ json: (body: unknown) => sent.push({ status, body }) }) };
    const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
    new HttpErrorFilter().catch(
      new DomainError('run_gate_already_decided', 'decided by alice', { decidedBy: 'alice' }),
      host,
    );
    expect(sent).toEqual([
      {
        status: 409,
        body: {
          error: {
            code: 'run_gate_already_decided',
            message: 'decided by alice',
            retryable: false,
            details: { decidedBy: 'alice' },
          },
        },
      },
    ]);
  });
});

describe('503 answers and Retry-After', () => {
  /** What the filter sent: status, headers and body. */
  function answer(filter: { catch(exception: unknown, host: ArgumentsHost): void }, exception: unknown) {
    const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
    const response = {
      setHeader: (name: string, value: string) => void (sent.headers[name.toLowerCase()] = value),
      status: (status: number) => ({ json: (body: unknown) => Object.assign(sent, { status, body }) }),
    };
    filter.catch(exception, { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost);
    return sent;
  }

  it.each([
    ['store_unavailable', '1'],
    ['nats_timeout', '1'],
    ['nats_no_responders', '1'],
    ['auth_unavailable', '1'],
  ])('a retryable %s is 503 with Retry-After: %s', (code, seconds) => {
    const sent = answer(new HttpErrorFilter(), new LedgerflowError(code, `${code} happened`, true));
    expect(sent).toEqual({
      status: 503,
      headers: { 'retry-after': seconds },
      body: { error: { code, message: `${code} happened`, retryable: true } },
    });
  });

  it('a stored event newer than this release is 503 event_version_unsupported naming it, with Retry-After: 5', () => {
    const sent = answer(new HttpErrorFilter(), new EventVersionError('StepSucceeded', 3, 2));
    expect(sent).toMatchObject({
      status: 503,
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS['event_version_unsupported']) },
      body: {
        error: {
          code: 'event_version_unsupported',
          retryable: true,
          details: { type: 'StepSucceeded', schemaVersion: 3, currentVersion: 2 },
        },
      },
    });
    expect(sent.headers['retry-after']).toBe('5');
    expect((sent.body as { error: { message: string } }).error.message).toContain(
      'this release reads StepSucceeded up to version 2',
    );
  });

  it('forwarded from another service as an error body, the same', () => {
    const forwarded = {
      code: 'event_version_unsupported',
      message: 'newer',
      retryable: true,
      details: { type: 'RunTriggered', schemaVersion: 2, currentVersion: 1 },
    };
    expect(answer(new HttpErrorFilter(), forwarded)).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
  });

  it('an HttpException 503 (retryable) gets Retry-After: 1; a 503 marked not retryable and other statuses get none', () => {
    expect(answer(new HttpErrorFilter(), new ServiceUnavailableException('later')).headers).toEqual({
      'retry-after': '1',
    });
    expect(answer(new HttpErrorFilter(), new LedgerflowError('nats_timeout', 'no reply', false))).toMatchObject({
      status: 503,
      headers: {},
    });
    expect(answer(new HttpErrorFilter(), new Error('boom'))).toMatchObject({ status: 500, headers: {} });
    expect(answer(new HttpErrorFilter(), new ValidationError('request_invalid', 'bad'))).toMatchObject({
      status: 400,
      headers: {},
    });
  });

  it('the replay endpoints answer the same header', () => {
    expect(
      answer(new ReplayErrorFilter(), new LedgerflowError('nats_no_responders', 'no planner', true)),
    ).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    expect(answer(new ReplayErrorFilter(), new LedgerflowError('checkpoint_unknown', 'no cp-9'))).toMatchObject({
      status: 404,
      headers: {},
    });
  });

  it('retryAfterOf: only a retryable 503', () => {
    expect(retryAfterOf(503, { code: 'store_unavailable', message: 'locked', retryable: true })).toBe(1);
    expect(retryAfterOf(503, { code: 'store_unavailable', message: 'locked', retryable: false })).toBeUndefined();
    expect(retryAfterOf(500, { code: 'internal_error', message: 'x', retryable: true })).toBeUndefined();
  });
});
