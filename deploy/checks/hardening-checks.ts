import type { Manifest } from './kubernetes-checks.js';
import type { Json, JsonObject } from './repo-files.js';
import { field, isObject, list } from './repo-files.js';

const WORKLOADS = new Set(['Deployment', 'StatefulSet']);
const workloads = (ms: readonly Manifest[]): Manifest[] =>
  ms.filter((m) => WORKLOADS.has(String(field(m.doc, 'kind'))));
const nameOf = (m: Manifest): string => `${String(field(m.doc, 'kind'))}/${String(field(m.doc, 'metadata', 'name'))}`;
const containersOf = (m: Manifest): JsonObject[] =>
  [
    ...list(m.doc, 'spec', 'template', 'spec', 'initContainers'),
    ...list(m.doc, 'spec', 'template', 'spec', 'containers'),
  ].filter(isObject);
/** A Ledgerflow service container: the one image, first argument the service (deploy/docker/launch.mjs). */
const isLedgerflow = (c: JsonObject): boolean =>
  String(c['image']).startsWith('ledgerflow') || /\/ledgerflow:/.test(String(c['image']));

/** Probe paths of Ledgerflow containers (docs/operations.md, "Health endpoints"). */
const PROBE_PATHS = { startupProbe: '/healthz', livenessProbe: '/healthz', readinessProbe: '/readyz' } as const;

/**
 * Hardening of every Deployment/StatefulSet: pod `runAsNonRoot: true` and seccomp `RuntimeDefault`; each container
 * `readOnlyRootFilesystem: true`, `allowPrivilegeEscalation: false`, capabilities drop `ALL`, cpu and memory
 * requests; each Ledgerflow container probes `/healthz` (startup, liveness) and `/readyz` (readiness) over HTTP on
 * a declared port.
 */
export function hardeningProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of workloads(manifests)) {
    const pod = field(m.doc, 'spec', 'template', 'spec');
    if (field(pod, 'securityContext', 'runAsNonRoot') !== true)
      problems.push(`${nameOf(m)}: pod securityContext.runAsNonRoot is not true`);
    if (field(pod, 'securityContext', 'seccompProfile', 'type') !== 'RuntimeDefault')
      problems.push(`${nameOf(m)}: pod seccompProfile is not RuntimeDefault`);
    for (const c of containersOf(m)) {
      const where = `${nameOf(m)} container ${String(c['name'])}`;
      if (field(c, 'securityContext', 'readOnlyRootFilesystem') !== true)
        problems.push(`${where}: readOnlyRootFilesystem is not true`);
      if (field(c, 'securityContext', 'allowPrivilegeEscalation') !== false)
        problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (!list(c, 'securityContext', 'capabilities', 'drop').includes('ALL'))
        problems.push(`${where}: capabilities do not drop ALL`);
      for (const resource of ['cpu', 'memory'])
        if (field(c, 'resources', 'requests', resource) === undefined)
          problems.push(`${where}: no resources.requests.${resource}`);
      if (!isLedgerflow(c)) continue;
      const ports = new Set(list(c, 'ports').flatMap((p) => [field(p, 'name'), field(p, 'containerPort')]));
      for (const [probe, path] of Object.entries(PROBE_PATHS)) {
        const get = field(c, probe, 'httpGet');
        if (field(get, 'path') !== path) problems.push(`${where}: ${probe} does not GET ${path}`);
        else if (!ports.has(field(get, 'port') ?? null))
          problems.push(`${where}: ${probe} port ${String(field(get, 'port'))} is not a declared container port`);
      }
    }
  }
  return problems;
}

/** Each workload with more than one replica has a PodDisruptionBudget selecting its pods that keeps one running. */
export function replicatedBudgetProblems(manifests: readonly Manifest[]): string[] {
  const pdbs = manifests.filter((m) => field(m.doc, 'kind') === 'PodDisruptionBudget');
  const problems: string[] = [];
  for (const w of workloads(manifests)) {
    const replicas = Number(field(w.doc, 'spec', 'replicas') ?? 1);
    if (replicas < 2) continue;
    const labels = field(w.doc, 'spec', 'template', 'metadata', 'labels');
    const pdb = pdbs.find((p) => selectsLabels(field(p.doc, 'spec', 'selector'), labels));
    if (pdb === undefined) problems.push(`${nameOf(w)}: ${replicas} replicas and no PodDisruptionBudget`);
    else if (field(pdb.doc, 'spec', 'minAvailable') === undefined && field(pdb.doc, 'spec', 'maxUnavailable') !== 1)
      problems.push(`${nameOf(w)}: its PodDisruptionBudget sets neither minAvailable nor maxUnavailable: 1`);
  }
  return problems;
}

/**
 * A label selector (`matchLabels` and `matchExpressions` with In/NotIn/Exists/DoesNotExist) against pod labels; the
 * empty selector `{}` selects every pod, as in NetworkPolicy `podSelector`.
 */
export function selectsLabels(selector: Json | undefined, labels: Json | undefined): boolean {
  if (!isObject(selector)) return false;
  const have = isObject(labels) ? labels : {};
  const matchLabels = field(selector, 'matchLabels');
  if (isObject(matchLabels) && !Object.entries(matchLabels).every(([k, v]) => have[k] === v)) return false;
  return list(selector, 'matchExpressions').every((e) => {
    const key = String(field(e, 'key'));
    const values = list(e, 'values');
    switch (field(e, 'operator')) {
      case 'In':
        return key in have && values.includes(have[key] ?? null);
      case 'NotIn':
        return !(key in have) || !values.includes(have[key] ?? null);
      case 'Exists':
        return key in have;
      case 'DoesNotExist':
        return !(key in have);
      default:
        return false;
    }
  });
}
