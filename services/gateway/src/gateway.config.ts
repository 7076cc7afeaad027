import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { WithAuthConfig } from '@ledgerflow/auth';
import { CommonConfig, Env } from '@ledgerflow/config';

/** The gateway's settings; bearer-token settings (`LEDGERFLOW_AUTH_*`) come from {@link WithAuthConfig}. */
export class GatewayConfig extends WithAuthConfig(CommonConfig) {
  @Env('LEDGERFLOW_GATEWAY_PORT', { default: '8080' })
  @IsInt()
  @Min(0)
  @Max(65535)
  LEDGERFLOW_GATEWAY_PORT!: number;

  @Env('LEDGERFLOW_GATEWAY_HOST', { default: '127.0.0.1' })
  @IsString()
  LEDGERFLOW_GATEWAY_HOST!: string;

  /**
   * Path of the webhook secrets file (YAML or JSON: workflow id -> scheme and secret; docs/operations.md,
   * "Webhook signatures"). Unset: every webhook is refused with 401 `webhook_not_configured`.
   */
  @Env('LEDGERFLOW_WEBHOOK_SECRETS_FILE')
  @IsOptional()
  @IsString()
  LEDGERFLOW_WEBHOOK_SECRETS_FILE?: string;

  /** Directory of the console build served at `/console` (docs/console.md); default `services/console/dist`. */
  @Env('LEDGERFLOW_CONSOLE_DIR')
  @IsOptional()
  @IsString()
  LEDGERFLOW_CONSOLE_DIR?: string;

  /**
   * Base URL of the Jaeger UI holding the services' traces (e.g. `http://127.0.0.1:16686`). Set: the console links a
   * run's trace id to `<url>/trace/<traceId>` (docs/console.md). Unset: the console shows the trace id only.
   */
  @Env('LEDGERFLOW_JAEGER_URL')
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  LEDGERFLOW_JAEGER_URL?: string;

  /**
   * Outbound webhooks: delays before the 2nd, 3rd, ... attempt of a delivery, in ms (comma-separated); a failure
   * after the last is dead-lettered. Default 5 s, 30 s, 2 min, 10 min, 30 min, 2 h (7 attempts over ~2.7 h).
   */
  @Env('LEDGERFLOW_WEBHOOK_RETRY_DELAYS_MS', { default: '5000,30000,120000,600000,1800000,7200000' })
  @IsArray()
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(86_400_000, { each: true })
  LEDGERFLOW_WEBHOOK_RETRY_DELAYS_MS!: number[];

  /** Outbound webhooks: how long one attempt may take, in ms (default 10000). */
  @Env('LEDGERFLOW_WEBHOOK_TIMEOUT_MS', { default: '10000' })
  @IsInt()
  @Min(100)
  @Max(120_000)
  LEDGERFLOW_WEBHOOK_TIMEOUT_MS!: number;

  /** Outbound webhooks: attempts in flight at once per gateway (default 16; at most 4 per subscription). */
  @Env('LEDGERFLOW_WEBHOOK_CONCURRENCY', { default: '16' })
  @IsInt()
  @Min(1)
  @Max(256)
  LEDGERFLOW_WEBHOOK_CONCURRENCY!: number;

  /**
   * Outbound webhooks: how often a gateway reads the subscriptions from the store, in ms (default 1000, 10 .. 60000).
   * A gateway consumes run events only while some subscription is live; one made or deleted on another replica
   * is noticed within this long (one made through this gateway at once). No event is lost meanwhile.
   */
  @Env('LEDGERFLOW_WEBHOOK_WATCH_MS', { default: '1000' })
  @IsInt()
  @Min(10)
  @Max(60_000)
  LEDGERFLOW_WEBHOOK_WATCH_MS!: number;

  /** Outbound webhooks: allow loopback and private targets (default false: refused when subscribing and at each delivery). */
  @Env('LEDGERFLOW_WEBHOOK_ALLOW_PRIVATE', { default: 'false' })
  @IsBoolean()
  LEDGERFLOW_WEBHOOK_ALLOW_PRIVATE!: boolean;

  /**
   * Milliseconds between two heartbeats (an SSE comment line) on an idle update stream (`GET /v1/runs/{id}/stream`,
   * `GET /v1/stream`), so proxies that close quiet connections keep it open. Default 15 s (10 ms .. 1 h).
   */
  @Env('LEDGERFLOW_STREAM_HEARTBEAT_MS', { default: '15000' })
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  LEDGERFLOW_STREAM_HEARTBEAT_MS!: number;

  /**
   * Open update streams one gateway process serves at once; one more is refused with 503 `stream_limit_reached`
   * (retryable, `Retry-After`). Default 1000 (1 .. 100000).
   */
  @Env('LEDGERFLOW_STREAM_MAX_CONNECTIONS', { default: '1000' })
  @IsInt()
  @Min(1)
  @Max(100_000)
  LEDGERFLOW_STREAM_MAX_CONNECTIONS!: number;
}
