import { ValidationError } from '@ledgerflow/domain';
import { StoreErrorCodes } from './errors.js';

/**
 * @throws ValidationError (`store_invalid_checkpoint`) when `name` is not a non-empty string or
 *   `position` is not an integer >= 0.
 */
export function validateCheckpoint(name: string, position: number): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError(StoreErrorCodes.INVALID_CHECKPOINT, 'name must be a non-empty string', {
      field: 'name',
      rule: 'non-empty',
    });
  }
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new ValidationError(
      StoreErrorCodes.INVALID_CHECKPOINT,
      `position must be an integer >= 0, got ${String(position)}`,
      {
        field: 'position',
        rule: 'integer >= 0',
      },
    );
  }
}
