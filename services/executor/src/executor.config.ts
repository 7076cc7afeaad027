import { IsOptional, IsString } from 'class-validator';
import { Env, PrivacyConfig } from '@ledgerflow/config';

/** The executor's settings: the privacy settings of every service touching PII, and where secrets come from. */
export class ExecutorConfig extends PrivacyConfig {
  /**
   * A directory of secret files, one per secret named by a workflow's `requiredSecrets` (`<dir>/<name>`; e.g. a
   * mounted Kubernetes Secret). Unset: secrets come from `LEDGERFLOW_SECRET_<name>` variables only.
   */
  @Env('LEDGERFLOW_SECRETS_DIR')
  @IsOptional() @IsString()
  LEDGERFLOW_SECRETS_DIR?: string;
}
