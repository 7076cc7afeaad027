/** Nest injection tokens for the infrastructure every service shares (provided by `runService`). */
export const NATS_CONNECTION = Symbol('ledgerflow.nats-connection');
export const EVENT_STORE = Symbol('ledgerflow.event-store');
export const RUN_REPOSITORY = Symbol('ledgerflow.run-repository');
export const DEFINITIONS = Symbol('ledgerflow.definitions');
export const SERVICE_CONFIG = Symbol('ledgerflow.service-config');
export const LOGGER = Symbol('ledgerflow.logger');
/** The service's `ServiceHealth` (@ledgerflow/telemetry), which `/healthz` and `/readyz` answer from. */
export const SERVICE_HEALTH = Symbol('ledgerflow.service-health');
