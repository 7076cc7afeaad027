import { findDoc } from './deploy-inputs.spec-util.js';
import { hardeningProblems, replicatedBudgetProblems } from './hardening-checks.js';
import type { Manifest } from './kubernetes-checks.js';
import { OVERLAYS, renderKustomization, schemaProblems } from './manifest-schema-checks.js';
import { networkPolicyProblems } from './network-policy-checks.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests poke into rendered manifests to break them */
const containerOf = (doc: any): any => doc.spec.template.spec.containers[0];

describe.each(OVERLAYS)('deploy/kubernetes/overlays/%s, rendered by kubectl kustomize', (overlay) => {
  let manifests: Manifest[];
  beforeAll(() => {
    manifests = renderKustomization(`deploy/kubernetes/overlays/${overlay}`);
  });

  it('validates every object against its kubernetes-models schema, unknown fields refused', async () => {
    expect(manifests.length).toBeGreaterThan(30);
    expect(await schemaProblems(manifests)).toEqual([]);
  });

  it('is hardened: probes on /healthz and /readyz, non-root read-only pods, requests, budgets, network policies', () => {
    expect(hardeningProblems(manifests)).toEqual([]);
    expect(replicatedBudgetProblems(manifests)).toEqual([]);
    expect(networkPolicyProblems(manifests)).toEqual([]);
  });
});

describe('what the overlays differ in', () => {
  it('dev runs one replica of each stateless service with budgets that allow a drain; prod adds the PodMonitor', () => {
    const dev = renderKustomization('deploy/kubernetes/overlays/dev');
    const prod = renderKustomization('deploy/kubernetes/overlays/prod');
    expect(findDoc(dev, 'Deployment', 'executor')).toMatchObject({ spec: { replicas: 1 } });
    expect(findDoc(dev, 'PodDisruptionBudget', 'executor')).toMatchObject({ spec: { maxUnavailable: 1 } });
    expect(findDoc(prod, 'Deployment', 'executor')).toMatchObject({ spec: { replicas: 2 } });
    expect(dev.some((m) => (m.doc as any).kind === 'PodMonitor')).toBe(false);
    expect(findDoc(prod, 'PodMonitor', 'ledgerflow-services')).toMatchObject({
      metadata: { namespace: 'ledgerflow' },
      spec: { podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }] },
    });
  });
});

describe('the checks fail what they must', () => {
  const prod = renderKustomization('deploy/kubernetes/overlays/prod');

  it('names a schema error and an unknown kind', async () => {
    const broken = structuredClone(prod);
    containerOf(findDoc(broken, 'Deployment', 'policy')).ports[0].containerPort = 'nine';
    (findDoc(broken, 'PodMonitor', 'ledgerflow-services') as any).spec.podMetricsEndpoints[0].port = 9464;
    broken.push({ file: 'x', doc: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } });
    expect(await schemaProblems(broken)).toEqual([
      expect.stringMatching(/^deploy\/kubernetes\/overlays\/prod: Deployment\/policy: .*containerPort must be integer/),
      expect.stringMatching(
        /^deploy\/kubernetes\/overlays\/prod: PodMonitor\/ledgerflow-services: .*port must be string/,
      ),
      'x: Widget/w: no schema for example.com/v1 Widget',
    ]);
  });

  it('names an unknown field with its object and JSON path (a typo the model validators let through)', async () => {
    const broken = structuredClone(prod);
    const executor = containerOf(findDoc(broken, 'Deployment', 'executor'));
    executor.readinesProbe = executor.readinessProbe;
    delete executor.readinessProbe;
    executor.securityContex = executor.securityContext;
    executor.livenessProbe.httpGet.paht = '/healthz';
    (findDoc(broken, 'PodMonitor', 'ledgerflow-services') as any).spec.podMetricsEndpoints[0].relabelling = [];
    (findDoc(broken, 'ConfigMap', 'ledgerflow-common') as any).metadata.lables = { a: 'b' };
    expect(await schemaProblems(broken)).toEqual([
      "deploy/kubernetes/overlays/prod: ConfigMap/ledgerflow-common: /metadata: unknown field 'lables'",
      "deploy/kubernetes/overlays/prod: Deployment/executor: /spec/template/spec/containers/0/livenessProbe/httpGet: unknown field 'paht'",
      "deploy/kubernetes/overlays/prod: Deployment/executor: /spec/template/spec/containers/0: unknown field 'readinesProbe'",
      "deploy/kubernetes/overlays/prod: Deployment/executor: /spec/template/spec/containers/0: unknown field 'securityContex'",
      "deploy/kubernetes/overlays/prod: PodMonitor/ledgerflow-services: /spec/podMetricsEndpoints/0: unknown field 'relabelling'",
    ]);
  });

  it('names a probe off the health paths, a writable root, kept capabilities, a missing request and budget', () => {
    const broken = structuredClone(prod);
    containerOf(findDoc(broken, 'Deployment', 'executor')).readinessProbe.httpGet.path = '/metrics';
    containerOf(findDoc(broken, 'StatefulSet', 'memory')).securityContext.readOnlyRootFilesystem = false;
    containerOf(findDoc(broken, 'Deployment', 'gateway')).securityContext.capabilities.drop = ['NET_RAW'];
    delete containerOf(findDoc(broken, 'Deployment', 'approval')).resources.requests.memory;
    (findDoc(broken, 'StatefulSet', 'planner') as any).spec.template.spec.securityContext.seccompProfile.type =
      'Unconfined';
    expect(hardeningProblems(broken)).toEqual([
      'Deployment/approval container approval: no resources.requests.memory',
      'Deployment/executor container executor: readinessProbe does not GET /readyz',
      'Deployment/gateway container gateway: capabilities do not drop ALL',
      'StatefulSet/memory container memory: readOnlyRootFilesystem is not true',
      'StatefulSet/planner: pod seccompProfile is not RuntimeDefault',
    ]);
    const noBudget = prod.filter(
      (m) => !((m.doc as any).kind === 'PodDisruptionBudget' && (m.doc as any).metadata.name === 'policy'),
    );
    expect(replicatedBudgetProblems(noBudget)).toEqual(['Deployment/policy: 2 replicas and no PodDisruptionBudget']);
  });

  it('names a missing default deny, a blocked flow and an opened one', () => {
    const broken = structuredClone(prod).filter((m) => (m.doc as any).metadata.name !== 'default-deny');
    const services = findDoc(broken, 'NetworkPolicy', 'ledgerflow-services') as any;
    services.spec.egress = services.spec.egress.filter((rule: any) => rule.ports[0].port !== 2113);
    const eventstore = findDoc(broken, 'NetworkPolicy', 'eventstore') as any;
    eventstore.spec.ingress.push({ ports: [{ protocol: 'TCP', port: 2113 }] });
    (findDoc(broken, 'NetworkPolicy', 'otel-collector') as any).spec.egress.push({});
    const problems = networkPolicyProblems(broken);
    expect(problems).toContain('NetworkPolicy: no default deny (podSelector {}, Ingress and Egress, no rules)');
    expect(problems).toContain('NetworkPolicy: executor -> eventstore:2113 is blocked');
    expect(problems).toContain('NetworkPolicy: otel-collector -> eventstore:2113 is allowed');
  });
});
