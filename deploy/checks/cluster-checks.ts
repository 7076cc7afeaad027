import type { Manifest } from './kubernetes-checks.js';
import { named, ofKind, selects } from './kubernetes-checks.js';
import { field, list } from './repo-files.js';

/**
 * A clustered StatefulSet (NATS, EventStoreDB): `replicas` as required, and `serviceName` naming a
 * headless Service (clusterIP None, publishNotReadyAddresses so peers find each other before they are
 * ready) whose selector matches the pods.
 */
export function clusteredStatefulSetProblems(manifests: readonly Manifest[], name: string, replicas: number): string[] {
  const sts = named(manifests, 'StatefulSet', name);
  if (sts === undefined) return [`kubernetes: no StatefulSet '${name}'`];
  const problems: string[] = [];
  if (field(sts.doc, 'spec', 'replicas') !== replicas)
    problems.push(`StatefulSet/${name}: replicas ${String(field(sts.doc, 'spec', 'replicas'))}, expected ${replicas}`);
  const serviceName = String(field(sts.doc, 'spec', 'serviceName'));
  const svc = named(manifests, 'Service', serviceName);
  if (svc === undefined)
    return [...problems, `StatefulSet/${name}: serviceName '${serviceName}' is not a Service here`];
  if (field(svc.doc, 'spec', 'clusterIP') !== 'None')
    problems.push(`Service/${serviceName}: not headless (clusterIP: None)`);
  if (field(svc.doc, 'spec', 'publishNotReadyAddresses') !== true)
    problems.push(`Service/${serviceName}: publishNotReadyAddresses is not true`);
  if (!selects(field(svc.doc, 'spec', 'selector'), field(sts.doc, 'spec', 'template', 'metadata', 'labels')))
    problems.push(`Service/${serviceName}: selector does not match StatefulSet/${name} pods`);
  return problems;
}

/**
 * The NATS StatefulSet runs with JetStream and a full cluster: its mounted config (a ConfigMap key named
 * in `--config`) has a `jetstream` block with a `store_dir` on a volume claim, and `cluster.routes` naming
 * every pod (`<name>-<i>.<serviceName>:<port>`), as many as replicas.
 */
export function natsProblems(manifests: readonly Manifest[], replicas = 3): string[] {
  const problems = clusteredStatefulSetProblems(manifests, 'nats', replicas);
  const sts = named(manifests, 'StatefulSet', 'nats');
  if (sts === undefined) return problems;
  const container = list(sts.doc, 'spec', 'template', 'spec', 'containers')[0];
  const args = list(container, 'args').map(String);
  const configPath =
    args[args.indexOf('--config') + 1] ?? args.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  if (args.indexOf('--config') < 0 || configPath === undefined)
    return [...problems, 'StatefulSet/nats: no --config argument'];
  const dir = configPath.slice(0, configPath.lastIndexOf('/'));
  const fileName = configPath.slice(configPath.lastIndexOf('/') + 1);
  const mount = list(container, 'volumeMounts').find((v) => field(v, 'mountPath') === dir);
  const volume = list(sts.doc, 'spec', 'template', 'spec', 'volumes').find(
    (v) => field(v, 'name') === field(mount, 'name'),
  );
  // A configMap volume, or a projected one with a configMap source (nats.yaml adds the users' Secret to it).
  const cmName =
    field(volume, 'configMap', 'name') ??
    list(volume, 'projected', 'sources')
      .map((src) => field(src, 'configMap', 'name'))
      .find((n) => n !== undefined);
  const conf =
    typeof cmName === 'string' ? field(named(manifests, 'ConfigMap', cmName)?.doc, 'data', fileName) : undefined;
  if (typeof conf !== 'string') return [...problems, `StatefulSet/nats: ${configPath} is not a mounted ConfigMap key`];
  const jetstream = /\bjetstream\s*[:=]?\s*\{([^}]*)\}/.exec(conf);
  if (jetstream === null) problems.push('nats config: no jetstream { ... } block (JetStream off)');
  const storeDir = /store_dir\s*[:=]?\s*"?([^\s"]+)/.exec(jetstream?.[1] ?? '')?.[1];
  const claims = list(sts.doc, 'spec', 'volumeClaimTemplates').map((c) => field(c, 'metadata', 'name'));
  const onClaim = list(container, 'volumeMounts').some(
    (v) => claims.includes(field(v, 'name') ?? null) && storeDir?.startsWith(String(field(v, 'mountPath'))),
  );
  if (!onClaim) problems.push(`nats config: jetstream store_dir '${storeDir ?? '(unset)'}' is not on a volume claim`);
  const routes = [...(/routes\s*[:=]?\s*\[([^\]]*)\]/.exec(conf)?.[1] ?? '').matchAll(/nats:\/\/([^\s,:]+):\d+/g)].map(
    (r) => r[1],
  );
  const serviceName = String(field(sts.doc, 'spec', 'serviceName'));
  const expected = Array.from({ length: replicas }, (_, i) => `nats-${i}.${serviceName}`);
  for (const host of expected)
    if (!routes.includes(host)) problems.push(`nats config: cluster.routes has no route to ${host}`);
  for (const host of routes)
    if (!expected.includes(host as string))
      problems.push(`nats config: route to ${host}, not a pod of StatefulSet/nats`);
  return problems;
}

/** EventStoreDB: clustered StatefulSet whose EVENTSTORE_CLUSTER_SIZE equals its replicas. */
export function eventStoreProblems(manifests: readonly Manifest[], replicas = 3): string[] {
  const problems = clusteredStatefulSetProblems(manifests, 'eventstore', replicas);
  const sts = named(manifests, 'StatefulSet', 'eventstore');
  const env = list(list(sts?.doc, 'spec', 'template', 'spec', 'containers')[0], 'env');
  const size = field(
    env.find((e) => field(e, 'name') === 'EVENTSTORE_CLUSTER_SIZE'),
    'value',
  );
  if (sts !== undefined && size !== String(replicas))
    problems.push(`StatefulSet/eventstore: EVENTSTORE_CLUSTER_SIZE ${String(size)}, expected ${replicas}`);
  return problems;
}

/** Every workload has a PodDisruptionBudget selecting its pods. */
export function disruptionBudgetProblems(manifests: readonly Manifest[]): string[] {
  const pdbs = ofKind(manifests, 'PodDisruptionBudget');
  return [...ofKind(manifests, 'Deployment'), ...ofKind(manifests, 'StatefulSet')]
    .filter(
      (w) =>
        !pdbs.some((p) =>
          selects(
            field(p.doc, 'spec', 'selector', 'matchLabels'),
            field(w.doc, 'spec', 'template', 'metadata', 'labels'),
          ),
        ),
    )
    .map(
      (w) =>
        `${String(field(w.doc, 'kind'))}/${String(field(w.doc, 'metadata', 'name'))}: no PodDisruptionBudget selects its pods`,
    );
}
