import { selectsLabels } from './hardening-checks.js';
import type { Manifest } from './kubernetes-checks.js';
import type { Json } from './repo-files.js';
import { field, isObject, list } from './repo-files.js';

/** A label a dashboard query or an alert groups or filters by, and where: `dashboard panel 'Heap used'`, `alert X`. */
export interface LabelUse {
  readonly label: string;
  readonly where: string;
}

/** The labels of one scrape target after relabeling (no `__` labels), and what it scrapes (`gateway:9464`, ...). */
export interface ScrapeTarget {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One way Ledgerflow's service endpoints get scraped (compose's prometheus.yml, the Kubernetes PodMonitor). */
export interface ScrapeSetup {
  readonly name: string;
  readonly targets: readonly ScrapeTarget[];
}

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Label names a PromQL (or Grafana `label_values(...)`) expression groups or filters by: `by`/`without`/`on`/
 * `ignoring`/`group_left`/`group_right` lists, selector matchers, `label_values`' label; `__name__` and friends left
 * out. Quoted strings are blanked first, so a matcher's value never reads as a label.
 */
export function promqlLabels(expr: string): Set<string> {
  const text = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  const names: string[] = [];
  for (const m of text.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g))
    names.push(...(m[1] as string).split(','));
  for (const m of text.matchAll(/\{([^}]*)\}/g))
    for (const matcher of (m[1] as string).split(',')) names.push(matcher.split(/=~|!~|!=|=/)[0] as string);
  for (const m of text.matchAll(/\blabel_values\((?:[^,()]*(?:\{[^}]*\})?\s*,)?\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)/g))
    names.push(m[1] as string);
  return new Set(names.map((n) => n.trim()).filter((n) => LABEL.test(n) && !n.startsWith('__')));
}

/** Label uses of a Grafana dashboard: every panel's (rows' too) target `expr`, every template variable's query. */
export function dashboardLabelUses(dashboard: Json): LabelUse[] {
  const uses: LabelUse[] = [];
  const panels = (ps: Json[]): void => {
    for (const panel of ps) {
      const where = `dashboard panel '${String(field(panel, 'title'))}'`;
      for (const t of list(panel, 'targets'))
        for (const label of promqlLabels(String(field(t, 'expr') ?? ''))) uses.push({ label, where });
      panels(list(panel, 'panels'));
    }
  };
  panels(list(dashboard, 'panels'));
  for (const v of list(dashboard, 'templating', 'list')) {
    const query = field(v, 'query');
    const text = [field(v, 'definition'), isObject(query) ? field(query, 'query') : query].filter(
      (q): q is string => typeof q === 'string',
    );
    const where = `dashboard variable '${String(field(v, 'name'))}'`;
    for (const label of new Set(text.flatMap((q) => [...promqlLabels(q)]))) uses.push({ label, where });
  }
  return uses;
}

