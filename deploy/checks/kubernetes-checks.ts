import { Ajv } from 'ajv';
import type { EnvRequirement, Provided } from './config-requirements.js';
import { SERVICE_NAMES, envProblems, literalEnv } from './config-requirements.js';
import { commonConfigProblems } from './compose-checks.js';
import type { Json, JsonObject } from './repo-files.js';
import { field, isObject, list } from './repo-files.js';

/** One parsed Kubernetes object and the file it came from. */
export interface Manifest {
  readonly file: string;
  readonly doc: Json;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const id = (m: Manifest): string =>
  `${m.file}: ${String(field(m.doc, 'kind'))}/${String(field(m.doc, 'metadata', 'name'))}`;
const ofKind = (ms: readonly Manifest[], kind: string): Manifest[] => ms.filter((m) => field(m.doc, 'kind') === kind);
const named = (ms: readonly Manifest[], kind: string, name: string): Manifest | undefined =>
  ofKind(ms, kind).find((m) => field(m.doc, 'metadata', 'name') === name);

/** `selector` (label map) matches `labels` when every selector pair is among them; an empty selector matches nothing here. */
export function selects(selector: Json | undefined, labels: Json | undefined): boolean {
  if (!isObject(selector) || Object.keys(selector).length === 0 || !isObject(labels)) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The kustomization's `resources` against the YAML files beside it (empty: they agree). */
export function kustomizationProblems(kustomization: Json, filesInDir: readonly string[]): string[] {
  const listed = list(kustomization, 'resources').map(String);
  const present = new Set(filesInDir.filter((f) => f !== 'kustomization.yaml' && /\.ya?ml$/.test(f)));
  return [
    ...listed.filter((f) => !present.has(f)).map((f) => `kustomization.yaml: lists ${f}, which does not exist`),
    ...[...present].filter((f) => !listed.includes(f)).map((f) => `kustomization.yaml: does not list ${f}`),
    ...listed.filter((f, i) => listed.indexOf(f) !== i).map((f) => `kustomization.yaml: lists ${f} twice`),
  ];
}

/**
 * The shape every Kubernetes object needs (JSON Schema): apiVersion, kind and metadata.name as non-empty
 * strings, labels as strings (a YAML `true`/`1` label value is rejected by the API server).
 */
const OBJECT_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  properties: {
    apiVersion: { type: 'string', minLength: 1 },
    kind: { type: 'string', minLength: 1 },
    metadata: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1 },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
} as const;
const validateObject = new Ajv({ allErrors: true }).compile(OBJECT_SCHEMA);

/** Structure rules for every object: {@link OBJECT_SCHEMA}; workload selectors match their pod labels; Service/PDB selectors match a workload. */
export function manifestProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of manifests) {
    if (!validateObject(m.doc)) {
      const name = field(m.doc, 'metadata', 'name');
      const what = `${m.file}: ${String(field(m.doc, 'kind') ?? 'an object')}${typeof name === 'string' ? `/${name}` : ''}`;
      for (const e of validateObject.errors ?? [])
        problems.push(`${what}: ${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
    }
    if (
      WORKLOADS.has(String(field(m.doc, 'kind'))) &&
      !selects(field(m.doc, 'spec', 'selector', 'matchLabels'), field(m.doc, 'spec', 'template', 'metadata', 'labels'))
    ) {
      problems.push(`${id(m)}: spec.selector.matchLabels does not match spec.template.metadata.labels`);
    }
    const kind = field(m.doc, 'kind');
    if (kind === 'Service' || kind === 'PodDisruptionBudget') {
      const selector =
        kind === 'Service' ? field(m.doc, 'spec', 'selector') : field(m.doc, 'spec', 'selector', 'matchLabels');
      const hit = manifests.some(
        (w) =>
          WORKLOADS.has(String(field(w.doc, 'kind'))) &&
          selects(selector, field(w.doc, 'spec', 'template', 'metadata', 'labels')),
      );
      if (!hit) problems.push(`${id(m)}: its selector matches no workload's pods`);
    }
  }
  return problems;
}

function podContainers(pod: Json | undefined): JsonObject[] {
  return [...list(pod, 'initContainers'), ...list(pod, 'containers')].filter(isObject);
}

/**
 * Every container: cpu and memory requests and limits; runs as non-root (`runAsNonRoot: true` on the
 * container or pod, `runAsUser` not 0), no privilege escalation; each probe's named port is declared.
 */
