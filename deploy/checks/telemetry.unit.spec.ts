import { metrics } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ledgerflowMetrics } from '@ledgerflow/telemetry';
import { loadCompose, loadManifests } from './deploy-inputs.spec-util.js';
import {
  alertProblems,
  collectorProblems,
  dashboardProblems,
  declaredCounters,
  metricTable,
  prometheusNames,
  prometheusTargetProblems,
} from './telemetry-checks.js';
import type { Json } from './repo-files.js';
import { clone, field, list, listRepoFiles, parseYamlDocuments, readRepoFile, readYaml } from './repo-files.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests poke into parsed files to break them */
const rows = metricTable(readRepoFile('libs/telemetry/src/metrics.ts'));
const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/ledgerflow.json')) as Json;
const datasources = new Set(
  list(readYaml('deploy/grafana/provisioning/datasources/datasources.yaml'), 'datasources').map((d) =>
    String(field(d, 'uid')),
  ),
);

describe('metric names', () => {
  it('reads the metrics of libs/telemetry/src/metrics.ts', () => {
    expect(rows.map((r) => `${r.name}:${r.kind}`)).toEqual([
      'ledgerflow.runs:counter',
      'ledgerflow.step.duration:histogram',
      'ledgerflow.policy.decisions:counter',
      'ledgerflow.gate.wait:histogram',
      'ledgerflow.gate.escalations:counter',
      'ledgerflow.event_store.append.duration:histogram',
      'ledgerflow.relay.lag:histogram',
      'ledgerflow.consumer.pending:gauge',
      'ledgerflow.consumer.redeliveries:counter',
      'ledgerflow.consumer.dead_letters:counter',
      'ledgerflow.relay.dead_letters:counter',
    ]);
  });

  it('match what the OpenTelemetry Prometheus exporter really serves', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    metrics.setGlobalMeterProvider(provider);
    try {
      const m = ledgerflowMetrics();
      m.runs.add(1, { workflow: 'w', status: 'triggered' });
      m.stepDuration.record(0.2, { tool: 't', action: 'a', outcome: 'succeeded' });
      m.policyDecisions.add(1, { outcome: 'allow' });
      m.gateWait.record(30, { workflow: 'w', outcome: 'approved' });
      m.gateEscalations.add(1, { workflow: 'w' });
      m.eventStoreAppendDuration.record(0.001, { store: 'sqlite', outcome: 'ok' });
      m.relayLag.record(0.002);
      m.consumerPending.addCallback((result) => result.observe(3, { consumer: 'c' }));
      m.consumerRedeliveries.add(1, { consumer: 'c' });
      m.consumerDeadLetters.add(1, { consumer: 'c' });
      m.relayDeadLetters.add(1, { reason: 'event_too_large' });
      const { resourceMetrics } = await exporter.collect();
      const text = new PrometheusSerializer().serialize(resourceMetrics);
      const served = new Set(
        text
          .split('\n')
          .filter((l) => l !== '' && !l.startsWith('#'))
          .map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)?.[0]),
      );
      served.delete('target_info');
      expect([...served].sort()).toEqual([...prometheusNames(rows)].sort());
    } finally {
      await provider.shutdown();
      metrics.disable();
    }
  });
});

describe('Grafana dashboard', () => {
  it('uses only exported series, shows every metric, and uses provisioned datasources', () => {
    expect(dashboardProblems(dashboard, rows, datasources)).toEqual([]);
  });

  it('fails a misspelt metric, a metric no panel shows, and an unknown datasource', () => {
    const broken = clone(dashboard) as any;
    broken.panels[0].targets[0].expr = 'sum(ledgerflow_runs_count)';
    broken.panels[1].datasource.uid = 'loki';
    for (const p of broken.panels)
      for (const t of p.targets)
        t.expr = t.expr.replaceAll('ledgerflow_policy_decisions_total', 'ledgerflow_policy_decision_total');
    expect(dashboardProblems(broken, rows, datasources)).toEqual([
      'dashboard: ledgerflow_runs_count is not a series of libs/telemetry/src/metrics.ts',
      'dashboard: ledgerflow_policy_decision_total is not a series of libs/telemetry/src/metrics.ts',
      'dashboard: no panel shows ledgerflow.policy.decisions',
      "dashboard panel 'Runs failed': datasource uid 'loki' is not provisioned",
    ]);
  });
});