/** Label uses of a Prometheus rule file: each alert's `expr`, and `$labels.<name>` in its labels and annotations. */
export function alertLabelUses(rules: Json): LabelUse[] {
  const uses: LabelUse[] = [];
  for (const rule of list(rules, 'groups').flatMap((g) => list(g, 'rules'))) {
    const where = `alert ${String(field(rule, 'alert') ?? field(rule, 'record'))}`;
    const templates = [field(rule, 'labels'), field(rule, 'annotations')]
      .flatMap((o) => (isObject(o) ? Object.values(o) : []))
      .map(String)
      .join('\n');
    const labels = new Set([
      ...promqlLabels(String(field(rule, 'expr') ?? '')),
      ...[...templates.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((m) => m[1] as string),
    ]);
    for (const label of labels) uses.push({ label, where });
  }
  return uses;
}

/**
 * Applies relabeling rules (Prometheus `relabel_configs`, snake_case, or a Prometheus Operator `relabelings`,
 * camelCase) to a target's labels, as Prometheus does: actions replace (the default), keep, drop, labelmap,
 * labeldrop, labelkeep; `regex` anchored, default `(.*)`; `separator` `;`; `replacement` `$1`.
 * @returns the labels, or undefined when a keep/drop rule drops the target.
 * @throws Error naming an action this does not model (hashmod, lowercase, ...).
 */
export function relabel(labels: Record<string, string>, rules: readonly Json[]): Record<string, string> | undefined {
  let out = { ...labels };
  for (const rule of rules) {
    const get = (snake: string, camel: string): Json | undefined => field(rule, snake) ?? field(rule, camel);
    const action = String(get('action', 'action') ?? 'replace').toLowerCase();
    const regex = new RegExp(`^(?:${String(get('regex', 'regex') ?? '(.*)')})$`);
    const replacement = String(get('replacement', 'replacement') ?? '$1').replace(/\$\{(\d+)\}/g, '$$$1');
    const sources = list(rule, 'source_labels').length > 0 ? list(rule, 'source_labels') : list(rule, 'sourceLabels');
    const value = sources.map((s) => out[String(s)] ?? '').join(String(get('separator', 'separator') ?? ';'));
    const target = get('target_label', 'targetLabel');
    if (action === 'replace') {
      if (!regex.test(value) || typeof target !== 'string') continue;
      const result = value.replace(regex, replacement);
      if (result === '') delete out[target];
      else out[target] = result;
    } else if (action === 'keep' || action === 'drop') {
      if (regex.test(value) !== (action === 'keep')) return undefined;
    } else if (action === 'labelmap') {
      for (const [k, v] of Object.entries(out)) if (regex.test(k)) out[k.replace(regex, replacement)] = v;
    } else if (action === 'labeldrop' || action === 'labelkeep') {
      out = Object.fromEntries(Object.entries(out).filter(([k]) => regex.test(k) === (action === 'labelkeep')));
    } else {
      throw new Error(`relabel: action '${action}' is not modelled`);
    }
  }
  return out;
}

/** The labels Prometheus stores for a target: `instance` defaults to the address; `__` labels are dropped. */
function stored(labels: Record<string, string>): Record<string, string> {
  const withInstance = { instance: labels.__address__ ?? '', ...labels };
  return Object.fromEntries(Object.entries(withInstance).filter(([k]) => !k.startsWith('__')));
}

/** The targets of job `job` of a Prometheus configuration (static_configs, their labels, relabel_configs). */
export function composeScrapeTargets(prometheus: Json, job: string): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  for (const sc of list(prometheus, 'scrape_configs').filter((c) => field(c, 'job_name') === job)) {
    for (const group of list(sc, 'static_configs')) {
      const staticLabels = field(group, 'labels');
      for (const address of list(group, 'targets').map(String)) {
        const labels = relabel(
          {
            __address__: address,
            job,
            ...(isObject(staticLabels)
              ? Object.fromEntries(Object.entries(staticLabels).map(([k, v]) => [k, String(v)]))
              : {}),
          },
          list(sc, 'relabel_configs'),
        );
        if (labels !== undefined) targets.push({ id: address, labels: stored(labels) });
      }
    }
  }
  return targets;
}

