import { Catch } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { sendHttpError, toHttpError } from './http-error.filter.js';
import type { ErrorResponse } from './http-error.filter.js';

/** Codes of the replay endpoints and their HTTP status (the rest as the gateway's `HttpErrorFilter` maps them). */
const REPLAY_STATUS: Record<string, number> = {
  checkpoint_unknown: 404,
  run_fork_origin_not_started: 409,
  run_fork_origin_mismatch: 409,
};

/** `{ error: {...} }` like `HttpErrorFilter`, with `checkpoint_unknown` as 404. Scoped to `ReplayController`. */
@Catch()
export class ReplayErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = toHttpError(exception);
    sendHttpError(host.switchToHttp().getResponse<ErrorResponse>(), REPLAY_STATUS[body.code] ?? status, body);
  }
}
