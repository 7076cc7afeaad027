import { Catch } from '@nestjs/common';
import type { ExceptionFilter } from '@nestjs/common';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { toErrorBody } from '@ledgerflow/messaging';

/** Sends every exception thrown by an RPC handler back as an `ErrorBody` (see JsonReplySerializer). */
@Catch()
export class RpcErrorFilter implements ExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => toErrorBody(exception));
  }
}
