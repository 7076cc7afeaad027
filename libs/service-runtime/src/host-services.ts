import type { EnvSource } from '@ledgerflow/config';
import { runOrExit } from '@ledgerflow/config';
import { runAsService, startTelemetry } from '@ledgerflow/telemetry';
import { declaredServices, onSignals, refuseToStart } from './run-service.js';
import type { DeclaredService } from './run-service.js';
import { readyLine, spanServiceName } from './service-spec.js';
import type { RunningService } from './start-service.js';

/** The name a hosting process prints in its ready line (`ledgerflow:ready services`) and is supervised as. */
export const HOST_PROCESS_NAME = 'services';

/** Options of {@link hostServices}. */
export interface HostServicesOptions {
  /** Service main modules (file URLs or specifiers, e.g. of `services/planner/dist/main.js`), started one after another in this order. */
  readonly mains: readonly string[];
  /** The environment of the service `name` (its own NATS credentials, for one); default `process.env` for every service. */
  readonly envOf?: (name: string) => EnvSource;
}

/**
 * Runs several Ledgerflow services in this one Node process (`ledgerflow start --single-process`). Each keeps
 * what it has as a process of its own: its typed configuration (from `envOf(name)`), its own NATS connections
 * and credentials (services still talk over NATS only), its event store connection and its Nest application;
 * its spans carry its own `service.name` (`runAsService`). Telemetry is started once, then the services one
 * after another (their starts share one event loop: started together, one's synchronous set-up, e.g. the
 * policy service compiling its packs, delays another's NATS replies past their timeouts); each prints its
 * ready line, and `ledgerflow:ready services` follows once all are ready. SIGTERM/SIGINT stop them all, then the process exits 0.
 *
 * Exit codes, as for one service: 78 when a service's configuration, a workflow definition or a policy pack
 * is invalid (its name in the message); 1 for anything else that stops a start (e.g. NATS unreachable).
 * A supervisor restarts the whole process, which is the unit of failure in this layout.
 */
export function hostServices(options: HostServicesOptions): void {
  void runOrExit(() => host(options));
}

async function host(options: HostServicesOptions): Promise<void> {
  const services = await declaredServices(options.mains);
  const telemetry = await startTelemetry({
    serviceName: spanServiceName(HOST_PROCESS_NAME),
    serviceNames: services.map((s) => spanServiceName(s.name)),
  });
  const running: RunningService[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(running.map((service) => service.stop()));
    await telemetry.shutdown();
  };
  onSignals(stopAll);
  const start = async (service: DeclaredService): Promise<void> => {
    const env = options.envOf?.(service.name) ?? process.env;
    const started = await runAsService(spanServiceName(service.name), () => service.start({ env })).catch(
      (error: unknown) => refuseToStart(service.name, error),
    );
    running.push(started);
    process.stdout.write(`${readyLine(service.name)}\n`);
  };
  for (const service of services) await start(service);
  process.stdout.write(`${readyLine(HOST_PROCESS_NAME)}\n`);
}
