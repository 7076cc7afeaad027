import { IsArray, IsString } from 'class-validator';
import { CommonConfig, Env } from '@ledgerflow/config';

export class PolicyConfig extends CommonConfig {
  /** Directories of policy pack files (`*.yaml`), comma-separated. */
  @Env('LEDGERFLOW_POLICY_DIRS', { default: 'examples/claim-review/policies' })
  @IsArray()
  @IsString({ each: true })
  LEDGERFLOW_POLICY_DIRS!: string[];
}
