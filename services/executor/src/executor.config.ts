import { IsOptional, IsString, Matches } from 'class-validator';
import { Env, PrivacyConfig } from '@ledgerflow/config';

/** The executor's settings: the privacy settings of every service touching PII, and where secrets come from. */
export class ExecutorConfig extends PrivacyConfig {
  /**
   * A directory of secret files, one per secret named by a workflow's `requiredSecrets` (`<dir>/<name>`; e.g. a
   * mounted Kubernetes Secret). Unset: secrets come from `LEDGERFLOW_SECRET_<name>` variables only.
   */
  @Env('LEDGERFLOW_SECRETS_DIR')
  @IsOptional()
  @IsString()
  LEDGERFLOW_SECRETS_DIR?: string;

  /**
   * This executor instance's id, recorded on the step attempts it starts (`StepStarted.executor`): unique among live
   * replicas, 1-128 characters of `A-Z a-z 0-9 _ : -`. Unset: `<hostname>:<pid>`. A stable id (e.g. a StatefulSet
   * pod's name) lets a restarted instance resume its own running attempts at once instead of after the presence TTL.
   */
  @Env('LEDGERFLOW_EXECUTOR_ID')
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_:-]{1,128}$/)
  LEDGERFLOW_EXECUTOR_ID?: string;
}
