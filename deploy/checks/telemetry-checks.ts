import { composeEnvironment } from './compose-checks.js';
import type { Json } from './repo-files.js';
import { field, isObject, list } from './repo-files.js';

/** One metric of the table in libs/telemetry/src/metrics.ts. */
export interface MetricRow {
  /** OpenTelemetry name, e.g. `ledgerflow.runs`. */
  readonly name: string;
  readonly kind: 'counter' | 'histogram' | 'gauge' | 'updowncounter';
}

/**
 * The metric table of libs/telemetry/src/metrics.ts's docblock (rows `| \`name\` ... | kind | ...`).
 * @throws Error when the table has no rows (the file changed shape).
 */
export function metricTable(source: string): MetricRow[] {
  const rows = [
    ...source.matchAll(/^\s*\*\s*\|\s*`([a-z0-9_.]+)`[^|]*\|\s*(counter|histogram|gauge|updowncounter)\s*\|/gm),
  ].map((m) => ({ name: m[1] as string, kind: m[2] as MetricRow['kind'] }));
  if (rows.length === 0) throw new Error('metrics.ts: no rows found in the metric table');
  return rows;
}

/**
 * Series names the OpenTelemetry Prometheus exporter exposes for `rows`: dots become underscores,
 * counters get `_total`, histograms `_bucket`, `_sum` and `_count` (no unit suffix).
 */
export function prometheusNames(rows: readonly MetricRow[]): Set<string> {
  const names = new Set<string>();
  for (const { name, kind } of rows) {
    const base = name.replace(/[^a-zA-Z0-9_:]/g, '_');
    if (kind === 'counter') names.add(base.endsWith('_total') ? base : `${base}_total`);
    else if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(base + s);
    else names.add(base);
  }
  return names;
}

/** `ledgerflow_*` identifiers in every string of a value (dashboard JSON: panel and variable queries). */
export function referencedMetrics(value: Json, prefix = 'ledgerflow_'): Set<string> {
  const found = new Set<string>();
  const walk = (v: Json): void => {
    if (typeof v === 'string')
      for (const m of v.matchAll(new RegExp(`\\b${prefix}[a-zA-Z0-9_:]*`, 'g'))) found.add(m[0]);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) Object.values(v).forEach(walk);
  };
  walk(value);
  return found;
}

/**
 * The dashboard uses only exported series, covers each metric of the table at least once, and each
 * panel's datasource uid is a provisioned datasource.
 */
export function dashboardProblems(
  dashboard: Json,
  rows: readonly MetricRow[],
  datasourceUids: ReadonlySet<string>,
): string[] {
  const allowed = prometheusNames(rows);
  const used = referencedMetrics(dashboard);
  const problems = [...used]
    .filter((m) => !allowed.has(m))
    .map((m) => `dashboard: ${m} is not a series of libs/telemetry/src/metrics.ts`);
  for (const row of rows) {
    const series = prometheusNames([row]);
    if (![...series].some((s) => used.has(s))) problems.push(`dashboard: no panel shows ${row.name}`);
  }
  for (const panel of list(dashboard, 'panels')) {
    const uid = field(panel, 'datasource', 'uid');
    if (typeof uid === 'string' && !uid.startsWith('$') && !datasourceUids.has(uid))
      problems.push(`dashboard panel '${String(field(panel, 'title'))}': datasource uid '${uid}' is not provisioned`);
  }
  return problems;
}

/**
 * Prometheus job `job` scrapes exactly the compose services that serve metrics (LEDGERFLOW_METRICS_PORT
 * set), each at `<service>:<that port>`; every target of every job is a compose service (or localhost).
 */
