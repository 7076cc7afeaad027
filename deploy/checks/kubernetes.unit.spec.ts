import {
  clusteredStatefulSetProblems,
  disruptionBudgetProblems,
  eventStoreProblems,
  natsProblems,
} from './cluster-checks.js';
import { findDoc, KUBE_DIR, kubeFiles, loadManifests, requirementsOf } from './deploy-inputs.spec-util.js';
import { containerProblems, kustomizationProblems, manifestProblems, serviceEnvProblems } from './kubernetes-checks.js';
import { readYaml } from './repo-files.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests poke into parsed manifests to break them */
const containerOf = (doc: any): any => doc.spec.template.spec.containers[0];

describe('deploy/kubernetes (kustomize base)', () => {
  const manifests = loadManifests();
  const kustomization = readYaml(`${KUBE_DIR}/kustomization.yaml`);

  it('passes every check', () => {
    expect(kustomizationProblems(kustomization, kubeFiles())).toEqual([]);
    expect(manifestProblems(manifests)).toEqual([]);
    expect(containerProblems(manifests)).toEqual([]);
    expect(serviceEnvProblems(manifests, requirementsOf)).toEqual([]);
    expect(natsProblems(manifests)).toEqual([]);
    expect(eventStoreProblems(manifests)).toEqual([]);
    expect(disruptionBudgetProblems(manifests)).toEqual([]);
  });

  it('runs stateless services with 2 replicas and the gateway behind a Service', () => {
    for (const name of ['gateway', 'executor', 'policy', 'approval'])
      expect(findDoc(manifests, 'Deployment', name)).toMatchObject({ spec: { replicas: 2 } });
    expect(findDoc(manifests, 'Service', 'gateway')).toBeDefined();
    expect(findDoc(manifests, 'Secret', 'ledgerflow-auth')).toBeDefined();
  });

  it('fails a kustomization that misses a file or lists a missing one', () => {
    expect(kustomizationProblems(kustomization, [...kubeFiles(), 'extra.yaml'])).toEqual([
      'kustomization.yaml: does not list extra.yaml',
    ]);
    expect(
      kustomizationProblems(
        kustomization,
        kubeFiles().filter((f) => f !== 'memory.yaml'),
      ),
    ).toEqual(['kustomization.yaml: lists memory.yaml, which does not exist']);
  });

  it('fails an object without a name and a selector that does not match its pods', () => {
    const broken = structuredClone(manifests);
    delete (findDoc(broken, 'ConfigMap', 'nats-config') as any).metadata.name;
    (findDoc(broken, 'Deployment', 'policy') as any).spec.selector.matchLabels['app.kubernetes.io/name'] = 'polcy';
    expect(manifestProblems(broken)).toEqual([
      "nats.yaml: ConfigMap: /metadata must have required property 'name'",
      'policy.yaml: Deployment/policy: spec.selector.matchLabels does not match spec.template.metadata.labels',
    ]);
  });

  it('fails a container without limits, running as root, or probing an undeclared port', () => {
    const broken = structuredClone(manifests);
    delete containerOf(findDoc(broken, 'Deployment', 'executor')).resources.limits;
    containerOf(findDoc(broken, 'StatefulSet', 'memory')).securityContext.runAsUser = 0;
    containerOf(findDoc(broken, 'Deployment', 'gateway')).readinessProbe.httpGet.port = 'web';
    expect(containerProblems(broken)).toEqual([
      'executor.yaml: Deployment/executor container executor: no resources.limits.cpu',
      'executor.yaml: Deployment/executor container executor: no resources.limits.memory',
      "gateway.yaml: Deployment/gateway container gateway: readinessProbe uses port 'web', not declared",
      'memory.yaml: StatefulSet/memory container memory: runAsUser is 0 (root)',
    ]);
  });

  it('fails a service missing a required variable, a ConfigMap key, or its workload', () => {
    const broken = structuredClone(manifests);
    const gateway = containerOf(findDoc(broken, 'Deployment', 'gateway'));
    gateway.env = gateway.env.filter((e: any) => e.name !== 'LEDGERFLOW_AUTH_SECRET');
    delete (findDoc(broken, 'ConfigMap', 'ledgerflow-common') as any).data.EVENTSTORE_CONNECTION_STRING;
    const problems = serviceEnvProblems(broken, requirementsOf);
    expect(problems).toContain(
      'gateway.yaml: Deployment/gateway: LEDGERFLOW_AUTH_SECRET is required (no default) but not set',
    );
    expect(problems).toContain(
      'planner.yaml: StatefulSet/planner: EVENTSTORE_CONNECTION_STRING is required when LEDGERFLOW_STORE=eventstoredb but not set',
    );
    const noApproval = manifests.filter((m) => m.file !== 'approval.yaml');
    expect(serviceEnvProblems(noApproval, requirementsOf)).toEqual(["kubernetes: no workload runs 'approval'"]);
  });

  it('fails a NATS cluster that is smaller, has JetStream off, or misses a route', () => {
    const small = structuredClone(manifests);
    (findDoc(small, 'StatefulSet', 'nats') as any).spec.replicas = 1;
    expect(natsProblems(small)).toEqual(['StatefulSet/nats: replicas 1, expected 3']);
    const noJs = structuredClone(manifests);
    const cm = findDoc(noJs, 'ConfigMap', 'nats-config') as any;
    cm.data['nats.conf'] = cm.data['nats.conf']
      .replace(/jetstream \{[^}]*\}/, '')
      .replace('nats://nats-2.nats-headless:6222', '');
    expect(natsProblems(noJs)).toEqual([
      'nats config: no jetstream { ... } block (JetStream off)',
      "nats config: jetstream store_dir '(unset)' is not on a volume claim",
      'nats config: cluster.routes has no route to nats-2.nats-headless',
    ]);
  });

  it('fails a clustered StatefulSet whose Service is not headless, and an EventStoreDB size mismatch', () => {
    const broken = structuredClone(manifests);
    delete (findDoc(broken, 'Service', 'eventstore-headless') as any).spec.clusterIP;
    expect(clusteredStatefulSetProblems(broken, 'eventstore', 3)).toEqual([
      'Service/eventstore-headless: not headless (clusterIP: None)',
    ]);
    const sized = structuredClone(manifests);
    const esdb = containerOf(findDoc(sized, 'StatefulSet', 'eventstore'));
    esdb.env.find((e: any) => e.name === 'EVENTSTORE_CLUSTER_SIZE').value = '1';
    expect(eventStoreProblems(sized)).toEqual(['StatefulSet/eventstore: EVENTSTORE_CLUSTER_SIZE 1, expected 3']);
  });

  it('fails a workload without a PodDisruptionBudget', () => {
    const broken = manifests.filter(
      (m) => !((m.doc as any).kind === 'PodDisruptionBudget' && (m.doc as any).metadata.name === 'policy'),
    );
    expect(disruptionBudgetProblems(broken)).toEqual(['Deployment/policy: no PodDisruptionBudget selects its pods']);
  });
});
