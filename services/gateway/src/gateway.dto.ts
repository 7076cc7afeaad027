import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Length } from 'class-validator';

export class StartRunBody {
  @ApiProperty({ description: "The run input; validated against the workflow's inputSchema", type: 'object', additionalProperties: true })
  @IsObject()
  input!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'The same key never makes a second run (the Idempotency-Key header works too)' })
  @IsOptional() @IsString() @Length(1, 200)
  idempotencyKey?: string;
}

export class GateDecisionBody {
  @ApiProperty({ enum: ['approve', 'reject'] })
  @IsIn(['approve', 'reject'])
  outcome!: 'approve' | 'reject';

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @Length(0, 2000)
  comment?: string;
}

export class StartRunResponse {
  @ApiProperty() runId!: string;
  @ApiProperty({ description: 'false when the idempotency key had already started this run' }) created!: boolean;
  @ApiProperty({ description: 'Where to read the run' }) location!: string;
}