export function prometheusTargetProblems(prometheus: Json, compose: Json, job = 'ledgerflow'): string[] {
  const services = field(compose, 'services');
  if (!isObject(services)) return ['compose: no services'];
  const expected = new Map<string, string>();
  for (const [name, svc] of Object.entries(services)) {
    const port = composeEnvironment(svc).get('LEDGERFLOW_METRICS_PORT');
    if (port?.kind === 'literal' && port.value !== '') expected.set(name, port.value);
  }
  const problems: string[] = [];
  const jobTargets = new Map<string, string>();
  for (const sc of list(prometheus, 'scrape_configs')) {
    const name = String(field(sc, 'job_name'));
    for (const target of list(sc, 'static_configs')
      .flatMap((c) => list(c, 'targets'))
      .map(String)) {
      const [host, port] = target.split(':') as [string, string | undefined];
      if (host !== 'localhost' && !(host in services))
        problems.push(`prometheus job ${name}: target ${target} is not a compose service`);
      if (name === job) jobTargets.set(host, port ?? '');
    }
  }
  for (const [service, port] of expected) {
    const scraped = jobTargets.get(service);
    if (scraped === undefined) problems.push(`prometheus job ${job}: does not scrape ${service} (metrics on ${port})`);
    else if (scraped !== port)
      problems.push(`prometheus job ${job}: scrapes ${service}:${scraped}, its metrics port is ${port}`);
  }
  for (const host of jobTargets.keys())
    if (!expected.has(host)) problems.push(`prometheus job ${job}: scrapes ${host}, which serves no metrics port`);
  return problems;
}

/** An OpenTelemetry Collector config: every pipeline names only defined receivers, processors, exporters; extensions too. */
export function collectorProblems(config: Json, where: string): string[] {
  const problems: string[] = [];
  const pipelines = field(config, 'service', 'pipelines');
  if (!isObject(pipelines) || Object.keys(pipelines).length === 0) return [`${where}: no service.pipelines`];
  for (const [name, pipeline] of Object.entries(pipelines)) {
    for (const section of ['receivers', 'processors', 'exporters']) {
      const defined = field(config, section);
      const used = list(pipeline, section).map(String);
      if (section !== 'processors' && used.length === 0) problems.push(`${where}: pipeline ${name} has no ${section}`);
      for (const u of used)
        if (!isObject(defined) || !(u in defined))
          problems.push(`${where}: pipeline ${name} uses ${section.slice(0, -1)} '${u}', not defined`);
    }
  }
  for (const e of list(config, 'service', 'extensions').map(String)) {
    if (!isObject(field(config, 'extensions')) || !(e in (field(config, 'extensions') as object)))
      problems.push(`${where}: extension '${e}' not defined`);
  }
  return problems;
}

/**
 * Counters declared outside the metric table, as `export const <NAME>_METRIC = '<name>'` in a library's source
 * and created with `createCounter(<NAME>_METRIC, ...)` in the same file (e.g. `ledgerflow.integrity.failures`).
 * `sources`: path -> text of each non-test source file.
 */
export function declaredCounters(sources: ReadonlyMap<string, string>): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const text of sources.values()) {
    for (const m of text.matchAll(/export const ([A-Z_]+_METRIC) = '([a-z0-9_.]+)'/g)) {
      if (new RegExp(`createCounter(<[^()]*>)?\\(${m[1]}\\b`).test(text))
        rows.push({ name: m[2] as string, kind: 'counter' });
    }
  }
  return rows;
}

/** Alerting rules (Prometheus rule file) that name a `ledgerflow_*` series no declared metric produces. */
export function alertProblems(rules: Json, rows: readonly MetricRow[]): string[] {
  const allowed = prometheusNames(rows);
  const problems: string[] = [];
  for (const group of list(rules, 'groups')) {
    for (const rule of list(group, 'rules')) {
      const name = String(field(rule, 'alert'));
      for (const series of referencedMetrics(field(rule, 'expr') ?? null)) {
        if (!allowed.has(series)) problems.push(`alert ${name}: ${series} is not a series any service records`);
      }
    }
  }
  return problems;
}
