import { Allow, IsIn, IsString, Length, Matches } from 'class-validator';
import type { TriggerMessage, TriggerSource } from '@ledgerflow/contracts';

/** The body of `lf.planner.start-run` (see TriggerMessage in @ledgerflow/contracts). */
export class StartRunDto implements TriggerMessage {
  @IsString() @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'workflowId must match ^[a-z][a-z0-9-]{0,62}$' })
  workflowId!: string;

  @IsString() @Length(1, 200)
  idempotencyKey!: string;

  @IsIn(['api', 'webhook', 'nats'])
  source!: TriggerSource;

  @Allow()
  payload!: unknown;
}
