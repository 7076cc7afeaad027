import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { CommonConfig, Env } from '@ledgerflow/config';

export class GatewayConfig extends CommonConfig {
  @Env('LEDGERFLOW_GATEWAY_PORT', { default: '8080' })
  @IsInt() @Min(0) @Max(65535)
  LEDGERFLOW_GATEWAY_PORT!: number;

  @Env('LEDGERFLOW_GATEWAY_HOST', { default: '127.0.0.1' })
  @IsString()
  LEDGERFLOW_GATEWAY_HOST!: string;

  /** HMAC key (HS256) that signs reviewer bearer tokens; at least 32 characters. */
  @Env('LEDGERFLOW_AUTH_SECRET')
  @IsString() @MinLength(32)
  LEDGERFLOW_AUTH_SECRET!: string;

  /** Expected `iss` claim of reviewer tokens. */
  @Env('LEDGERFLOW_AUTH_ISSUER', { default: 'ledgerflow' })
  @IsString()
  LEDGERFLOW_AUTH_ISSUER!: string;
}
