import { ValidationError } from '@ledgerflow/domain';

/**
 * The cursor of a labels page (`MemoryLabelsPage.next`): opaque to callers; base64url of `labels:<seq>`, `seq` being
 * the last label's row key (the store position of its `GateDecided`).
 */
export function encodeLabelsCursor(seq: number): string {
  return Buffer.from(`labels:${seq}`, 'utf8').toString('base64url');
}

/**
 * The row key a cursor encodes.
 * @throws ValidationError `request_invalid` (not retryable) for a string {@link encodeLabelsCursor} did not make.
 */
export function decodeLabelsCursor(cursor: string): number {
  const match = /^labels:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || encodeLabelsCursor(Number(match[1])) !== cursor)
    throw new ValidationError('request_invalid', 'invalid request: after: not a cursor of this listing', {
      violations: [{ field: 'after', rule: 'cursor', message: 'after must be the `next` of a previous page' }],
    });
  return Number(match[1]);
}