export function containerProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of manifests.filter((w) => WORKLOADS.has(String(field(w.doc, 'kind'))))) {
    const pod = field(m.doc, 'spec', 'template', 'spec');
    for (const c of podContainers(pod)) {
      const where = `${id(m)} container ${String(c['name'])}`;
      for (const path of [
        ['requests', 'cpu'],
        ['requests', 'memory'],
        ['limits', 'cpu'],
        ['limits', 'memory'],
      ]) {
        if (field(c, 'resources', ...path) === undefined) problems.push(`${where}: no resources.${path.join('.')}`);
      }
      const nonRoot = field(c, 'securityContext', 'runAsNonRoot') ?? field(pod, 'securityContext', 'runAsNonRoot');
      const user = field(c, 'securityContext', 'runAsUser') ?? field(pod, 'securityContext', 'runAsUser');
      if (nonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
      if (user === 0) problems.push(`${where}: runAsUser is 0 (root)`);
      if (field(c, 'securityContext', 'allowPrivilegeEscalation') !== false)
        problems.push(`${where}: allowPrivilegeEscalation is not false`);
      const ports = new Set(list(c, 'ports').map((p) => field(p, 'name')));
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const port = field(c, probe, 'httpGet', 'port') ?? field(c, probe, 'tcpSocket', 'port');
        if (typeof port === 'string' && !ports.has(port))
          problems.push(`${where}: ${probe} uses port '${port}', not declared`);
      }
    }
  }
  return problems;
}

/** A container's environment as Kubernetes would build it: envFrom ConfigMaps/Secrets, then env. */
export function containerEnvironment(
  container: Json,
  manifests: readonly Manifest[],
  where: string,
  problems: string[],
): Map<string, Provided> {
  const env = new Map<string, Provided>();
  const dataOf = (kind: string, name: string): JsonObject | undefined => {
    const obj = named(manifests, kind, name);
    if (obj === undefined) return undefined;
    return {
      ...(isObject(field(obj.doc, 'data')) ? (field(obj.doc, 'data') as JsonObject) : {}),
      ...(isObject(field(obj.doc, 'stringData')) ? (field(obj.doc, 'stringData') as JsonObject) : {}),
    };
  };
  for (const from of list(container, 'envFrom')) {
    const [kind, name] =
      field(from, 'configMapRef') !== undefined
        ? ['ConfigMap', String(field(from, 'configMapRef', 'name'))]
        : ['Secret', String(field(from, 'secretRef', 'name'))];
    const data = dataOf(kind as string, name as string);
    if (data === undefined) {
      problems.push(`${where}: envFrom ${kind} '${name}' not in the manifests`);
      continue;
    }
    for (const [k, v] of Object.entries(data))
      env.set(
        k,
        kind === 'ConfigMap' ? { kind: 'literal', value: String(v) } : { kind: 'reference', from: `Secret ${name}` },
      );
  }
  for (const e of list(container, 'env')) {
    const name = String(field(e, 'name'));
    if (field(e, 'value') !== undefined) {
      env.set(name, { kind: 'literal', value: String(field(e, 'value')) });
      continue;
    }
    const cm = field(e, 'valueFrom', 'configMapKeyRef');
    const secret = field(e, 'valueFrom', 'secretKeyRef');
    const ref =
      cm !== undefined
        ? { kind: 'ConfigMap', ref: cm }
        : secret !== undefined
          ? { kind: 'Secret', ref: secret }
          : undefined;
    if (ref === undefined) {
      env.set(name, { kind: 'reference', from: 'fieldRef' });
      continue;
    }
    const data = dataOf(ref.kind, String(field(ref.ref, 'name')));
    const key = String(field(ref.ref, 'key'));
    if (data?.[key] === undefined)
      problems.push(
        `${where}: ${name} refers to ${ref.kind} ${String(field(ref.ref, 'name'))} key ${key}, not in the manifests`,
      );
    else
      env.set(
        name,
        ref.kind === 'ConfigMap'
          ? { kind: 'literal', value: String(data[key]) }
          : { kind: 'reference', from: `Secret ${String(field(ref.ref, 'name'))}` },
      );
  }
  return env;
}

/**
 * Each of the six services runs in exactly one workload (container image `ledgerflow`, first argument =
 * service name, as deploy/docker/launch.mjs expects), and gets every variable its config requires.
 * Secret values are supplied at deploy time, so only their presence is checked.
 */
export function serviceEnvProblems(
  manifests: readonly Manifest[],
  requirementsOf: (service: string) => EnvRequirement[],
): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const m of manifests.filter((w) => WORKLOADS.has(String(field(w.doc, 'kind'))))) {
    for (const c of podContainers(field(m.doc, 'spec', 'template', 'spec'))) {
      const service = list(c, 'args')[0];
      if (!String(c['image']).startsWith('ledgerflow') || typeof service !== 'string') continue;
      const where = `${id(m)}`;
      if (!(SERVICE_NAMES as readonly string[]).includes(service)) {
        problems.push(`${where}: runs unknown service '${service}'`);
        continue;
      }
      if (seen.has(service)) problems.push(`${where}: '${service}' already runs in ${seen.get(service)}`);
      seen.set(service, where);
      const env = containerEnvironment(c, manifests, where, problems);
      problems.push(
        ...envProblems(where, requirementsOf(service), env),
        ...commonConfigProblems(where, literalEnv(env)),
      );
    }
  }
  for (const s of SERVICE_NAMES) if (!seen.has(s)) problems.push(`kubernetes: no workload runs '${s}'`);
  return problems;
}

export { named, ofKind };
