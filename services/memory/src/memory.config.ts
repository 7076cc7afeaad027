import { IsInt, IsString, Max, Min } from 'class-validator';
import { WithAuthConfig } from '@ledgerflow/auth';
import { CommonConfig, Env } from '@ledgerflow/config';

/**
 * The memory service's settings (docs/memory.md); `LEDGERFLOW_AUTH_*` verify the token the gateway forwards with a
 * recommendation's decision or a golden-set result (the same settings as the gateway's).
 */
export class MemoryConfig extends WithAuthConfig(CommonConfig) {
  /** SQLite file of memory's own projections (rebuilt from the event store when missing). */
  @Env('LEDGERFLOW_MEMORY_PATH', { default: '.data/memory.db' })
  @IsString()
  LEDGERFLOW_MEMORY_PATH!: string;

  /**
   * Runs compared before and after an applied recommendation: its impact is measured (`RecommendationImpactMeasured`)
   * once this many runs ended after it, over them and the same number that ended just before it; 1..1000.
   */
  @Env('LEDGERFLOW_MEMORY_IMPACT_RUNS', { default: '10' })
  @IsInt()
  @Min(1)
  @Max(1000)
  LEDGERFLOW_MEMORY_IMPACT_RUNS!: number;
}
