import { ForwardedCallerDto } from '@ledgerflow/service-runtime';
import { Type } from 'class-transformer';
import {
  Allow,
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
import type { GoalConstraints, StartGoalRequest } from '@ledgerflow/contracts';

/** `constraints` of a goal (GoalConstraints): allowed `tool.action`s and agents, 1..50 steps, a budget in US dollars. */
export class GoalConstraintsDto implements GoalConstraints {
  @IsOptional() @IsArray() @IsString({ each: true }) allowedTools?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) allowedAgents?: string[];
  @IsOptional() @IsInt() @Min(1) @Max(50) maxSteps?: number;
  @IsOptional() @IsNumber() @Min(0) budgetUsd?: number;
}

/**
 * The body of `lf.planner.start-goal` (StartGoalRequest in @ledgerflow/contracts): the template's workflow id, the goal
 * text (1..4000 characters), the input, optional desired outputs (a JSON Schema object) and constraints, an optional
 * idempotency key (1..200), with the caller the gateway authenticated (`token` or `serviceAccount`).
 */
export class StartGoalDto extends ForwardedCallerDto implements StartGoalRequest {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'template must match ^[a-z][a-z0-9-]{0,62}$' })
  template!: string;

  @IsString() @Length(1, 4000) goal!: string;

  @Allow() input!: unknown;

  @IsOptional() @IsObject() desiredOutputs?: Record<string, unknown>;

  @IsOptional() @IsObject() @ValidateNested() @Type(() => GoalConstraintsDto) constraints?: GoalConstraintsDto;

  @IsOptional() @IsString() @Length(1, 200) idempotencyKey?: string;
}
