import 'reflect-metadata';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { Env } from '@ledgerflow/config';

/**
 * Where a service serves `/healthz` and `/readyz` besides its own HTTP port (docs/operations.md, "Health
 * endpoints"). Read by `startService` for every service, beside the service's own config class.
 */
export class HealthConfig {
  /**
   * Port of the health listener (0..65535; 0: a free port the system picks, announced on stdout as
   * `ledgerflow:health <service> <url>`); unset: no listener (the gateway still answers on its HTTP port).
   * Kubernetes and compose set 8081 on every service pod.
   */
  @Env('LEDGERFLOW_HEALTH_PORT')
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  LEDGERFLOW_HEALTH_PORT?: number;

  /** Interface the health listener binds (default 127.0.0.1; `0.0.0.0` in a pod, so the kubelet reaches it). */
  @Env('LEDGERFLOW_HEALTH_HOST', { default: '127.0.0.1' })
  @IsString()
  @IsNotEmpty()
  LEDGERFLOW_HEALTH_HOST!: string;
}
