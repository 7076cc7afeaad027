import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { WithAuthConfig } from '@ledgerflow/auth';
import { CommonConfig, Env } from '@ledgerflow/config';

const URL_RULE = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * The approval service's settings (README, "Configuration"; docs/operations.md, "Gates"); `LEDGERFLOW_AUTH_*`
 * verify the reviewers' tokens the gateway forwards (the same settings as the gateway's).
 */
export class ApprovalConfig extends WithAuthConfig(CommonConfig) {
  /** Where gate notifications are POSTed (JSON); unset: no notifications. */
  @Env('LEDGERFLOW_NOTIFY_WEBHOOK_URL')
  @IsOptional()
  @IsUrl(URL_RULE)
  LEDGERFLOW_NOTIFY_WEBHOOK_URL?: string;

  /** Attempts per notification before it is given up (logged); 1..20. */
  @Env('LEDGERFLOW_NOTIFY_MAX_ATTEMPTS', { default: '5' })
  @IsInt()
  @Min(1)
  @Max(20)
  LEDGERFLOW_NOTIFY_MAX_ATTEMPTS!: number;

  /** Delay before the first retry, in ms; doubled for each further one (capped at 30 s). */
  @Env('LEDGERFLOW_NOTIFY_BACKOFF_MS', { default: '500' })
  @IsInt()
  @Min(0)
  @Max(60_000)
  LEDGERFLOW_NOTIFY_BACKOFF_MS!: number;

  /** Time limit of one notification request, in ms. */
  @Env('LEDGERFLOW_NOTIFY_TIMEOUT_MS', { default: '5000' })
  @IsInt()
  @Min(100)
  @Max(60_000)
  LEDGERFLOW_NOTIFY_TIMEOUT_MS!: number;

  /** Base URL of the gateway as reviewers reach it; notifications link to `<url>/v1/gates/<gateId>`. */
  @Env('LEDGERFLOW_PUBLIC_URL', { default: 'http://127.0.0.1:8080' })
  @IsUrl(URL_RULE)
  LEDGERFLOW_PUBLIC_URL!: string;

  /** Reviewers of confidence gates when neither the step nor the workflow names any, comma-separated entries. */
  @Env('LEDGERFLOW_CONFIDENCE_REVIEWERS', { default: 'role:reviewer', type: 'list' })
  @IsString({ each: true })
  @Matches(/^((user|role|team):)?[^:\s]+$/, {
    each: true,
    message: 'each entry must be user:<id>, role:<role>, team:<team> or a bare id',
  })
  LEDGERFLOW_CONFIDENCE_REVIEWERS!: string[];

  /** SLA of those default confidence gates, in seconds; unset: none. */
  @Env('LEDGERFLOW_CONFIDENCE_SLA_SECONDS')
  @IsOptional()
  @IsInt()
  @Min(0)
  LEDGERFLOW_CONFIDENCE_SLA_SECONDS?: number;
}
