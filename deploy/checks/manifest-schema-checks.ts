import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Manifest } from './kubernetes-checks.js';
import { parseYamlDocuments, repoRoot } from './repo-files.js';
import { field } from './repo-files.js';
import type { TypedObject } from './unknown-fields.js';
import { unknownFieldProblems } from './unknown-fields.js';

/** The kustomize overlays shipped in deploy/kubernetes/overlays (deploy/README.md, "Kubernetes"). */
export const OVERLAYS = ['dev', 'prod'] as const;

/**
 * The objects `kubectl kustomize <dir>` renders (dir relative to the repository root), each as a {@link Manifest}
 * whose `file` names the overlay. Needs kubectl 1.21+ (kustomize 4+; tools/ensure-kubectl.sh).
 * @throws Error with kubectl's message when the kustomization does not build.
 */
export function renderKustomization(dir: string): Manifest[] {
  const text = execFileSync('kubectl', ['kustomize', join(repoRoot, dir)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseYamlDocuments(text, dir).map((doc) => ({ file: dir, doc }));
}

/** A model class of `kubernetes-models` (or a CRD package built the same way): construct, then `validate()`. */
type ModelClass = new (data: unknown) => { validate(): void };

/** The npm module holding the model of `apiVersion`/`kind`: core (`v1`), a group (`apps/v1`), or the Prometheus Operator's CRDs. */
export function modelModuleOf(apiVersion: string, kind: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/'))
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/**
 * Validates every object against the upstream OpenAPI schema of its kind (`kubernetes-models` 5: Kubernetes 1.3x;
 * `@kubernetes-models/prometheus-operator` for PodMonitor/ServiceMonitor), strictly: each object is constructed with
 * its model class and `validate()`d (wrong types, missing required fields, unknown kinds), and since those validators
 * let fields the schema does not declare through, {@link unknownFieldProblems} names those (`readinesProbe`).
 * @returns one line per problem, `<file>: <Kind>/<name>: <schema error>`, or
 * `<file>: <Kind>/<name>: <JSON pointer>: unknown field '<name>'` after them; empty when all are valid.
 */
export async function schemaProblems(manifests: readonly Manifest[]): Promise<string[]> {
  const problems: string[] = [];
  const typed: TypedObject[] = [];
  for (const m of manifests) {
    const apiVersion = String(field(m.doc, 'apiVersion'));
    const kind = String(field(m.doc, 'kind'));
    const where = `${m.file}: ${kind}/${String(field(m.doc, 'metadata', 'name'))}`;
    let Model: ModelClass;
    try {
      Model = ((await import(modelModuleOf(apiVersion, kind))) as Record<string, ModelClass>)[kind] as ModelClass;
    } catch {
      problems.push(`${where}: no schema for ${apiVersion} ${kind}`);
      continue;
    }
    typed.push({ module: modelModuleOf(apiVersion, kind), kind, doc: m.doc, where });
    try {
      new Model(m.doc).validate();
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  }
  return [...problems, ...unknownFieldProblems(typed)];
}
