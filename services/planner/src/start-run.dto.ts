import { ForwardedCallerDto } from '@ledgerflow/service-runtime';
import { Type } from 'class-transformer';
import { Allow, IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { EVALUATION_TAG_PATTERN } from '@ledgerflow/domain';
import type { EvaluationTag, TriggerMessage, TriggerSource } from '@ledgerflow/contracts';

const TAG_RULE = 'must be 1..128 characters of [A-Za-z0-9._:-]';

/** `evaluation` of a start-run request: the golden set and case an evaluation run (`ledgerflow eval`) belongs to. */
export class EvaluationTagDto implements EvaluationTag {
  @IsString()
  @Matches(EVALUATION_TAG_PATTERN, { message: `evaluation.goldenSet ${TAG_RULE}` })
  goldenSet!: string;

  @IsString()
  @Matches(EVALUATION_TAG_PATTERN, { message: `evaluation.caseId ${TAG_RULE}` })
  caseId!: string;
}

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

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EvaluationTagDto)
  evaluation?: EvaluationTagDto;
}