/** Kubernetes service discovery's name for a pod label or annotation key: non-alphanumerics become `_`. */
const metaKey = (prefix: string, key: string): string => `${prefix}${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;

/**
 * The targets a Prometheus Operator PodMonitor gets from the workloads of `manifests` whose pod template it selects,
 * one per `podMetricsEndpoints` entry naming a container port: the pod's discovery labels
 * (`__meta_kubernetes_pod_label_<key>`, ...), the labels the operator adds (`job`: the pod label `jobLabel` names or
 * `<namespace>/<podmonitor>`; `namespace`, `pod`, `container`, `endpoint`, `podTargetLabels`), then the endpoint's
 * `relabelings`. Pod names and addresses are stand-ins (`<workload>-0`, `<workload>-0:<port>`).
 */
export function podMonitorScrapeTargets(podMonitor: Json, manifests: readonly Manifest[]): ScrapeTarget[] {
  const namespace = String(field(podMonitor, 'metadata', 'namespace') ?? 'default');
  const jobLabel = field(podMonitor, 'spec', 'jobLabel');
  const targets: ScrapeTarget[] = [];
  for (const m of manifests) {
    if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(String(field(m.doc, 'kind')))) continue;
    const podLabels = field(m.doc, 'spec', 'template', 'metadata', 'labels');
    if (!isObject(podLabels) || !selectsLabels(field(podMonitor, 'spec', 'selector'), podLabels)) continue;
    const pod = `${String(field(m.doc, 'metadata', 'name'))}-0`;
    const annotations = field(m.doc, 'spec', 'template', 'metadata', 'annotations');
    for (const endpoint of list(podMonitor, 'spec', 'podMetricsEndpoints')) {
      for (const container of list(m.doc, 'spec', 'template', 'spec', 'containers')) {
        const port = list(container, 'ports').find((p) => field(p, 'name') === field(endpoint, 'port'));
        if (port === undefined) continue;
        const meta: Record<string, string> = { __address__: `${pod}:${String(field(port, 'containerPort'))}` };
        for (const [k, v] of Object.entries(podLabels)) meta[metaKey('__meta_kubernetes_pod_label_', k)] = String(v);
        for (const [k, v] of Object.entries(isObject(annotations) ? annotations : {}))
          meta[metaKey('__meta_kubernetes_pod_annotation_', k)] = String(v);
        const job = typeof jobLabel === 'string' ? podLabels[jobLabel] : undefined;
        const added: Record<string, string> = {
          job: job === undefined ? `${namespace}/${String(field(podMonitor, 'metadata', 'name'))}` : String(job),
          namespace,
          pod,
          container: String(field(container, 'name')),
          endpoint: String(field(endpoint, 'port')),
        };
        for (const k of list(podMonitor, 'spec', 'podTargetLabels').map(String))
          if (podLabels[k] !== undefined) added[k.replace(/[^a-zA-Z0-9_]/g, '_')] = String(podLabels[k]);
        const labels = relabel({ ...meta, ...added }, list(endpoint, 'relabelings'));
        if (labels !== undefined)
          targets.push({ id: `${String(field(m.doc, 'kind'))}/${pod}`, labels: stored(labels) });
      }
    }
  }
  return targets;
}

/**
 * Every label used by `uses` that a scrape set-up attaches to its targets (a target label, as opposed to a metric's
 * own attribute: labels no set-up attaches are left out) is on every target of every set-up, with the same values in
 * each (`instance`, an address, excepted).
 * @returns one line per problem: `<set-up>: no '<label>' on <targets> (used by <where>, ...)` or
 * `'<label>' values differ: <set-up> [..], <set-up> [..] (used by ...)`; empty when the set-ups agree.
 */
export function scrapeLabelProblems(uses: readonly LabelUse[], setups: readonly ScrapeSetup[]): string[] {
  const targetLabels = new Set(setups.flatMap((s) => s.targets.flatMap((t) => Object.keys(t.labels))));
  const usedBy = new Map<string, string[]>();
  for (const u of uses)
    if (targetLabels.has(u.label)) usedBy.set(u.label, [...new Set([...(usedBy.get(u.label) ?? []), u.where])]);
  const problems = setups.filter((s) => s.targets.length === 0).map((s) => `${s.name}: no targets`);
  for (const [label, wheres] of [...usedBy].sort(([a], [b]) => a.localeCompare(b))) {
    const used = `used by ${wheres.join(', ')}`;
    const missing = setups.map((s) => s.targets.filter((t) => t.labels[label] === undefined).map((t) => t.id));
    setups.forEach((s, i) => {
      if (missing[i]?.length) problems.push(`${s.name}: no '${label}' on ${missing[i].join(', ')} (${used})`);
    });
    if (label === 'instance' || missing.some((m) => m.length > 0)) continue;
    const values = setups.map((s) => [...new Set(s.targets.map((t) => t.labels[label] ?? ''))].sort().join(', '));
    if (values.some((v) => v !== values[0]))
      problems.push(
        `'${label}' values differ: ${setups.map((s, i) => `${s.name} [${values[i]}]`).join(', ')} (${used})`,
      );
  }
  return problems;
}
