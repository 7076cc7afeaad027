import { CommonConfig, ConfigError, loadConfig } from '@ledgerflow/config';
import type { EnvRequirement, Provided } from './config-requirements.js';
import { SERVICE_NAMES, envProblems, literalEnv } from './config-requirements.js';
import type { Json } from './repo-files.js';
import { field, isObject, list } from './repo-files.js';

/**
 * Compose variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$` for `$`) against
 * `env` (default: empty, i.e. what a fresh checkout gets without a `.env` file). An unset `${VAR}`
 * becomes an empty string, as Compose does.
 */
export function interpolate(text: string, env: Readonly<Record<string, string>> = {}): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}/g,
    (whole, name?: string, colon?: string, fallback?: string) => {
      if (whole === '$$') return '$';
      const value = env[name as string];
      if (fallback === undefined) return value ?? '';
      if (value === undefined || (colon === ':' && value === '')) return fallback;
      return value;
    },
  );
}

/** A compose service's environment (mapping or `KEY=value` list), interpolated. */
export function composeEnvironment(service: Json | undefined): Map<string, Provided> {
  const env = new Map<string, Provided>();
  const raw = field(service, 'environment');
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const [key, ...rest] = String(item).split('=');
      env.set(key as string, { kind: 'literal', value: interpolate(rest.join('=')) });
    }
  } else if (isObject(raw)) {
    for (const [key, value] of Object.entries(raw))
      env.set(key, { kind: 'literal', value: value === null ? '' : interpolate(String(value)) });
  }
  return env;
}

/** The Ledgerflow service a compose service runs: its first command word, when it names one of the six. */
export function ledgerflowServiceOf(service: Json | undefined): string | undefined {
  const command = field(service, 'command');
  const first = Array.isArray(command) ? command[0] : typeof command === 'string' ? command.split(/\s+/)[0] : undefined;
  return typeof first === 'string' && (SERVICE_NAMES as readonly string[]).includes(first) ? first : undefined;
}

/** Host ports a compose service publishes (short `[ip:]host:container[/proto]` and long syntax). */
export function publishedPorts(service: Json | undefined): string[] {
  return list(service, 'ports').flatMap((p) => {
    if (isObject(p))
      return p['published'] === undefined ? [] : [`${String(p['published'])}/${String(p['protocol'] ?? 'tcp')}`];
    const [spec, proto = 'tcp'] = interpolate(String(p)).split('/');
    const parts = (spec as string).split(':');
    return parts.length < 2 ? [] : [`${parts[parts.length - 2]}/${proto}`];
  });
}

/**
 * Every problem found in a parsed docker-compose file (empty: fine):
 * each service has `image` or `build`; each `depends_on` target is a service; no host port is published
 * twice; each of the six Ledgerflow services runs, with every variable its config requires (see
 * {@link envProblems}) and common settings that `loadConfig(CommonConfig)` accepts.
 */
export function composeProblems(compose: Json, requirementsOf: (service: string) => EnvRequirement[]): string[] {
  const problems: string[] = [];
  const services = field(compose, 'services');
  if (!isObject(services)) return ['compose: no services'];
  const names = new Set(Object.keys(services));
  const portOwners = new Map<string, string>();
  const running = new Map<string, string>();

  for (const [name, svc] of Object.entries(services)) {
    if (field(svc, 'image') === undefined && field(svc, 'build') === undefined)
      problems.push(`services.${name}: neither image nor build`);
    const deps = field(svc, 'depends_on');
    const targets = Array.isArray(deps) ? deps.map(String) : isObject(deps) ? Object.keys(deps) : [];
    for (const t of targets) if (!names.has(t)) problems.push(`services.${name}.depends_on: no service '${t}'`);
    for (const port of publishedPorts(svc)) {
      const owner = portOwners.get(port);
      if (owner !== undefined) problems.push(`services.${name}: host port ${port} already published by ${owner}`);
      else portOwners.set(port, name);
    }
    const lf = ledgerflowServiceOf(svc);
    if (lf === undefined) continue;
    running.set(lf, name);
    const env = composeEnvironment(svc);
    problems.push(...envProblems(`services.${name}`, requirementsOf(lf), env));
    problems.push(...commonConfigProblems(`services.${name}`, literalEnv(env)));
  }
  for (const lf of SERVICE_NAMES) if (!running.has(lf)) problems.push(`compose: no service runs '${lf}'`);
  return problems;
}

/** `loadConfig(CommonConfig, env)`'s complaints (format rules: NATS_URL, store kind, esdb URL, ports). */
export function commonConfigProblems(where: string, env: Record<string, string>): string[] {
  // Credential files exist only inside the container (mounted at run time): nats-credential-checks.ts
  // checks that each service names its own seed file and mounts it.
  const {
    NATS_NKEY_SEED_FILE: _seed,
    NATS_TLS_CA_FILE: _ca,
    NATS_TLS_CERT_FILE: _cert,
    NATS_TLS_KEY_FILE: _key,
    ...checkable
  } = env;
  try {
    loadConfig(CommonConfig, checkable);
    return [];
  } catch (error) {
    if (error instanceof ConfigError)
      return error.issues.map((i) => `${where}: ${i.variable} ${i.message} (got ${i.value})`);
    throw error;
  }
}

/**
 * Published ports listen on 127.0.0.1 unless `LEDGERFLOW_BIND` says otherwise: each short-syntax port's host address
 * (after interpolation with `env`, default empty: a fresh checkout without `.env`) and each long-syntax `host_ip`
 * must be `127.0.0.1`. Names each port that would listen on every interface.
 */
export function exposureProblems(compose: Json, env: Readonly<Record<string, string>> = {}): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(
    isObject(field(compose, 'services')) ? (field(compose, 'services') as object) : {},
  ))
    for (const p of list(svc, 'ports')) {
      const ip = isObject(p)
        ? String(p['host_ip'] ?? '')
        : (() => {
            const parts = interpolate(String(p), env).split('/')[0]!.split(':');
            return parts.length >= 3 ? parts.slice(0, -2).join(':') : '';
          })();
      if (ip !== '127.0.0.1')
        problems.push(
          `services.${name}: port ${isObject(p) ? JSON.stringify(p) : String(p)} listens on ${ip || 'every interface'}`,
        );
    }
  return problems;
}

/**
 * Each of the six services has a health check that GETs `/readyz` on the health port its environment sets
 * (`LEDGERFLOW_HEALTH_PORT`), so `depends_on: service_healthy` and `docker compose ps` mean "ready".
 */
export function healthcheckProblems(compose: Json): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(
    isObject(field(compose, 'services')) ? (field(compose, 'services') as object) : {},
  )) {
    if (ledgerflowServiceOf(svc) === undefined) continue;
    const test = list(svc, 'healthcheck', 'test').map(String).join(' ');
    const port = composeEnvironment(svc).get('LEDGERFLOW_HEALTH_PORT');
    if (port?.kind !== 'literal') problems.push(`services.${name}: LEDGERFLOW_HEALTH_PORT is not set`);
    else if (!test.includes(`:${port.value}/readyz`))
      problems.push(`services.${name}: healthcheck does not GET /readyz on port ${port.value}`);
  }
  return problems;
}
