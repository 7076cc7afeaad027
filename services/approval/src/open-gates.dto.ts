import { IsString, Length, Matches } from 'class-validator';

/**
 * The body of `lf.approval.open-gates`: only the run. Which gates to open (steps awaiting approval, results held
 * for review), with which reviewers and SLA, approval reads from the run's events, never from the request.
 */
export class OpenGatesDto {
  @IsString()
  @Length(1, 200)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { message: 'runId must be a run id (letters, digits, ".", "_", ":", "-")' })
  runId!: string;
}