describe('Prometheus scrape targets', () => {
  const prometheus = readYaml('deploy/prometheus/prometheus.yml');
  const compose = loadCompose();

  it('scrape every compose service with a metrics port, at that port', () => {
    expect(prometheusTargetProblems(prometheus, compose)).toEqual([]);
  });

  it('fail a missing target, a wrong port, and a target that is no compose service', () => {
    const broken = clone(prometheus) as any;
    broken.scrape_configs[0].static_configs = broken.scrape_configs[0].static_configs.filter(
      (c: any) => c.targets[0] !== 'memory:9464',
    );
    broken.scrape_configs[0].static_configs[0].targets = ['gateway:9465'];
    broken.scrape_configs[1].static_configs[0].targets = ['collector:8889'];
    expect(prometheusTargetProblems(broken, compose)).toEqual([
      'prometheus job otel-collector: target collector:8889 is not a compose service',
      'prometheus job ledgerflow: scrapes gateway:9465, its metrics port is 9464',
      'prometheus job ledgerflow: does not scrape memory (metrics on 9464)',
    ]);
  });
});

describe('Prometheus alerting rules', () => {
  const rules = readYaml('deploy/prometheus/alerts.yml');
  const sources = new Map(
    listRepoFiles('libs', ['.ts'])
      .filter((p) => !/\.spec(-util)?\.ts$/.test(p))
      .map((p) => [p, readRepoFile(p)]),
  );
  const declared = [...rows, ...declaredCounters(sources)];

  it('are loaded by prometheus.yml and mounted beside it in compose', () => {
    expect(list(readYaml('deploy/prometheus/prometheus.yml'), 'rule_files')).toEqual(['/etc/prometheus/alerts.yml']);
    expect(readRepoFile('docker-compose.yml')).toContain(
      './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
    );
  });

  it('name only series a service records (the metric table, integrity failures)', () => {
    expect(declaredCounters(sources).map((r) => r.name)).toEqual(
      expect.arrayContaining(['ledgerflow.integrity.failures']),
    );
    expect(list(rules, 'groups').flatMap((g) => list(g, 'rules').map((r) => field(r, 'alert')))).toEqual(
      expect.arrayContaining(['LedgerflowIntegrityFailed', 'LedgerflowRelayDeadLetters', 'LedgerflowRunFailureRate']),
    );
    expect(alertProblems(rules, declared)).toEqual([]);
  });

  it('fail a misspelt series', () => {
    const broken = clone(rules) as any;
    const integrity = broken.groups.find((g: any) => g.name === 'ledgerflow-integrity');
    integrity.rules[0].expr = 'increase(ledgerflow_integrity_failure_total[5m]) > 0';
    expect(alertProblems(broken, declared)).toEqual([
      'alert LedgerflowIntegrityFailed: ledgerflow_integrity_failure_total is not a series any service records',
    ]);
  });
});

describe('OpenTelemetry Collector configs', () => {
  const composeConfig = readYaml('deploy/otel/collector.yaml');
  const kubeConfig = parseYamlDocuments(
    String(
      field(
        loadManifests().find((m) => field(m.doc, 'metadata', 'name') === 'otel-collector-config')?.doc,
        'data',
        'collector.yaml',
      ),
    ),
    'otel-collector.yaml#collector.yaml',
  )[0] as Json;

  it('wire every pipeline to defined components, traces to Jaeger over OTLP in compose', () => {
    expect(collectorProblems(composeConfig, 'deploy/otel/collector.yaml')).toEqual([]);
    expect(collectorProblems(kubeConfig, 'otel-collector.yaml')).toEqual([]);
    expect(field(composeConfig, 'exporters', 'otlp_grpc/jaeger', 'endpoint')).toBe('jaeger:4317');
    expect(list(composeConfig, 'service', 'pipelines', 'metrics', 'exporters')).toEqual(['prometheus']);
  });

  it('fail a pipeline naming an undefined exporter', () => {
    const broken = clone(composeConfig) as any;
    broken.service.pipelines.traces.exporters = ['otlp_grpc/jager'];
    expect(collectorProblems(broken, 'c')).toEqual(["c: pipeline traces uses exporter 'otlp_grpc/jager', not defined"]);
  });
});
