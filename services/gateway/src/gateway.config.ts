import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { WithAuthConfig } from '@ledgerflow/auth';
import { CommonConfig, Env } from '@ledgerflow/config';

/** The gateway's settings; bearer-token settings (`LEDGERFLOW_AUTH_*`) come from {@link WithAuthConfig}. */
export class GatewayConfig extends WithAuthConfig(CommonConfig) {
  @Env('LEDGERFLOW_GATEWAY_PORT', { default: '8080' })
  @IsInt() @Min(0) @Max(65535)
  LEDGERFLOW_GATEWAY_PORT!: number;

  @Env('LEDGERFLOW_GATEWAY_HOST', { default: '127.0.0.1' })
  @IsString()
  LEDGERFLOW_GATEWAY_HOST!: string;

  /**
   * Path of the webhook secrets file (YAML or JSON: workflow id -> scheme and secret; docs/operations.md,
   * "Webhook signatures"). Unset: every webhook is refused with 401 `webhook_not_configured`.
   */
  @Env('LEDGERFLOW_WEBHOOK_SECRETS_FILE')
  @IsOptional() @IsString()
  LEDGERFLOW_WEBHOOK_SECRETS_FILE?: string;
}
