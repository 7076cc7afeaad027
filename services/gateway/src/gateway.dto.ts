import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, IsString, Length, ValidateNested } from 'class-validator';

export class StartRunBody {
  @ApiProperty({
    description: "The run input; validated against the workflow's inputSchema",
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  input!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'The same key never makes a second run (the Idempotency-Key header works too)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  idempotencyKey?: string;
}

/** A reviewer's plan revision from the gated step on (the approval service validates the steps in detail). */
export class GateRevisionBody {
  @ApiProperty({
    description:
      'Steps to add: {id, tool, action, agent, dependsOn?, input?, name?, retry?, timeoutMs?, optional?, policyTags?}; defaults: one attempt, 30 s timeout',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  @IsArray()
  @ArrayMaxSize(50)
  @IsObject({ each: true })
  addSteps!: Array<Record<string, unknown>>;

  @ApiProperty({
    description:
      'Not-started steps after the gated one to remove (the gated step itself is removed by a redirect of an approval gate)',
    type: [String],
  })
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  removeStepIds!: string[];
}

export class GateDecisionBody {
  @ApiProperty({ enum: ['approve', 'reject', 'redirect'], description: 'redirect needs `revision`' })
  @IsIn(['approve', 'reject', 'redirect'])
  outcome!: 'approve' | 'reject' | 'redirect';

  @ApiPropertyOptional({ maxLength: 2000, description: 'Recorded with the decision; the reason of a redirect' })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  comment?: string;

  @ApiPropertyOptional({ type: GateRevisionBody })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GateRevisionBody)
  revision?: GateRevisionBody;

  @ApiPropertyOptional({
    description:
      "Approve on a confidence gate only: the corrected output, recorded as ground truth and read by the step's dependants",
  })
  @IsOptional()
  correctedOutput?: unknown;
}

export class GateDecisionResponse {
  @ApiProperty() gateId!: string;
  @ApiProperty() runId!: string;
  @ApiProperty({ enum: ['approved', 'rejected', 'redirected'] }) outcome!: 'approved' | 'rejected' | 'redirected';
}

export class StartRunResponse {
  @ApiProperty() runId!: string;
  @ApiProperty({ description: 'false when the idempotency key had already started this run' }) created!: boolean;
  @ApiProperty({ description: 'Where to read the run' }) location!: string;
}
