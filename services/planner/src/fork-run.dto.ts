import { ForwardedCallerDto } from '@ledgerflow/service-runtime';
import { IsString, Matches } from 'class-validator';

/**
 * The body of `lf.planner.fork-run`: the origin run and the checkpoint to fork at (`cp-<n>`), with the caller the
 * gateway authenticated (`token` or `serviceAccount`, see {@link ForwardedCallerDto}).
 */
export class ForkRunDto extends ForwardedCallerDto {
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,80}$/, { message: 'runId must be a run id' })
  runId!: string;

  @IsString()
  @Matches(/^cp-[1-9][0-9]{0,5}$/, { message: 'at must be a checkpoint id like cp-3' })
  at!: string;
}
