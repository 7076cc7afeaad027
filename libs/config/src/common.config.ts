import 'reflect-metadata';
import {
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateBy,
} from 'class-validator';
import { IsEd25519Pkcs8 } from './ed25519-key.decorator.js';
import { Env } from './env.decorator.js';
import { FileContentMatches, IsReadableFile } from './file-rules.decorator.js';
import { RequiredWhen } from './required-when.decorator.js';

/** Event store adapters: the `EventStore` implementations of libs/event-store (`memory` for tests). */
export const STORE_KINDS = ['sqlite', 'eventstoredb', 'memory'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** SQLite `PRAGMA synchronous` levels Ledgerflow allows (https://www.sqlite.org/pragma.html#pragma_synchronous). */
export const SQLITE_SYNCHRONOUS = ['FULL', 'NORMAL'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS)[number];

export const LOG_LEVEL_NAMES = ['debug', 'info', 'warn', 'error'] as const;

/** One or more NATS server URLs, comma-separated; the scheme (nats, tls, ws, wss) may be left out. */
const NATS_SERVERS = /^(((nats|tls|ws|wss):\/\/)?[^\s,/]+\/?)(,\s*((nats|tls|ws|wss):\/\/)?[^\s,/]+\/?)*$/;
const URL_RULE = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
/** An nkey user seed as `@nats-io/nkeys` encodes it: `SU` then 56 base32 characters. */
export const NKEY_USER_SEED = /^SU[A-Z2-7]{56}$/;
const SEED_MESSAGE = 'an nkey user seed (SU followed by 56 base32 characters, from `ledgerflow nats credentials`)';

/**
 * Settings every service shares; each service's config class extends it and adds its own `@Env` properties.
 * Load with `loadConfig(MyServiceConfig)`.
 */
export class CommonConfig {
  /** NATS server(s), comma-separated, e.g. `nats://n1:4222,nats://n2:4222`. */
  @Env('NATS_URL', { default: 'nats://127.0.0.1:4222' })
  @Matches(NATS_SERVERS, { message: 'must be a comma-separated list of NATS server URLs (nats://host:port)' })
  NATS_URL!: string;

  /**
   * File holding this process's NATS nkey seed (one per principal, from `ledgerflow nats credentials`); unset
   * together with `NATS_NKEY_SEED`: connect without credentials (a development server without authorization).
   */
  @Env('NATS_NKEY_SEED_FILE')
  @IsOptional()
  @FileContentMatches(NKEY_USER_SEED, SEED_MESSAGE)
  NATS_NKEY_SEED_FILE?: string;

  /** The nkey seed itself, instead of `NATS_NKEY_SEED_FILE` (set one of them, not both). Never printed. */
  @Env('NATS_NKEY_SEED')
  @IsOptional()
  @Matches(NKEY_USER_SEED, { message: `must be ${SEED_MESSAGE}` })
  @ValidateBy({
    name: 'exclusive',
    validator: {
      validate: (_v, args) => (args?.object as CommonConfig).NATS_NKEY_SEED_FILE === undefined,
      defaultMessage: () => 'set only one of NATS_NKEY_SEED and NATS_NKEY_SEED_FILE',
    },
  })
  NATS_NKEY_SEED?: string;

  /** PEM file of the CA that signed the NATS server's certificate (TLS); unset: the system CAs, or no TLS. */
  @Env('NATS_TLS_CA_FILE')
  @IsOptional()
  @IsReadableFile()
  NATS_TLS_CA_FILE?: string;

  /** PEM client certificate for mutual TLS; requires `NATS_TLS_KEY_FILE`. */
  @Env('NATS_TLS_CERT_FILE')
  @RequiredWhen((c: CommonConfig) => c.NATS_TLS_KEY_FILE !== undefined, 'NATS_TLS_KEY_FILE is set')
  @IsReadableFile()
  NATS_TLS_CERT_FILE?: string;

  /** PEM private key of the client certificate; requires `NATS_TLS_CERT_FILE`. */
  @Env('NATS_TLS_KEY_FILE')
  @RequiredWhen((c: CommonConfig) => c.NATS_TLS_CERT_FILE !== undefined, 'NATS_TLS_CERT_FILE is set')
  @IsReadableFile()
  NATS_TLS_KEY_FILE?: string;

  /** Event store adapter: `sqlite` (embedded default), `eventstoredb` (store of record), `memory` (tests only). */
  @Env('LEDGERFLOW_STORE', { default: 'sqlite' })
  @IsIn([...STORE_KINDS])
  LEDGERFLOW_STORE!: StoreKind;

  /** SQLite database file, shared by all processes on one machine. */
  @Env('LEDGERFLOW_SQLITE_PATH', { default: '.data/ledgerflow.db' })
  @IsString()
  @IsNotEmpty()
  LEDGERFLOW_SQLITE_PATH!: string;

  /** SQLite durability: `FULL` (default; fsync per commit) or `NORMAL` (WAL: may lose the last commits on power loss). */
  @Env('LEDGERFLOW_SQLITE_SYNCHRONOUS', { default: 'FULL' })
  @IsIn([...SQLITE_SYNCHRONOUS])
  LEDGERFLOW_SQLITE_SYNCHRONOUS!: SqliteSynchronous;

  /** EventStoreDB connection string (`esdb://` or `esdb+discover://`); required when `LEDGERFLOW_STORE=eventstoredb`. */
  @Env('EVENTSTORE_CONNECTION_STRING')
  @RequiredWhen((c: CommonConfig) => c.LEDGERFLOW_STORE === 'eventstoredb', 'LEDGERFLOW_STORE=eventstoredb')
  @Matches(/^esdb(\+discover)?:\/\/\S+$/, {
    message: 'must be an EventStoreDB connection string (esdb://... or esdb+discover://...)',
  })
  EVENTSTORE_CONNECTION_STRING?: string;

  /** Replicas of the JetStream streams LF_TRIGGERS and LF_EVENTS (3 on a 3-node NATS cluster). */
  @Env('LEDGERFLOW_STREAM_REPLICAS', { default: '1' })
  @IsInt()
  @Min(1)
  @Max(5)
  LEDGERFLOW_STREAM_REPLICAS!: number;

  /**
   * Largest stored event, in bytes (the `StoredEvent` as JSON, after PII tokenization): every append over it
   * fails with `store_event_too_large` (a run trigger: HTTP 413). Default 983040 (960 KiB: NATS's default
   * `max_payload` of 1 MiB less 64 KiB for headers); keep it under the NATS server's `max_payload`.
   */
  @Env('LEDGERFLOW_MAX_EVENT_BYTES', { default: '983040' })
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  LEDGERFLOW_MAX_EVENT_BYTES!: number;

  /** How long JetStream keeps `LF_EVENTS` messages, in hours (default 168 = 7 days); at least 1. */
  @Env('LEDGERFLOW_EVENTS_MAX_AGE_HOURS', { default: '168' })
  @IsInt()
  @Min(1)
  LEDGERFLOW_EVENTS_MAX_AGE_HOURS!: number;

  /** Size cap of `LF_EVENTS`, in bytes (default 1073741824 = 1 GiB); the oldest messages go first. */
  @Env('LEDGERFLOW_EVENTS_MAX_BYTES', { default: '1073741824' })
  @IsInt()
  @Min(1024 * 1024)
  LEDGERFLOW_EVENTS_MAX_BYTES!: number;

  /** How long `LF_TRIGGERS` keeps triggers, in hours (default 168); at least 24 (its duplicate window). */
  @Env('LEDGERFLOW_TRIGGERS_MAX_AGE_HOURS', { default: '168' })
  @IsInt()
  @Min(24)
  LEDGERFLOW_TRIGGERS_MAX_AGE_HOURS!: number;

  /** Size cap of `LF_TRIGGERS`, in bytes (default 268435456 = 256 MiB); the oldest messages go first. */
  @Env('LEDGERFLOW_TRIGGERS_MAX_BYTES', { default: '268435456' })
  @IsInt()
  @Min(1024 * 1024)
  LEDGERFLOW_TRIGGERS_MAX_BYTES!: number;

  /** How long `LF_DLQ` keeps dead letters, in hours (default 720 = 30 days); at least 1. */
  @Env('LEDGERFLOW_DLQ_MAX_AGE_HOURS', { default: '720' })
  @IsInt()
  @Min(1)
  LEDGERFLOW_DLQ_MAX_AGE_HOURS!: number;

  /** Size cap of `LF_DLQ`, in bytes (default 268435456 = 256 MiB); the oldest dead letters go first. */
  @Env('LEDGERFLOW_DLQ_MAX_BYTES', { default: '268435456' })
  @IsInt()
  @Min(1024 * 1024)
  LEDGERFLOW_DLQ_MAX_BYTES!: number;

  /**
   * How long `LF_ANCHORS` keeps signed anchors of stream heads, in hours (default 8760 = 365 days); at least 1.
   * Keep it as long as exports must be checkable against the bus (docs/security.md, "Audit trail").
   */
  @Env('LEDGERFLOW_ANCHORS_MAX_AGE_HOURS', { default: '8760' })
  @IsInt()
  @Min(1)
  LEDGERFLOW_ANCHORS_MAX_AGE_HOURS!: number;

  /** Size cap of `LF_ANCHORS`, in bytes (default 268435456 = 256 MiB); the oldest anchors go first. */
  @Env('LEDGERFLOW_ANCHORS_MAX_BYTES', { default: '268435456' })
  @IsInt()
  @Min(1024 * 1024)
  LEDGERFLOW_ANCHORS_MAX_BYTES!: number;

  /** Anchors `LF_ANCHORS` keeps per store stream (its `max_msgs_per_subject`; default 16, 1..1000), the oldest going first. */
  @Env('LEDGERFLOW_ANCHORS_PER_STREAM', { default: '16' })
  @IsInt()
  @Min(1)
  @Max(1000)
  LEDGERFLOW_ANCHORS_PER_STREAM!: number;

  /** Directories of workflow definitions (YAML), comma-separated. */
  @Env('LEDGERFLOW_DEFINITIONS_DIR', { default: 'examples/claim-review/workflows' })
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  LEDGERFLOW_DEFINITIONS_DIR!: string[];

  /** Lowest log level written: debug, info (default), warn, error. */
  @Env('LEDGERFLOW_LOG_LEVEL', { default: 'info' })
  @IsIn([...LOG_LEVEL_NAMES])
  LEDGERFLOW_LOG_LEVEL!: (typeof LOG_LEVEL_NAMES)[number];

  /** Prometheus scrape port (1..65535); unset: no endpoint. */
  @Env('LEDGERFLOW_METRICS_PORT')
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  LEDGERFLOW_METRICS_PORT?: number;

  /** Interface the Prometheus endpoint listens on. */
  @Env('LEDGERFLOW_METRICS_HOST', { default: '127.0.0.1' })
  @IsString()
  @IsNotEmpty()
  LEDGERFLOW_METRICS_HOST!: string;

  /** OTLP/HTTP base endpoint (`OTEL_*` variables configure export; read by @ledgerflow/telemetry). */
  @Env('OTEL_EXPORTER_OTLP_ENDPOINT')
  @IsOptional()
  @IsUrl(URL_RULE)
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** OTLP/HTTP traces URL, used as-is. */
  @Env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
  @IsOptional()
  @IsUrl(URL_RULE)
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
}

/**
 * Settings of the services that persist run data (planner, executor): PII in run inputs and step
 * outputs is tokenized before it is persisted, its plaintext kept encrypted in a vault (libs/privacy).
 */
export class PrivacyConfig extends CommonConfig {
  /** 32 random bytes, base64 (e.g. `openssl rand -base64 32`): encrypts the PII vault and keys its tokens. */
  @Env('LEDGERFLOW_PII_KEY')
  @Matches(/^[A-Za-z0-9+/_-]{43}=?$/, {
    message: 'must be 32 bytes in base64 (44 characters), e.g. from `openssl rand -base64 32`',
  })
  LEDGERFLOW_PII_KEY!: string;

  /** SQLite file of the PII vault (shared by the processes of one machine). */
  @Env('LEDGERFLOW_VAULT_PATH', { default: '.data/vault.db' })
  @IsString()
  @IsNotEmpty()
  LEDGERFLOW_VAULT_PATH!: string;

  /** Directories of policy packs; the privacy packs among them say what to tokenize. */
  @Env('LEDGERFLOW_POLICY_DIRS', { default: 'examples/claim-review/policies' })
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  LEDGERFLOW_POLICY_DIRS!: string[];
}

/**
 * Settings of the service that hosts the anchor publisher (the planner; libs/messaging `startAnchorPublisher`):
 * `PrivacyConfig` plus the key that signs each stream's head into JetStream `LF_ANCHORS`. Without
 * `LEDGERFLOW_ANCHOR_SIGNING_KEY` the publisher is off (the service logs one warning at start).
 */
export class AnchorPublisherConfig extends PrivacyConfig {
  /**
   * Ed25519 private key (PKCS#8 PEM; `\n` escapes allowed) that signs anchors; unset: none are published.
   * Never logged. Give auditors its public key (SPKI PEM) for `ledgerflow audit verify --anchor-key`.
   */
  @Env('LEDGERFLOW_ANCHOR_SIGNING_KEY')
  @IsOptional()
  @IsEd25519Pkcs8()
  LEDGERFLOW_ANCHOR_SIGNING_KEY?: string;

  /**
   * Key id written into each anchor (`kid`, 1..64 of `A-Z a-z 0-9 . _ : -`); default: the first 16 hex
   * characters of SHA-256 over the public key's SPKI DER (what `audit verify` derives from `--anchor-key`).
   */
  @Env('LEDGERFLOW_ANCHOR_KEY_ID')
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", ":" or "-"' })
  LEDGERFLOW_ANCHOR_KEY_ID?: string;

  /** How often the publisher anchors the stream heads that moved, in milliseconds (default 10000; 100..3600000). */
  @Env('LEDGERFLOW_ANCHOR_INTERVAL_MS', { default: '10000' })
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  LEDGERFLOW_ANCHOR_INTERVAL_MS!: number;
}
