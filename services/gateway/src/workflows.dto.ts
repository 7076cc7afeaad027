import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { EVALUATION_TAG_PATTERN } from '@ledgerflow/domain';
import type {
  Actor,
  EvaluationTag,
  RegisterWorkflowResult,
  WorkflowSummary,
  WorkflowVersionView,
  WorkflowView,
} from '@ledgerflow/contracts';
import { StartRunBody } from './gateway.dto.js';

const TAG_RULE = 'must be 1..128 characters of [A-Za-z0-9._:-]';

/** `evaluation` of `POST /v1/workflows/{id}/runs`: the golden set and case of an evaluation run (`ledgerflow eval`). */
export class EvaluationTagBody implements EvaluationTag {
  @ApiProperty({ description: 'The golden set the case belongs to', pattern: EVALUATION_TAG_PATTERN.source })
  @IsString()
  @Matches(EVALUATION_TAG_PATTERN, { message: `evaluation.goldenSet ${TAG_RULE}` })
  goldenSet!: string;

  @ApiProperty({ description: 'The case within the golden set', pattern: EVALUATION_TAG_PATTERN.source })
  @IsString()
  @Matches(EVALUATION_TAG_PATTERN, { message: `evaluation.caseId ${TAG_RULE}` })
  caseId!: string;
}

/**
 * The body of `POST /v1/workflows/{id}/runs`: the run input and idempotency key ({@link StartRunBody}), and for an
 * evaluation run its golden set and case, recorded as `RunTriggered.evaluation` (kept out of memory's production
 * statistics).
 */
export class StartRunRequestBody extends StartRunBody {
  @ApiPropertyOptional({
    type: EvaluationTagBody,
    description: 'Tags an evaluation run of a golden set: recorded as RunTriggered.evaluation',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EvaluationTagBody)
  evaluation?: EvaluationTagBody;
}

/** `PUT /v1/workflows/{id}` answer (201 created, 200 the same version and digest were registered already). */
export class RegisterWorkflowResponse implements RegisterWorkflowResult {
  @ApiProperty() workflowId!: string;
  @ApiProperty({ description: 'Semantic version, as the definition declares it' }) version!: string;
  @ApiProperty({ description: 'sha256:<64 hex> over the canonical JSON of the definition document' }) digest!: string;
  @ApiProperty({ description: 'false: this version with this digest was registered already; nothing was appended' })
  created!: boolean;
}

/** One row of `GET /v1/workflows`. */
export class WorkflowSummaryResponse implements WorkflowSummary {
  @ApiProperty() workflowId!: string;
  @ApiProperty({ description: "The latest version's title" }) title!: string;
  @ApiProperty({ description: 'Highest version by semver precedence: the one a new run starts on' })
  latestVersion!: string;
  @ApiProperty() versionCount!: number;
}

export class WorkflowVersionResponse implements WorkflowVersionView {
  @ApiProperty() version!: string;
  @ApiProperty() digest!: string;
  @ApiProperty({ enum: ['api', 'directory'] }) source!: 'api' | 'directory';
  @ApiProperty({ description: 'Commit time in the event store, ISO-8601 UTC' }) registeredAt!: string;
  @ApiProperty({ description: '{kind, id}: the caller of the API, or the planner for a directory file' })
  registeredBy!: Actor;
  @ApiProperty() title!: string;
}

/** `GET /v1/workflows/{id}`: versions newest first. */
export class WorkflowResponse implements WorkflowView {
  @ApiProperty() workflowId!: string;
  @ApiProperty() title!: string;
  @ApiProperty() latestVersion!: string;
  @ApiProperty({ type: [WorkflowVersionResponse] }) versions!: WorkflowVersionResponse[];
  @ApiProperty({
    description: "The latest version's inputSchema (JSON Schema, as written; true when the definition declares none)",
  })
  inputSchema!: unknown;
}
