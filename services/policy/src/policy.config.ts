import { IsArray, IsInt, IsString, Max, Min } from 'class-validator';
import { WithAuthConfig } from '@ledgerflow/auth';
import { CommonConfig, Env } from '@ledgerflow/config';
import { IsEd25519PrivateKey } from './grant-key.js';

/**
 * The policy service's settings: pack directories, the grant signing key, and `LEDGERFLOW_AUTH_*` to verify the
 * token the gateway forwards with a pack version (`lf.policy.register-pack`; the same settings as the gateway's).
 */
export class PolicyConfig extends WithAuthConfig(CommonConfig) {
  /** Directories of policy packs (`*.cedar`, `<id>@<version>.yaml`), comma-separated; registered as versions at start. */
  @Env('LEDGERFLOW_POLICY_DIRS', { default: 'examples/claim-review/policies' })
  @IsArray()
  @IsString({ each: true })
  LEDGERFLOW_POLICY_DIRS!: string[];

  /** Ed25519 private key (PKCS#8 PEM; `\n` escapes allowed) that signs step grants. Required; never logged. */
  @Env('LEDGERFLOW_GRANT_SIGNING_KEY')
  @IsString()
  @IsEd25519PrivateKey()
  LEDGERFLOW_GRANT_SIGNING_KEY!: string;

  /** Lifetime of a grant in seconds (1..3600), default 300 (`DEFAULT_GRANT_TTL_SECONDS`). */
  @Env('LEDGERFLOW_GRANT_TTL_SECONDS', { default: '300' }) // DEFAULT_GRANT_TTL_SECONDS
  @IsInt()
  @Min(1)
  @Max(3600)
  LEDGERFLOW_GRANT_TTL_SECONDS!: number;
}
