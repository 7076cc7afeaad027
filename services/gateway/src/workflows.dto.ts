import { ApiProperty } from '@nestjs/swagger';
import type {
  Actor,
  RegisterWorkflowResult,
  WorkflowSummary,
  WorkflowVersionView,
  WorkflowView,
} from '@ledgerflow/contracts';

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
