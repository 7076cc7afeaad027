import { SERVICE_NAMES } from './config-requirements.js';
import { composeEnvironment, ledgerflowServiceOf } from './compose-checks.js';
import { named } from './kubernetes-checks.js';
import type { Manifest } from './kubernetes-checks.js';
import type { Json } from './repo-files.js';
import { field, isObject, list } from './repo-files.js';

/** The seed file name `ledgerflow nats credentials` writes for a principal (libs/messaging `seedFileName`). */
const seedFile = (principal: string): string => `${principal}.nk`;

const SEED_VARIABLE = 'NATS_NKEY_SEED_FILE';

/** Where a compose service mounts each named volume (`volume:/path[:ro]`). */
function composeMounts(service: Json | undefined): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const v of list(service, 'volumes')) {
    const [source, target] = isObject(v) ? [String(v['source']), String(v['target'])] : String(v).split(':');
    if (source !== undefined && target !== undefined) mounts.set(target, source);
  }
  return mounts;
}

/**
 * NATS runs with authorization in docker-compose.yml (empty: fine): one service runs `ledgerflow nats
 * credentials --out <dir>` into a volume, naming each tool worker; `nats` depends on it having completed and
 * runs `-c <dir>/nats-server.conf` with that volume mounted at `<dir>`; each Ledgerflow service and each
 * tool worker sets `NATS_NKEY_SEED_FILE=<dir>/<its name>.nk` and mounts the volume there.
 */
export function composeNatsCredentialProblems(compose: Json): string[] {
  const services = field(compose, 'services');
  if (!isObject(services)) return ['compose: no services'];
  const entries = Object.entries(services);
  const init = entries.find(([, svc]) => list(svc, 'command').slice(0, 3).join(' ') === 'ledgerflow nats credentials');
  if (init === undefined) return ['compose: no service runs `ledgerflow nats credentials`'];
  const [initName, initSvc] = init;
  const command = list(initSvc, 'command').map(String);
  const dir = command[command.indexOf('--out') + 1] ?? '';
  const volume = composeMounts(initSvc).get(dir);
  if (volume === undefined) return [`services.${initName}: --out ${dir} is not on a named volume`];
  const workers = command.flatMap((arg, i) =>
    command[i - 1] === '--tool-worker' ? [arg.split('=')[0] as string] : [],
  );
  const problems: string[] = [];

  const nats = services['nats'];
  const natsCommand = list(nats, 'command').map(String);
  if (natsCommand[natsCommand.indexOf('-c') + 1] !== `${dir}/nats-server.conf`)
    problems.push(`services.nats: does not run with -c ${dir}/nats-server.conf`);
  if (composeMounts(nats).get(dir) !== volume)
    problems.push(`services.nats: does not mount volume ${volume} at ${dir}`);
  if (field(nats, 'depends_on', initName, 'condition') !== 'service_completed_successfully')
    problems.push(`services.nats: does not wait for ${initName} to complete`);

  for (const [name, svc] of entries) {
    const principal = ledgerflowServiceOf(svc) ?? (workers.includes(name) ? name : undefined);
    if (principal === undefined) continue;
    const seed = composeEnvironment(svc).get(SEED_VARIABLE);
    const expected = `${dir}/${seedFile(principal)}`;
    if (seed?.kind !== 'literal' || seed.value !== expected)
      problems.push(`services.${name}: ${SEED_VARIABLE} is not ${expected}`);
    if (composeMounts(svc).get(dir) !== volume)
      problems.push(`services.${name}: does not mount volume ${volume} at ${dir}`);
  }
  for (const s of SERVICE_NAMES)
    if (!entries.some(([, svc]) => ledgerflowServiceOf(svc) === s)) problems.push(`compose: no service runs '${s}'`);
  return problems;
}

const SECRET = 'ledgerflow-nats';

/**
 * NATS runs with authorization in the Kubernetes base (empty: fine): the `ledgerflow-nats` Secret has
 * `nats-server.conf` and one seed per service; the nats config includes `./auth/nats-server.conf`, projected
 * from that Secret next to it; each service's container sets `NATS_NKEY_SEED_FILE` to a file of a mounted
 * Secret volume holding only its own key `<service>.nk`.
 */
export function kubernetesNatsCredentialProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const secret = named(manifests, 'Secret', SECRET);
  const keys = new Set(
    Object.keys({
      ...(field(secret?.doc, 'data') as object | undefined),
      ...(field(secret?.doc, 'stringData') as object | undefined),
    }),
  );
  for (const key of ['nats-server.conf', ...SERVICE_NAMES.map(seedFile)])
    if (!keys.has(key)) problems.push(`Secret/${SECRET}: no key ${key}`);

  const conf = String(field(named(manifests, 'ConfigMap', 'nats-config')?.doc, 'data', 'nats.conf') ?? '');
  if (!/^\s*include\s+\.\/auth\/nats-server\.conf\s*$/m.test(conf))
    problems.push('nats config: does not include ./auth/nats-server.conf');
  const natsVolumes = list(named(manifests, 'StatefulSet', 'nats')?.doc, 'spec', 'template', 'spec', 'volumes');
  const projected = natsVolumes
    .flatMap((v) => list(v, 'projected', 'sources'))
    .find((src) => field(src, 'secret', 'name') === SECRET);
  if (
    !list(projected, 'secret', 'items').some(
      (i) => field(i, 'key') === 'nats-server.conf' && field(i, 'path') === 'auth/nats-server.conf',
    )
  ) {
    problems.push(
      `StatefulSet/nats: ${SECRET} key nats-server.conf is not projected to auth/nats-server.conf beside nats.conf`,
    );
  }

  for (const m of manifests.filter(
    (x) => field(x.doc, 'kind') === 'Deployment' || field(x.doc, 'kind') === 'StatefulSet',
  )) {
    const pod = field(m.doc, 'spec', 'template', 'spec');
    for (const c of list(pod, 'containers')) {
      const service = list(c, 'args')[0];
      if (
        !String(field(c, 'image')).startsWith('ledgerflow') ||
        !(SERVICE_NAMES as readonly string[]).includes(String(service))
      )
        continue;
      const where = `${String(field(m.doc, 'kind'))}/${String(field(m.doc, 'metadata', 'name'))}`;
      const path = list(c, 'env').find((e) => field(e, 'name') === SEED_VARIABLE);
      const file = String(field(path, 'value') ?? '');
      const mount = list(c, 'volumeMounts').find((v) => file.startsWith(`${String(field(v, 'mountPath'))}/`));
      const volume = list(pod, 'volumes').find((v) => field(v, 'name') === field(mount, 'name'));
      const items = list(volume, 'secret', 'items');
      const ok =
        field(volume, 'secret', 'secretName') === SECRET &&
        items.length === 1 &&
        field(items[0], 'key') === seedFile(String(service)) &&
        `${String(field(mount, 'mountPath'))}/${String(field(items[0], 'path'))}` === file;
      if (!ok)
        problems.push(
          `${where}: ${SEED_VARIABLE} is not the only key ${seedFile(String(service))} of a mounted ${SECRET} volume`,
        );
    }
  }
  return problems;
}
