import { Allow, IsIn, IsString, Length, Matches } from 'class-validator';
import type { TriggerMessage, TriggerSource } from '@ledgerflow/contracts';
import { ForwardedCallerDto } from './forwarded-caller.js';

/**
 * The body of `lf.planner.start-run` (see TriggerMessage in @ledgerflow/contracts), with the caller the gateway
 * authenticated (`token` or `serviceAccount`, see {@link ForwardedCallerDto}); a webhook delivery has neither.
 */
export class StartRunDto extends ForwardedCallerDto implements TriggerMessage {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'workflowId must match ^[a-z][a-z0-9-]{0,62}$' })
  workflowId!: string;

  @IsString()
  @Length(1, 200)
  idempotencyKey!: string;

  @IsIn(['api', 'webhook', 'nats'])
  source!: TriggerSource;

  @Allow()
  payload!: unknown;
}
