import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvRequirement } from './config-requirements.js';
import { serviceEnvRequirements } from './config-requirements.js';
import type { Manifest } from './kubernetes-checks.js';
import type { Json } from './repo-files.js';
import { parseYamlDocuments, readRepoFile, readYaml, repoRoot } from './repo-files.js';

export const KUBE_DIR = 'deploy/kubernetes/base';

export const loadCompose = (): Json => readYaml('docker-compose.yml');

export function kubeFiles(): string[] {
  return readdirSync(join(repoRoot, KUBE_DIR)).sort();
}

/** Every object of every manifest listed in the kustomization. */
export function loadManifests(): Manifest[] {
  return kubeFiles()
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .flatMap((file) => parseYamlDocuments(readRepoFile(`${KUBE_DIR}/${file}`), file).map((doc) => ({ file, doc })));
}

const cache = new Map<string, EnvRequirement[]>();
export function requirementsOf(service: string): EnvRequirement[] {
  let found = cache.get(service);
  if (found === undefined) {
    found = serviceEnvRequirements(service);
    cache.set(service, found);
  }
  return found;
}

/** The object `kind/name` of `manifests` (mutable, for tests that break one thing). */
export function findDoc(manifests: Manifest[], kind: string, name: string): Record<string, unknown> {
  const m = manifests.find(
    (x) =>
      (x.doc as { kind?: string }).kind === kind && (x.doc as { metadata?: { name?: string } }).metadata?.name === name,
  );
  if (m === undefined) throw new Error(`no ${kind}/${name}`);
  return m.doc as Record<string, unknown>;
}
