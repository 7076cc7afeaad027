import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, freePort, tempDir } from '@ledgerflow/testing';

/**
 * A Prometheus binary (`promtool` or `prometheus`): `$PROMTOOL_BIN` / `$PROMETHEUS_BIN`, else the one on `PATH`, else
 * Debian's in /usr/bin (package `prometheus`, installed by tools/ensure-prometheus.sh, a prerequisite of `make test`).
 * @throws Error naming the binary and how to install it when none is found.
 */
export function prometheusBinary(name: 'promtool' | 'prometheus'): string {
  const fromEnv = process.env[name === 'promtool' ? 'PROMTOOL_BIN' : 'PROMETHEUS_BIN'];
  const candidates = [
    ...(fromEnv ? [fromEnv] : []),
    ...(process.env.PATH ?? '').split(':').map((dir) => join(dir, name)),
    `/usr/bin/${name}`,
  ];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      /* next */
    }
  }
  throw new Error(
    `${name} not found: run tools/ensure-prometheus.sh (Debian package prometheus), or set ${name.toUpperCase()}_BIN`,
  );
}

/** What a `promtool` run printed and its exit status. */
export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs `promtool <args>` (stdin: `input`), synchronously; stdout and stderr together in `output`. */
export function promtool(args: readonly string[], input?: string): PromtoolResult {
  const result = spawnSync(prometheusBinary('promtool'), args, { input, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** One sample of an instant query's result: the series' labels and its value. */
export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A Prometheus server started by a test. */
export interface PrometheusServer {
  readonly url: string;
  /**
   * Evaluates `expr` now (`GET /api/v1/query`).
   * @throws Error with Prometheus's error type and message when the query is refused (e.g. a syntax error).
   */
  query(expr: string): Promise<Sample[]>;
  /** `GET /api/v1/label/<label>/values?match[]=<match>`. */
  labelValues(label: string, match: string): Promise<string[]>;
  /** Targets that are not `up` (scrape errors), as `<job>/<instance>: <lastError>`. */
  unhealthyTargets(): Promise<string[]>;
  stop(): Promise<void>;
}

/** A scrape target: a job label `service` and the `http://host:port/metrics` URL. */
export interface ScrapeTarget {
  readonly service: string;
  readonly url: string;
}

/**
 * Starts Debian's `prometheus` on a free local port with a generated configuration in a temporary directory (TSDB
 * there too): one job `ledgerflow` scraping `targets` every `scrapeIntervalS` seconds (label `service`, as
 * deploy/prometheus/prometheus.yml gives), and `ruleFiles` loaded. Resolves once `/-/ready` answers.
 * @throws Error when the server exits or is not ready within 20 s (with what it printed).
 */
export async function startPrometheus(options: {
  readonly targets: readonly ScrapeTarget[];
  readonly ruleFiles?: readonly string[];
  readonly scrapeIntervalS?: number;
}): Promise<PrometheusServer> {
  const dir = await tempDir('ledgerflow-prometheus-');
  const interval = `${options.scrapeIntervalS ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: [
      {
        job_name: 'ledgerflow',
        static_configs: options.targets.map((t) => {
          const url = new URL(t.url);
          return { targets: [url.host], labels: { service: t.service } };
        }),
      },
    ],
  };
  const configFile = join(dir, 'prometheus.yml');
  // JSON is YAML: Prometheus reads it as it is.
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    prometheusBinary('prometheus'),
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await eventually(
      `prometheus ready (${url}/-/ready)`,
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode})`);
        return fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      20_000,
      100,
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}: ${printed}`);
  }
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; errorType?: string; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.errorType}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    query: async (expr) => {
      const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    labelValues: (label, match) =>
      api<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values?match[]=${encodeURIComponent(match)}`),
    unhealthyTargets: async () => {
      const data = await api<{
        activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }>;
      }>('/api/v1/targets');
      return data.activeTargets
        .filter((t) => t.health !== 'up')
        .map((t) => `${t.labels.job}/${t.labels.service ?? t.labels.instance}: ${t.health} ${t.lastError}`);
    },
    stop,
  };
}

/**
 * A Grafana panel or variable query made runnable by Prometheus: `$__range` and `$__rate_interval` become `range`
 * and `rateInterval`, every `$<variable>` (a multi-value "All" selection) becomes `.*`.
 */
export function grafanaToPromQL(expr: string, range = '10m', rateInterval = '1m'): string {
  return expr
    .replaceAll('$__range', range)
    .replaceAll('$__rate_interval', rateInterval)
    .replace(/\$[a-zA-Z_][a-zA-Z0-9_]*/g, '.*');
}
