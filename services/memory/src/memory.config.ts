import { IsString } from 'class-validator';
import { CommonConfig, Env } from '@ledgerflow/config';

export class MemoryConfig extends CommonConfig {
  /** SQLite file of memory's own projections. */
  @Env('LEDGERFLOW_MEMORY_PATH', { default: '.data/memory.db' })
  @IsString()
  LEDGERFLOW_MEMORY_PATH!: string;
}
