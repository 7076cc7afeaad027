import { composeProblems, exposureProblems, healthcheckProblems, interpolate } from './compose-checks.js';
import { SERVICE_NAMES } from './config-requirements.js';
import { loadCompose, requirementsOf } from './deploy-inputs.spec-util.js';
import { clone, readRepoFile } from './repo-files.js';

type Services = Record<string, Record<string, unknown>>;
const services = (compose: unknown): Services => (compose as { services: Services }).services;
const env = (compose: unknown, name: string): Record<string, string> =>
  services(compose)[name]?.['environment'] as Record<string, string>;

describe('docker-compose.yml', () => {
  const compose = loadCompose();

  it('passes every check', () => {
    expect(composeProblems(compose, requirementsOf)).toEqual([]);
  });

  it('runs the six services on the event store of record, plus NATS, the collector, Jaeger, Prometheus and Grafana', () => {
    const names = Object.keys(services(compose));
    expect(names).toEqual(
      expect.arrayContaining([
        ...SERVICE_NAMES,
        'nats',
        'eventstore',
        'claim-review-workers',
        'otel-collector',
        'jaeger',
        'prometheus',
        'grafana',
      ]),
    );
    for (const s of SERVICE_NAMES) expect(env(compose, s)['LEDGERFLOW_STORE']).toBe('eventstoredb');
    expect(services(compose)['nats']?.['command']).toContain('-js');
    expect(services(compose)['eventstore']?.['healthcheck']).toBeDefined();
  });

  it('publishes every port on 127.0.0.1 unless LEDGERFLOW_BIND widens it', () => {
    expect(exposureProblems(compose)).toEqual([]);
    const wide = exposureProblems(compose, { LEDGERFLOW_BIND: '0.0.0.0' });
    expect(wide).toContain('services.eventstore: port ${LEDGERFLOW_BIND:-127.0.0.1}:2113:2113 listens on 0.0.0.0');
    expect(wide).toHaveLength(8);
    const broken = clone(compose);
    services(broken)['nats']!['ports'] = ['4222:4222', { target: 8222, published: 8222 }];
    expect(exposureProblems(broken)).toEqual([
      'services.nats: port 4222:4222 listens on every interface',
      'services.nats: port {"target":8222,"published":8222} listens on every interface',
    ]);
  });

  it("checks each service's readiness with GET /readyz on its health port", () => {
    expect(healthcheckProblems(compose)).toEqual([]);
    const broken = clone(compose);
    services(broken)['executor']!['healthcheck'] = { test: ['CMD', 'test', '-f', '/tmp/ledgerflow-ready'] };
    delete env(broken, 'policy')['LEDGERFLOW_HEALTH_PORT'];
    expect(healthcheckProblems(broken)).toEqual([
      'services.executor: healthcheck does not GET /readyz on port 8081',
      'services.policy: LEDGERFLOW_HEALTH_PORT is not set',
    ]);
  });

  it('fails a service with neither image nor build', () => {
    const broken = clone(compose);
    delete services(broken)['jaeger']?.['image'];
    expect(composeProblems(broken, requirementsOf)).toEqual(['services.jaeger: neither image nor build']);
  });

  it('fails a depends_on naming no service', () => {
    const broken = clone(compose);
    (services(broken)['grafana'] as { depends_on: Record<string, unknown> }).depends_on = {
      prometheus: {},
      promethues: {},
    };
    expect(composeProblems(broken, requirementsOf)).toEqual(["services.grafana.depends_on: no service 'promethues'"]);
  });

  it('fails a host port published twice', () => {
    const broken = clone(compose);
    (services(broken)['grafana'] as { ports: string[] }).ports = ['8080:3000'];
    expect(composeProblems(broken, requirementsOf)).toEqual([
      'services.grafana: host port 8080/tcp already published by gateway',
    ]);
  });

  it('fails a missing required variable, a short secret and a malformed common setting', () => {
    const broken = clone(compose);
    delete env(broken, 'gateway')['LEDGERFLOW_AUTH_SECRET'];
    delete env(broken, 'executor')['EVENTSTORE_CONNECTION_STRING'];
    env(broken, 'policy')['NATS_URL'] = 'nats://a b';
    expect(composeProblems(broken, requirementsOf)).toEqual([
      'services.gateway: LEDGERFLOW_AUTH_SECRET is required (no default) but not set',
      'services.executor: EVENTSTORE_CONNECTION_STRING is required when LEDGERFLOW_STORE=eventstoredb but not set',
      expect.stringMatching(/^services\.executor: EVENTSTORE_CONNECTION_STRING /),
      expect.stringMatching(/^services\.policy: NATS_URL must be a comma-separated list/),
    ]);
    const short = clone(compose);
    env(short, 'gateway')['LEDGERFLOW_AUTH_SECRET'] = '${LEDGERFLOW_AUTH_SECRET:-too-short}';
    expect(composeProblems(short, requirementsOf)).toEqual([
      'services.gateway: LEDGERFLOW_AUTH_SECRET has 9 characters, at least 32 required',
    ]);
  });

  it('fails when a Ledgerflow service is not run at all', () => {
    const broken = clone(compose);
    delete services(broken)['approval'];
    expect(composeProblems(broken, requirementsOf)).toEqual(["compose: no service runs 'approval'"]);
  });

  it('interpolates like Compose', () => {
    expect(interpolate('${A:-x}/${B-y}/${C}/$$D', { B: '' })).toBe('x//' + '/$D');
  });

  it('names only processes the image can launch', () => {
    const launch = readRepoFile('deploy/docker/launch.mjs');
    const launchable = [...launch.matchAll(/^\s+'?([a-z-]+)'?: '([^']+)',$/gm)].map((m) => m[1]);
    for (const svc of Object.values(services(compose))) {
      if (svc['image'] !== 'ledgerflow:dev') continue;
      expect(launchable).toContain((svc['command'] as string[])[0]);
    }
    for (const [, path] of launch.matchAll(/^\s+'?[a-z-]+'?: '([^']+)',$/gm)) {
      expect(readRepoFile((path as string).replace('/dist/', '/src/').replace(/\.js$/, '.ts')).length).toBeGreaterThan(
        0,
      );
    }
  });
});
