import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { KUBE_DIR, findDoc, loadCompose, loadManifests } from './deploy-inputs.spec-util.js';
import { composeNatsCredentialProblems, kubernetesNatsCredentialProblems } from './nats-credential-checks.js';
import { clone, parseYamlDocuments, repoRoot } from './repo-files.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests poke into parsed files to break them */
const SERVICES = ['planner', 'executor', 'policy', 'approval', 'memory', 'gateway'];

describe('NATS credentials in docker-compose.yml', () => {
  const compose = loadCompose();

  it('generates them once, runs nats-server with them, and gives every service and tool worker its own seed', () => {
    expect(composeNatsCredentialProblems(compose)).toEqual([]);
  });

  it("fails a service with another principal's seed, a nats-server without the config, a worker without its volume", () => {
    const broken = clone(compose) as any;
    broken.services.executor.environment.NATS_NKEY_SEED_FILE = '/var/lib/ledgerflow-nats/gateway.nk';
    broken.services.nats.command = ['-js', '-sd', '/data'];
    broken.services['claim-review-workers'].volumes = ['workers-data:/var/lib/ledgerflow'];
    expect(composeNatsCredentialProblems(broken)).toEqual([
      'services.nats: does not run with -c /var/lib/ledgerflow-nats/nats-server.conf',
      'services.executor: NATS_NKEY_SEED_FILE is not /var/lib/ledgerflow-nats/executor.nk',
      'services.claim-review-workers: does not mount volume nats-credentials at /var/lib/ledgerflow-nats',
    ]);
  });
});

describe('NATS credentials in deploy/kubernetes', () => {
  const manifests = loadManifests();

  it('runs nats-server with the users of the ledgerflow-nats Secret and mounts each service only its own seed', () => {
    expect(kubernetesNatsCredentialProblems(manifests)).toEqual([]);
  });

  it("fails a service mounting another service's seed and a nats config without the users", () => {
    const broken = structuredClone(manifests);
    const executor = findDoc(broken, 'Deployment', 'executor') as any;
    executor.spec.template.spec.volumes.find((v: any) => v.name === 'nats-seed').secret.items[0].key = 'planner.nk';
    const config = findDoc(broken, 'ConfigMap', 'nats-config') as any;
    config.data['nats.conf'] = config.data['nats.conf'].replace('include ./auth/nats-server.conf', '');
    expect(kubernetesNatsCredentialProblems(broken)).toEqual([
      'nats config: does not include ./auth/nats-server.conf',
      'Deployment/executor: NATS_NKEY_SEED_FILE is not the only key executor.nk of a mounted ledgerflow-nats volume',
    ]);
  });

  it('takes generated credentials through an overlay secretGenerator (deploy/README.md)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lf-kustomize-nats-'));
    try {
      // The built CLI, as an operator runs it (`make test` builds first).
      execFileSync(process.execPath, [
        join(repoRoot, 'tools/cli/dist/main.js'),
        'nats',
        'credentials',
        '--out',
        join(dir, 'nats-credentials'),
      ]);
      const files = ['nats-server.conf', ...SERVICES.map((s) => `${s}.nk`)].map((f) => `nats-credentials/${f}`);
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        [
          'resources:',
          `  - ${relative(dir, join(repoRoot, KUBE_DIR))}`,
          'secretGenerator:',
          '  - name: ledgerflow-nats',
          '    namespace: ledgerflow',
          '    behavior: replace',
          '    files:',
          ...files.map((f) => `      - ${f}`),
          '',
        ].join('\n'),
      );
      const built = parseYamlDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }), 'overlay');
      const secret = built.find(
        (d: any) => d.kind === 'Secret' && String(d.metadata.name).startsWith('ledgerflow-nats'),
      ) as any;
      const decode = (key: string) => Buffer.from(secret.data[key], 'base64').toString('utf8');
      expect(decode('nats-server.conf')).toBe(readFileSync(join(dir, 'nats-credentials/nats-server.conf'), 'utf8'));
      expect(decode('executor.nk').trim()).toMatch(/^SU[A-Z2-7]{56}$/);
      const executor = built.find((d: any) => d.kind === 'Deployment' && d.metadata.name === 'executor') as any;
      expect(executor.spec.template.spec.volumes.find((v: any) => v.name === 'nats-seed').secret.secretName).toBe(
        secret.metadata.name,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
