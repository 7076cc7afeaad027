import { findDoc } from './deploy-inputs.spec-util.js';
import type { Manifest } from './kubernetes-checks.js';
import { renderKustomization } from './manifest-schema-checks.js';
import type { Json } from './repo-files.js';
import { clone, readRepoFile, readYaml } from './repo-files.js';
import type { LabelUse, ScrapeSetup } from './scrape-label-checks.js';
import {
  alertLabelUses,
  composeScrapeTargets,
  dashboardLabelUses,
  podMonitorScrapeTargets,
  promqlLabels,
  relabel,
  scrapeLabelProblems,
} from './scrape-label-checks.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests poke into parsed files to break them */

/* The Grafana dashboard and the alerts group series by target labels (`service`); compose's Prometheus
 * (deploy/prometheus/prometheus.yml) and the prod overlay's PodMonitor must both attach them, with the same values. */
const SERVICES = ['approval', 'executor', 'gateway', 'memory', 'planner', 'policy'];
const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/ledgerflow.json')) as Json;
const uses: LabelUse[] = [
  ...dashboardLabelUses(dashboard),
  ...alertLabelUses(readYaml('deploy/prometheus/alerts.yml')),
];
const prometheus = readYaml('deploy/prometheus/prometheus.yml');

describe('target labels the dashboard and the alerts use', () => {
  let prod: Manifest[];
  const setups = (prom: Json, podMonitor: Json): ScrapeSetup[] => [
    { name: 'compose prometheus.yml job ledgerflow', targets: composeScrapeTargets(prom, 'ledgerflow') },
    { name: 'kubernetes PodMonitor ledgerflow-services', targets: podMonitorScrapeTargets(podMonitor, prod) },
  ];
  beforeAll(() => {
    prod = renderKustomization('deploy/kubernetes/overlays/prod');
  });

  it('are attached by both scrape set-ups with the same values: service is each of the six services', () => {
    const podMonitor = findDoc(prod, 'PodMonitor', 'ledgerflow-services') as Json;
    const [compose, kube] = setups(prometheus, podMonitor);
    expect(kube?.targets.map((t) => t.labels.service).sort()).toEqual(SERVICES);
    expect(compose?.targets.map((t) => t.labels.service).sort()).toEqual(SERVICES);
    expect(uses).toContainEqual({ label: 'service', where: "dashboard panel 'Heap used'" });
    expect(uses).toContainEqual({ label: 'service', where: 'alert LedgerflowIntegrityFailed' });
    expect(scrapeLabelProblems(uses, setups(prometheus, podMonitor))).toEqual([]);
  });

  it('fail a PodMonitor without the service relabeling, or giving other values', () => {
    const bare = clone(findDoc(prod, 'PodMonitor', 'ledgerflow-services')) as any;
    delete bare.spec.podMetricsEndpoints[0].relabelings;
    const problems = scrapeLabelProblems(uses, setups(prometheus, bare));
    expect(problems).toEqual([
      "kubernetes PodMonitor ledgerflow-services: no 'service' on Deployment/approval-0, Deployment/executor-0, " +
        'Deployment/gateway-0, Deployment/policy-0, StatefulSet/memory-0, StatefulSet/planner-0 ' +
        "(used by dashboard panel 'Event loop delay p99', dashboard panel 'Heap used', dashboard panel 'GC time', " +
        'alert LedgerflowIntegrityFailed)',
    ]);

    const prefixed = clone(findDoc(prod, 'PodMonitor', 'ledgerflow-services')) as any;
    prefixed.spec.podMetricsEndpoints[0].relabelings[0].replacement = 'ledgerflow-$1';
    expect(scrapeLabelProblems(uses, setups(prometheus, prefixed))).toEqual([
      expect.stringMatching(
        /^'service' values differ: compose prometheus.yml job ledgerflow \[approval, executor, gateway, memory, planner, policy\], kubernetes PodMonitor ledgerflow-services \[ledgerflow-approval, .*, ledgerflow-policy\] \(used by /,
      ),
    ]);
  });

  it('fail a dashboard grouping by a label only Kubernetes attaches (pod)', () => {
    const podMonitor = findDoc(prod, 'PodMonitor', 'ledgerflow-services') as Json;
    const byPod = [...uses, { label: 'pod', where: "dashboard panel 'Heap used'" }];
    expect(scrapeLabelProblems(byPod, setups(prometheus, podMonitor))).toEqual([
      "compose prometheus.yml job ledgerflow: no 'pod' on gateway:9464, planner:9464, executor:9464, policy:9464, approval:9464, memory:9464 (used by dashboard panel 'Heap used')",
    ]);
  });

  it('count a compose relabel_configs rule as attaching its target label', () => {
    const relabeled = clone(prometheus) as any;
    for (const group of relabeled.scrape_configs[0].static_configs) delete group.labels;
    relabeled.scrape_configs[0].relabel_configs = [
      { source_labels: ['__address__'], regex: '([^:]+):\\d+', target_label: 'service' },
    ];
    const podMonitor = findDoc(prod, 'PodMonitor', 'ledgerflow-services') as Json;
    expect(scrapeLabelProblems(uses, setups(relabeled, podMonitor))).toEqual([]);
  });
});

describe('reading labels from PromQL and relabeling', () => {
  it('finds grouping, matcher and label_values labels, never a quoted value', () => {
    expect([
      ...promqlLabels('sum by (service, reason) (rate(x{workflow=~"$w",status!="a=b"}[5m])) / on(le) y'),
    ]).toEqual(['service', 'reason', 'le', 'workflow', 'status']);
    expect([...promqlLabels('label_values(ledgerflow_runs_total, workflow)')]).toEqual(['workflow']);
    expect([...promqlLabels('max(ledgerflow_consumer_pending)')]).toEqual([]);
  });

  it('applies replace with a regex, keep and labelmap as Prometheus does', () => {
    expect(
      relabel({ __address__: 'gateway:9464' }, [
        { source_labels: ['__address__'], regex: '(.+):(\\d+)', target_label: 'service', replacement: '${1}' },
      ]),
    ).toEqual({ __address__: 'gateway:9464', service: 'gateway' });
    expect(relabel({ a: 'x' }, [{ sourceLabels: ['a'], regex: 'y', action: 'keep' }])).toBeUndefined();
    expect(relabel({ __meta_x: '1' }, [{ regex: '__meta_(.+)', action: 'labelmap' }])).toEqual({
      __meta_x: '1',
      x: '1',
    });
    expect(() => relabel({}, [{ action: 'hashmod' }])).toThrow("action 'hashmod'");
  });
});
