import { selectsLabels } from './hardening-checks.js';
import type { Manifest } from './kubernetes-checks.js';
import type { Json } from './repo-files.js';
import { field, isObject, list } from './repo-files.js';

/** A connection that must be allowed: from pods of one workload to pods of another (by `app.kubernetes.io/name`), TCP port. */
export interface Flow {
  readonly from: string;
  readonly to: string;
  readonly port: number;
}

const SERVICES = ['gateway', 'planner', 'executor', 'policy', 'approval', 'memory'];

/**
 * What Ledgerflow needs inside its namespace (deploy/README.md, "Network policies"): every service to NATS
 * (4222), EventStoreDB (2113) and the collector (OTLP/HTTP 4318); NATS routes (6222) and EventStoreDB
 * gossip/replication (2113, 1112) between their own pods.
 */
export const REQUIRED_FLOWS: readonly Flow[] = [
  ...SERVICES.flatMap((s) => [
    { from: s, to: 'nats', port: 4222 },
    { from: s, to: 'eventstore', port: 2113 },
    { from: s, to: 'otel-collector', port: 4318 },
  ]),
  { from: 'nats', to: 'nats', port: 6222 },
  { from: 'eventstore', to: 'eventstore', port: 2113 },
  { from: 'eventstore', to: 'eventstore', port: 1112 },
];

/** Flows that must stay closed: nothing but the services reaches the store; no service talks to another directly. */
export const DENIED_FLOWS: readonly Flow[] = [
  { from: 'otel-collector', to: 'eventstore', port: 2113 },
  { from: 'nats', to: 'eventstore', port: 2113 },
  { from: 'executor', to: 'gateway', port: 8080 },
  { from: 'gateway', to: 'planner', port: 9464 },
];

const policies = (ms: readonly Manifest[]): Json[] =>
  ms.filter((m) => field(m.doc, 'kind') === 'NetworkPolicy').map((m) => m.doc);
const typesOf = (p: Json): Json[] => list(p, 'spec', 'policyTypes');

/** A peer (`from`/`to` entry) matches a pod of this namespace: a podSelector alone (no namespaceSelector, no ipBlock). */
function peerMatches(peer: Json, labels: Json | undefined): boolean {
  if (field(peer, 'namespaceSelector') !== undefined || field(peer, 'ipBlock') !== undefined) return false;
  return selectsLabels(field(peer, 'podSelector') ?? null, labels);
}

function ruleAllows(rule: Json, peers: 'from' | 'to', labels: Json | undefined, port: number): boolean {
  const ports = list(rule, 'ports');
  const portOk =
    ports.length === 0 ||
    ports.some(
      (p) => (field(p, 'protocol') ?? 'TCP') === 'TCP' && (field(p, 'port') === port || field(p, 'port') === undefined),
    );
  const listed = field(rule, peers);
  const peerOk =
    listed === undefined || list(rule, peers).length === 0 || list(rule, peers).some((p) => peerMatches(p, labels));
  return portOk && peerOk;
}

/**
 * Whether the policies let a pod labelled `from` open TCP `port` to a pod labelled `to` in the same namespace: the
 * source is isolated for egress only when a policy selecting it names Egress, and then some such policy's rule must
 * allow it; likewise for ingress at the destination (NetworkPolicy semantics, kubernetes.io "Network Policies").
 */
export function allows(
  manifests: readonly Manifest[],
  from: Json | undefined,
  to: Json | undefined,
  port: number,
): boolean {
  const all = policies(manifests);
  const side = (pod: Json | undefined, type: 'Egress' | 'Ingress', peer: Json | undefined): boolean => {
    const applying = all.filter(
      (p) => selectsLabels(field(p, 'spec', 'podSelector') ?? null, pod) && typesOf(p).includes(type),
    );
    if (applying.length === 0) return true;
    const rules = type === 'Egress' ? 'egress' : 'ingress';
    return applying.some((p) =>
      list(p, 'spec', rules).some((r) => ruleAllows(r, type === 'Egress' ? 'to' : 'from', peer, port)),
    );
  };
  return side(from, 'Egress', to) && side(to, 'Ingress', from);
}

/** The pod labels of the workload named `name` (`app.kubernetes.io/name`), or undefined. */
function podLabelsOf(manifests: readonly Manifest[], name: string): Json | undefined {
  const w = manifests.find(
    (m) =>
      ['Deployment', 'StatefulSet'].includes(String(field(m.doc, 'kind'))) && field(m.doc, 'metadata', 'name') === name,
  );
  return field(w?.doc, 'spec', 'template', 'metadata', 'labels');
}

/**
 * NetworkPolicy coverage: a default deny (empty podSelector, both policy types, no rules) so every pod is isolated;
 * each {@link REQUIRED_FLOWS} flow allowed at both ends; each {@link DENIED_FLOWS} flow refused.
 */
export function networkPolicyProblems(
  manifests: readonly Manifest[],
  required: readonly Flow[] = REQUIRED_FLOWS,
  denied: readonly Flow[] = DENIED_FLOWS,
): string[] {
  const problems: string[] = [];
  const defaultDeny = policies(manifests).some(
    (p) =>
      isObject(field(p, 'spec', 'podSelector')) &&
      Object.keys(field(p, 'spec', 'podSelector') as object).length === 0 &&
      typesOf(p).includes('Ingress') &&
      typesOf(p).includes('Egress') &&
      list(p, 'spec', 'ingress').length === 0 &&
      list(p, 'spec', 'egress').length === 0,
  );
  if (!defaultDeny) problems.push('NetworkPolicy: no default deny (podSelector {}, Ingress and Egress, no rules)');
  const check = (flow: Flow, expected: boolean): void => {
    const from = podLabelsOf(manifests, flow.from);
    const to = podLabelsOf(manifests, flow.to);
    if (from === undefined || to === undefined) {
      problems.push(`NetworkPolicy: no workload ${from === undefined ? flow.from : flow.to}`);
      return;
    }
    if (allows(manifests, from, to, flow.port) !== expected)
      problems.push(`NetworkPolicy: ${flow.from} -> ${flow.to}:${flow.port} is ${expected ? 'blocked' : 'allowed'}`);
  };
  required.forEach((flow) => check(flow, true));
  denied.forEach((flow) => check(flow, false));
  return problems;
}
