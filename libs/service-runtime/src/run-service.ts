import type { CommonConfig } from '@ledgerflow/config';
import { ConfigError, EXIT_CONFIG, runOrExit } from '@ledgerflow/config';
import { LedgerflowError } from '@ledgerflow/domain';
import { startTelemetry } from '@ledgerflow/telemetry';
import type { Telemetry } from '@ledgerflow/telemetry';
import type { ServiceSpec } from './service-spec.js';
import { readyLine, spanServiceName } from './service-spec.js';
import { startService } from './start-service.js';
import type { RunningService, StartServiceOptions } from './start-service.js';

/** A service a main module declared with {@link runService}, not yet started. */
export interface DeclaredService {
  readonly name: string;
  start(options: StartServiceOptions): Promise<RunningService>;
}

/** Set while a host process imports service mains: they declare their service instead of starting it. */
let declare: ((service: DeclaredService) => void) | undefined;

/**
 * Imports `mains` (service main modules that call {@link runService}) and returns the services they
 * declare, in that order, without starting them: what a process hosting several services starts.
 * @throws Error when a module declares no service.
 */
export async function declaredServices(mains: readonly string[]): Promise<DeclaredService[]> {
  const services: DeclaredService[] = [];
  for (const main of mains) {
    const before = services.length;
    declare = (service) => services.push(service);
    try {
      await import(main);
    } finally {
      declare = undefined;
    }
    if (services.length === before) throw new Error(`${main} declares no service (it does not call runService)`);
  }
  return services;
}

/**
 * A service's main: starts it as this process (telemetry first, then typed configuration (a missing or
 * malformed variable stops the process with exit code 78, naming the variable), NATS (JetStream streams
 * ensured), the event store, workflow definitions, and the Nest application; prints {@link readyLine};
 * stops gracefully on SIGTERM/SIGINT). Imported by a host process (`ledgerflow start --single-process`,
 * see `hostServices`), it only declares the service, which the host starts with the others.
 */
export function runService<C extends CommonConfig>(spec: ServiceSpec<C>): void {
  if (declare) {
    declare({ name: spec.name, start: (options) => startService(spec, options) });
    return;
  }
  void runOrExit(() => start(spec).catch((error: unknown) => refuseToStart(spec.name, error)));
}

/**
 * A rule broken by what the service was given (an invalid workflow definition or policy pack) stops it
 * with exit code 78 and one line naming the file and the problem, like a configuration error; anything
 * else (e.g. NATS unreachable) propagates and exits with code 1.
 */
export function refuseToStart(name: string, error: unknown): never {
  if (error instanceof LedgerflowError && !error.retryable && !(error instanceof ConfigError)) {
    process.stderr.write(`${spanServiceName(name)} refused to start: ${error.code}: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  throw error;
}

async function start<C extends CommonConfig>(spec: ServiceSpec<C>): Promise<void> {
  const telemetry = await startTelemetry({ serviceName: spanServiceName(spec.name) });
  const service = await startService(spec, { shutdownHooks: true });
  process.stdout.write(`${readyLine(spec.name)}\n`);
  onSignals(async () => {
    await service.stop();
    await telemetry.shutdown();
  });
}

/** Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 when it fails). */
export function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop()
      .then(() => process.exit(0))
      .catch((error: Error) => {
        process.stderr.write(`stopping after ${signal} failed: ${error.message}\n`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

export type { Telemetry };
