import 'reflect-metadata';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { LedgerflowError } from '@ledgerflow/domain';
import { CommonConfig } from './common.config.js';
import { ConfigError } from './config-error.js';
import { Env } from './env.decorator.js';
import { loadConfig } from './load-config.js';

class SampleConfig extends CommonConfig {
  @Env('SAMPLE_WORKERS', { default: '4' })
  @IsInt()
  @Min(1)
  @Max(64)
  SAMPLE_WORKERS!: number;

  @Env('SAMPLE_DRY_RUN', { default: 'false' })
  @IsBoolean()
  SAMPLE_DRY_RUN!: boolean;

  @Env('SAMPLE_RETRY_DELAYS_MS', { default: '100,1000' })
  @IsInt({ each: true })
  @Min(0, { each: true })
  SAMPLE_RETRY_DELAYS_MS!: number[];

  @Env('LEDGERFLOW_GRANT_SIGNING_KEY')
  @IsString()
  @MinLength(32)
  LEDGERFLOW_GRANT_SIGNING_KEY!: string;

  @Env('SAMPLE_API_TOKEN')
  @IsOptional()
  @MinLength(10)
  SAMPLE_API_TOKEN?: string;

  /** Not bound to a variable: loadConfig leaves it alone. */
  readonly startedBy = 'test';
}

const KEY = 'k'.repeat(32);

function issuesOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the defaults of CommonConfig', () => {
    const config = loadConfig(CommonConfig, {});
    expect(config).toMatchObject({
      NATS_URL: 'nats://127.0.0.1:4222',
      LEDGERFLOW_STORE: 'sqlite',
      LEDGERFLOW_SQLITE_PATH: '.data/ledgerflow.db',
      LEDGERFLOW_SQLITE_SYNCHRONOUS: 'FULL',
      LEDGERFLOW_DEFINITIONS_DIR: ['examples/claim-review/workflows'],
      LEDGERFLOW_LOG_LEVEL: 'info',
      LEDGERFLOW_METRICS_HOST: '127.0.0.1',
    });
    expect(config).toBeInstanceOf(CommonConfig);
    expect(config.LEDGERFLOW_METRICS_PORT).toBeUndefined();
    expect(config.EVENTSTORE_CONNECTION_STRING).toBeUndefined();
  });

  it('converts numbers, booleans and comma lists, and treats an empty variable as unset', () => {
    const config = loadConfig(SampleConfig, {
      LEDGERFLOW_GRANT_SIGNING_KEY: KEY,
      LEDGERFLOW_METRICS_PORT: '9464',
      SAMPLE_WORKERS: ' 8 ',
      SAMPLE_DRY_RUN: 'YES',
      SAMPLE_RETRY_DELAYS_MS: '50, 500,,5000',
      LEDGERFLOW_DEFINITIONS_DIR: 'defs/a, defs/b',
      NATS_URL: '',
    });
    expect(config.LEDGERFLOW_METRICS_PORT).toBe(9464);
    expect(config.SAMPLE_WORKERS).toBe(8);
    expect(config.SAMPLE_DRY_RUN).toBe(true);
    expect(config.SAMPLE_RETRY_DELAYS_MS).toEqual([50, 500, 5000]);
    expect(config.LEDGERFLOW_DEFINITIONS_DIR).toEqual(['defs/a', 'defs/b']);
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.startedBy).toBe('test');
    expect(loadConfig(SampleConfig, { LEDGERFLOW_GRANT_SIGNING_KEY: KEY }).SAMPLE_RETRY_DELAYS_MS).toEqual([100, 1000]);
  });

  it('accepts a list of NATS servers and the eventstoredb store with its connection string', () => {
    const config = loadConfig(CommonConfig, {
      NATS_URL: 'nats://n1:4222,nats://n2:4222',
      LEDGERFLOW_STORE: 'eventstoredb',
      EVENTSTORE_CONNECTION_STRING: 'esdb+discover://es1:2113?tls=false',
    });
    expect(config.LEDGERFLOW_STORE).toBe('eventstoredb');
    expect(config.EVENTSTORE_CONNECTION_STRING).toBe('esdb+discover://es1:2113?tls=false');
  });

  it('names every bad variable with its rule and value, in one error', () => {
    const error = issuesOf(() =>
      loadConfig(SampleConfig, {
        LEDGERFLOW_GRANT_SIGNING_KEY: KEY,
        NATS_URL: 'http://not nats',
        LEDGERFLOW_STORE: 'postgres',
        LEDGERFLOW_SQLITE_SYNCHRONOUS: 'OFF',
        LEDGERFLOW_LOG_LEVEL: 'verbose',
        LEDGERFLOW_METRICS_PORT: '70000',
        SAMPLE_WORKERS: 'many',
        SAMPLE_DRY_RUN: 'maybe',
        SAMPLE_RETRY_DELAYS_MS: '10,x',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      }),
    );
    expect(error).toBeInstanceOf(LedgerflowError);
    expect(error.code).toBe('config_invalid');
    expect(error.retryable).toBe(false);
    const byVariable = Object.fromEntries(error.issues.map((i) => [i.variable, i]));
    expect(Object.keys(byVariable).sort()).toEqual([
      'LEDGERFLOW_LOG_LEVEL',
      'LEDGERFLOW_METRICS_PORT',
      'LEDGERFLOW_SQLITE_SYNCHRONOUS',
      'LEDGERFLOW_STORE',
      'NATS_URL',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'SAMPLE_DRY_RUN',
      'SAMPLE_RETRY_DELAYS_MS',
      'SAMPLE_WORKERS',
    ]);
    expect(byVariable.LEDGERFLOW_METRICS_PORT).toEqual({
      variable: 'LEDGERFLOW_METRICS_PORT',
      rule: 'max',
      message: 'must not be greater than 65535',
      value: '"70000"',
    });
    expect(byVariable.LEDGERFLOW_STORE).toMatchObject({ rule: 'isIn', value: '"postgres"' });
    expect(byVariable.LEDGERFLOW_STORE?.message).toContain('sqlite, eventstoredb, memory');
    expect(byVariable.SAMPLE_WORKERS).toMatchObject({ rule: 'number', value: '"many"' });
    expect(byVariable.SAMPLE_DRY_RUN).toMatchObject({ rule: 'boolean', value: '"maybe"' });
    expect(byVariable.SAMPLE_RETRY_DELAYS_MS).toMatchObject({
      rule: 'number',
      message: expect.stringContaining('"x"'),
    });
    expect(byVariable.OTEL_EXPORTER_OTLP_ENDPOINT).toMatchObject({ rule: 'isUrl' });
    for (const issue of error.issues) {
      expect(error.message).toContain(`- ${issue.variable}: ${issue.message} (rule ${issue.rule}; got ${issue.value})`);
    }
    expect(error.message).toMatch(/^Invalid SampleConfig: 9 problems\n/);
  });

  it('reports a required variable that is unset', () => {
    const error = issuesOf(() => loadConfig(SampleConfig, {}));
    expect(error.issues).toEqual([
      {
        variable: 'LEDGERFLOW_GRANT_SIGNING_KEY',
        rule: 'required',
        message: 'is required (unset, and no default)',
        value: '(unset)',
      },
    ]);
    expect(error.message).toContain(
      '- LEDGERFLOW_GRANT_SIGNING_KEY: is required (unset, and no default) (rule required; got (unset))',
    );
  });

  it('requires EVENTSTORE_CONNECTION_STRING when LEDGERFLOW_STORE=eventstoredb, and only then', () => {
    const error = issuesOf(() => loadConfig(CommonConfig, { LEDGERFLOW_STORE: 'eventstoredb' }));
    expect(error.issues).toEqual([
      {
        variable: 'EVENTSTORE_CONNECTION_STRING',
        rule: 'requiredWhen',
        message: 'is required when LEDGERFLOW_STORE=eventstoredb',
        value: '(unset)',
      },
    ]);
    expect(() => loadConfig(CommonConfig, { LEDGERFLOW_STORE: 'sqlite' })).not.toThrow();
    const malformed = issuesOf(() =>
      loadConfig(CommonConfig, { EVENTSTORE_CONNECTION_STRING: 'http://admin:changeit@es:2113' }),
    );
    expect(malformed.issues).toEqual([
      expect.objectContaining({
        variable: 'EVENTSTORE_CONNECTION_STRING',
        rule: 'matches',
        value: '"http://admin:***@es:2113"',
      }),
    ]);
    expect(malformed.message).not.toContain('changeit');
  });

  it('never prints the value of a variable named like a secret', () => {
    const leaked = 'short-secret-value';
    const error = issuesOf(() =>
      loadConfig(SampleConfig, { LEDGERFLOW_GRANT_SIGNING_KEY: leaked, SAMPLE_API_TOKEN: 'tok' }),
    );
    expect(error.issues.map((i) => [i.variable, i.rule, i.value])).toEqual([
      ['LEDGERFLOW_GRANT_SIGNING_KEY', 'minLength', '<redacted>'],
      ['SAMPLE_API_TOKEN', 'minLength', '<redacted>'],
    ]);
    expect(error.message).not.toContain(leaked);
    expect(error.message).not.toContain('"tok"');
    expect(JSON.stringify(error.details)).not.toContain(leaked);
  });
});
