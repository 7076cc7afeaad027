import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import type { DecideGateRequest } from '@ledgerflow/contracts';

class ActorDto {
  @IsIn(['service', 'human', 'agent', 'system']) kind!: 'service' | 'human' | 'agent' | 'system';
  @IsString() @Length(1, 200) id!: string;
}

/** The body of `lf.approval.decide-gate` (see DecideGateRequest in @ledgerflow/contracts). */
export class DecideGateDto implements DecideGateRequest {
  @IsString() @Matches(/^[^.\s]+\.[a-z][a-z0-9_-]{0,62}$/, { message: 'gateId must be <runId>.<stepId>' })
  gateId!: string;

  @IsDefined() @IsObject() @ValidateNested() @Type(() => ActorDto)
  reviewer!: ActorDto;

  @IsIn(['approve', 'reject'])
  outcome!: 'approve' | 'reject';

  @IsOptional() @IsString() @Length(0, 2000)
  comment?: string;
}
