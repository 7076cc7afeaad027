import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type {
  GoalConstraints,
  GoalRequest,
  PlanGeneratorName,
  StartGoalResult,
  ToolCatalogEntry,
  ToolCostHint,
} from '@ledgerflow/contracts';

/** A workflow id, as definitions declare it (libs/definitions, definition.schema.ts). */
const WORKFLOW_ID = /^[a-z][a-z0-9-]{0,62}$/;
/** A tool action as plans and policies name it: `<tool>.<action>`, each a NATS subject token. */
const TOOL_ACTION = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** An agent id, as definitions declare it. */
const AGENT_ID = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
/** Most steps a plan may have (docs/planning.md; the cap of every plan). */
export const MAX_GOAL_STEPS = 50;
/** Most entries of `allowedTools` or `allowedAgents`. */
const MAX_ALLOWED = 200;

/** `constraints` of `POST /v1/goals` ({@link GoalConstraints}). */
export class GoalConstraintsBody implements GoalConstraints {
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ALLOWED,
    description: 'Only these tool actions (`tool.action`); default every tool the template allows',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED)
  @IsString({ each: true })
  @Matches(TOOL_ACTION, { each: true, message: 'constraints.allowedTools items must be tool.action ([A-Za-z0-9_-]+)' })
  allowedTools?: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ALLOWED,
    description: "Only these of the template's agents; default all of them",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED)
  @IsString({ each: true })
  @Matches(AGENT_ID, { each: true, message: `constraints.allowedAgents items must match ${AGENT_ID.source}` })
  allowedAgents?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_GOAL_STEPS, description: 'At most this many steps (default 50)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_GOAL_STEPS)
  maxSteps?: number;

  @ApiPropertyOptional({
    minimum: 0,
    description: "At most this much summed cost hint (`cost.usd`) over the plan's steps, US dollars",
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  budgetUsd?: number;
}

/**
 * The body of `POST /v1/goals` ({@link GoalRequest}, docs/planning.md): a goal to plan from the tool catalog within the
 * template workflow's agents, policies and reviewers, then run.
 */
export class GoalRequestBody implements Omit<GoalRequest, 'input'> {
  @ApiProperty({ minLength: 1, maxLength: 4000, description: 'What the plan must achieve, in words' })
  @IsString()
  @Length(1, 4000)
  goal!: string;

  @ApiProperty({
    pattern: WORKFLOW_ID.source,
    description: 'The workflow whose definition supplies agents, policies, reviewers and the generator (`goal:`)',
  })
  @IsString()
  @Matches(WORKFLOW_ID, { message: `template must be a workflow id matching ${WORKFLOW_ID.source}` })
  template!: string;

  @ApiPropertyOptional({ description: "The run's input: any JSON (default {})" })
  @Allow()
  input?: unknown;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'A JSON Schema (object, `required` properties) the plan must produce',
  })
  @IsOptional()
  @IsObject()
  desiredOutputs?: Record<string, unknown>;

  @ApiPropertyOptional({ type: GoalConstraintsBody })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GoalConstraintsBody)
  constraints?: GoalConstraintsBody;

  @ApiPropertyOptional({ description: 'The same key never makes a second run (the Idempotency-Key header works too)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  idempotencyKey?: string;
}

/** `POST /v1/goals` answer (202): the run started, or found again for a repeated idempotency key. */
export class StartGoalResponse implements StartGoalResult {
  @ApiProperty() runId!: string;
  @ApiProperty({ description: 'false when the idempotency key had already started this run' }) created!: boolean;
  @ApiProperty({ enum: ['catalog', 'llm'], description: 'The generator that planned it' })
  generator!: PlanGeneratorName;
  @ApiProperty({ description: 'Steps of the generated plan' }) steps!: number;
  @ApiProperty({ description: 'Where to read the run (also the Location header)' }) location!: string;
}

export class ToolCostHintResponse implements ToolCostHint {
  @ApiPropertyOptional({ description: 'US dollars per call' }) usd?: number;
  @ApiPropertyOptional({ description: "A typical call's duration, ms" }) latencyMs?: number;
}

/** One row of `GET /v1/tools`: a tool action as its worker announced it. */
export class ToolCatalogEntryResponse implements ToolCatalogEntry {
  @ApiProperty() tool!: string;
  @ApiProperty() action!: string;
  @ApiProperty() description!: string;
  @ApiProperty({
    description: 'JSON Schema of the input; true: anything',
    oneOf: [{ type: 'object' }, { type: 'boolean' }],
  })
  inputSchema!: Record<string, unknown> | boolean;
  @ApiProperty({
    description: 'JSON Schema of the output; true: anything',
    oneOf: [{ type: 'object' }, { type: 'boolean' }],
  })
  outputSchema!: Record<string, unknown> | boolean;
  @ApiProperty({ description: 'The capability an agent needs to call it: `tool.action`' }) capability!: string;
  @ApiPropertyOptional({ type: ToolCostHintResponse }) cost?: ToolCostHintResponse;
  @ApiProperty({ description: 'The announcing worker' }) worker!: string;
  @ApiProperty({ description: 'ISO-8601 UTC: when the worker last started' }) announcedAt!: string;
}
