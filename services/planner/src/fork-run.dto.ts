import { IsString, Matches } from 'class-validator';

/** The body of `lf.planner.fork-run`: the origin run and the checkpoint to fork at (`cp-<n>`). */
export class ForkRunDto {
  @IsString() @Matches(/^[A-Za-z0-9-]{1,80}$/, { message: 'runId must be a run id' })
  runId!: string;

  @IsString() @Matches(/^cp-[1-9][0-9]{0,5}$/, { message: 'at must be a checkpoint id like cp-3' })
  at!: string;
}
