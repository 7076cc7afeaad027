import { isAbsolute, resolve } from 'node:path';
import { UsageError, stringOption } from './args.js';
import type { ParsedArgs } from './args.js';
import { parseCommandLine } from './cli.js';
import type { CliOption } from './command.js';
import { dataDirOf, type DataDirLayout } from './start-layout.js';
import type { WorkerSpec } from './start-plan.js';

export const START_USAGE =
  'start [--data-dir <dir>] [--port <n>] [--nats-port <n>] [--definitions <dir>[,<dir>...]] [--worker <name>=<script>@<subject>[,<subject>...]]... [--single-process]';

/** `ledgerflow start`'s options, for commander. */
export const START_OPTIONS: readonly CliOption[] = [
  {
    flags: '--data-dir <dir>',
    description: 'where state, logs and secrets live (default LEDGERFLOW_DATA_DIR, else .data/ledgerflow)',
  },
  { flags: '--port <n>', description: "the gateway's HTTP port (default LEDGERFLOW_GATEWAY_PORT, else 8080)" },
  {
    flags: '--nats-port <n>',
    description: "nats-server's port when NATS_URL is unset (default LEDGERFLOW_NATS_PORT, else 4222)",
  },
  { flags: '--definitions <dirs>', description: 'comma-separated directories of workflow definitions to load' },
  {
    flags: '--worker <spec>',
    description: 'a tool worker to supervise: <name>=<script>@<subject>[,<subject>...] (repeatable)',
    repeatable: true,
  },
  { flags: '--single-process', description: 'the six services in one Node process' },
];

/** `ledgerflow start`'s command line, checked; paths absolute. */
export interface StartOptions {
  readonly layout: DataDirLayout;
  /** The gateway's HTTP port: `--port`, else `LEDGERFLOW_GATEWAY_PORT`, else 8080. */
  readonly gatewayPort: number;
  /** nats-server's port when this command starts one (no `NATS_URL`): `--nats-port`, else `LEDGERFLOW_NATS_PORT`, else 4222. */
  readonly natsPort: number;
  /** An external NATS server (`NATS_URL`): none is started. */
  readonly externalNatsUrl?: string;
  readonly definitions: readonly string[];
  readonly workers: readonly WorkerSpec[];
  /**
   * `--single-process`: the six services in one Node process (`services`, about a fifth of six processes'
   * memory), each still with its own NATS user and connections; default: each service its own process.
   */
  readonly singleProcess: boolean;
}

function port(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new UsageError(`${what} must be a port number (1..65535), got ${value}`);
  return n;
}

/** `<name>=<script>@<subject>[,<subject>...]`, the script relative to `cwd`. */
function workerOf(spec: string, cwd: string): WorkerSpec {
  const match = /^([A-Za-z0-9_-]+)=([^@]+)@(.+)$/.exec(spec);
  const subjects = (match?.[3] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!match || subjects.length === 0) {
    throw new UsageError(
      `--worker ${spec}: expected <name>=<script>@<subject>[,<subject>...], e.g. bench-workers=examples/bench/dist/workers.js@lf.tool.bench.>`,
    );
  }
  const script = match[2] as string;
  return { name: match[1] as string, script: isAbsolute(script) ? script : resolve(cwd, script), subjects };
}

/**
 * Parses `ledgerflow start`'s arguments (after `start`); relative paths are resolved against `cwd`.
 * @throws UsageError for an unknown option, a bad port, a malformed `--worker`, or a worker named like a service.
 */
export function parseStartOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): StartOptions {
  const line = parseCommandLine({ path: ['start'], usage: START_USAGE, summary: '', options: START_OPTIONS }, args);
  return startOptionsOf(line, env, cwd);
}

/**
 * `ledgerflow start`'s parsed command line, checked; relative paths are resolved against `cwd`.
 * @throws UsageError for a bad port, a malformed `--worker`, or a worker named like a service.
 */
export function startOptionsOf(
  parsed: ParsedArgs,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): StartOptions {
  const options = { get: (name: string) => stringOption(parsed, name) };
  const workers = ((parsed.options.get('worker') as readonly string[] | undefined) ?? []).map((spec) =>
    workerOf(spec, cwd),
  );
  const reserved = [
    'nats-server',
    'services',
    'planner',
    'policy',
    'approval',
    'memory',
    'executor',
    'gateway',
    'admin',
    'publisher',
  ];
  const clash = workers.find((w, i) => reserved.includes(w.name) || workers.findIndex((o) => o.name === w.name) !== i);
  if (clash)
    throw new UsageError(
      `--worker ${clash.name}: the name is taken (by a service, a NATS principal or another worker)`,
    );
  const definitions = (options.get('definitions') ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => resolve(cwd, d));
  return {
    layout: dataDirOf(options.get('data-dir'), env, cwd),
    gatewayPort: port(options.get('port') ?? env.LEDGERFLOW_GATEWAY_PORT ?? '8080', '--port'),
    natsPort: port(options.get('nats-port') ?? env.LEDGERFLOW_NATS_PORT ?? '4222', '--nats-port'),
    ...(env.NATS_URL ? { externalNatsUrl: env.NATS_URL } : {}),
    definitions,
    workers,
    singleProcess: parsed.options.has('single-process'),
  };
}
