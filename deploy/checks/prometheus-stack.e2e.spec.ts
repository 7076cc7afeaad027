import { isDeepStrictEqual } from 'node:util';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  SERVICE_NAMES,
  authHeader,
  benchWorkers,
  devToken,
  eventually,
  freePort,
  startRunOverHttp,
  startStack,
  tempDir,
} from '@ledgerflow/testing';
import type { ServiceName, Stack } from '@ledgerflow/testing';
import type { PrometheusServer } from './prometheus-tools.spec-util.js';
import { grafanaToPromQL, promtool, startPrometheus } from './prometheus-tools.spec-util.js';
import { field, list, readRepoFile, readYaml, repoRoot } from './repo-files.js';
import type { Json } from './repo-files.js';

/** A run's event as `GET /v1/runs/{runId}/events` gives it (type and data are all this test reads). */
interface RunEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * The metrics of a live stack, as a platform team would check them: nats-server, the six services (each its own OS
 * process, each serving /metrics on its own port) and the claim-review tool workers run the demo's claims (a gate
 * approved, a payout denied by policy, a fraud screening retried after an outage) plus a gate that escalates at its
 * 2 s SLA and is rejected. Then `promtool check metrics` on every endpoint, and a real Prometheus server (Debian's,
 * scraping every second) runs every query of the Grafana dashboard and every alert expression.
 */
describe('metrics of a live stack, scraped by Prometheus', () => {
  let stack: Stack;
  let prometheus: PrometheusServer;
  const metricsUrls = new Map<ServiceName, string>();
  const ended = (events: readonly RunEvent[]) =>
    events.some((e) => ['RunCompleted', 'RunFailed', 'RunCancelled'].includes(e.type));

  beforeAll(async () => {
    const serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = {};
    for (const name of SERVICE_NAMES) {
      const port = await freePort();
      serviceEnv[name] = { LEDGERFLOW_METRICS_PORT: String(port) };
      metricsUrls.set(name, `http://127.0.0.1:${port}/metrics`);
    }
    const dataDir = await tempDir('ledgerflow-metrics-e2e-');
    [stack, prometheus] = await Promise.all([
      startStack({
        dataDir,
        serviceEnv,
        env: {
          LEDGERFLOW_DEFINITIONS_DIR: 'examples/claim-review/workflows,services/approval/src/fixtures/workflows',
        },
        extras: [
          {
            name: 'claim-review-workers',
            script: 'examples/claim-review/dist/workers.js',
            readyLine: /^ledgerflow:ready claim-review-workers$/,
            env: { CLAIM_FRAUD_OUTAGE_CLAIMS: 'CLM-2026-0006', CLAIM_BILLING_LEDGER: join(dataDir, 'billing.jsonl') },
          },
          benchWorkers(),
        ],
      }),
      startPrometheus({
        targets: [...metricsUrls].map(([service, url]) => ({ service, url })),
        ruleFiles: [join(repoRoot, 'deploy/prometheus/alerts.yml')],
      }),
    ]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([stack?.stop(), prometheus?.stop()]);
  }, 30_000);

  it('records the demo runs, a gate approved, a gate escalated and rejected', async () => {
    const claimsDir = join(repoRoot, 'examples/claim-review/claims');
    const claims = readdirSync(claimsDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(claimsDir, f), 'utf8')) as { claimId: string });
    const runs = await Promise.all(
      claims.map((claim) => startRunOverHttp(stack, 'claim-review', { input: claim, idempotencyKey: claim.claimId })),
    );
    const escalating = await startRunOverHttp(stack, 'gate-sla', { input: {}, idempotencyKey: 'metrics-sla' });

    await decideGate(runs, 'claims-lead', 'approve', (events) => events.some((e) => e.type === 'GateOpened'));
    await decideGate([escalating], 'second-reviewer', 'reject', (events) =>
      events.some((e) => e.type === 'GateEscalated'),
    );
    for (const runId of [...runs, escalating]) await eventsWhen(runId, ended, 'the run to end');
  }, 60_000);

  it('serves metrics promtool accepts on every service', async () => {
    for (const [service, url] of metricsUrls) {
      const body = await (await fetch(url)).text();
      expect({ service, runtime: body.includes('nodejs_eventloop_delay_p99') }).toEqual({ service, runtime: true });
      const result = promtool(['check', 'metrics'], body);
      expect({ service, ...result }).toEqual({ service, status: 0, output: '' });
    }
  });

  it('counts runs, steps, gates and escalations exactly, with low-cardinality labels', async () => {
    const value = async (expr: string): Promise<number | undefined> => (await prometheus.query(expr))[0]?.value;
    // The relay counts the runs' last events once they are in LF_EVENTS; Prometheus scrapes every second.
    await eventually(
      'every run counted',
      async () => (await value('sum(ledgerflow_runs_total{status=~"completed|failed"})')) === 7,
      20_000,
      200,
    );
    /** `sum by (<labels>) (<metric>)` as `{'<label values, in the order given>': value}`. */
    const series = async (labels: readonly string[], metric: string) =>
      Object.fromEntries(
        (await prometheus.query(`sum by (${labels.join(', ')}) (${metric})`)).map(
          (s) => [labels.map((l) => s.metric[l]).join(' '), s.value] as const,
        ),
      );
    expect(await series(['workflow', 'status'], 'ledgerflow_runs_total')).toEqual({
      'claim-review triggered': 6,
      'claim-review completed': 5,
      'claim-review failed': 1,
      'claim-review cancelled': 0,
      'gate-sla triggered': 1,
      'gate-sla completed': 0,
      'gate-sla failed': 1,
      'gate-sla cancelled': 0,
    });
    // Each target is scraped on its own: approval's gate waits may reach Prometheus a scrape after the runs' ends.
    const gateWaits = { 'claim-review approved': 1, 'gate-sla rejected': 1 };
    await eventually(
      'both gate waits scraped',
      async () => isDeepStrictEqual(await series(['workflow', 'outcome'], 'ledgerflow_gate_wait_count'), gateWaits),
      10_000,
      200,
    ).catch(() => undefined); // the assertion below reports what was there
    expect(await series(['workflow', 'outcome'], 'ledgerflow_gate_wait_count')).toEqual(gateWaits);
    expect(await series(['workflow'], 'ledgerflow_gate_escalations_total')).toEqual({
      'claim-review': 0,
      'gate-sla': 1,
    });
    // The fraud screening of CLM-2026-0006 fails once (a simulated outage), then succeeds.
    expect(await value('sum(ledgerflow_step_duration_count{tool="fraud",action="screen",outcome="failed"})')).toBe(1);
    expect(await value('sum(ledgerflow_step_duration_count{tool="billing",action="payout",outcome="succeeded"})')).toBe(
      5,
    );
    expect(await value('sum(ledgerflow_policy_decisions_total{outcome="deny"})')).toBeGreaterThanOrEqual(1);
    expect(
      await value('sum(ledgerflow_event_store_append_duration_count{store="sqlite",outcome="ok"})'),
    ).toBeGreaterThan(20);
    expect(await value('sum(ledgerflow_relay_lag_count)')).toBeGreaterThan(20);
    // Ids never become labels.
    const labels = await fetch(`${prometheus.url}/api/v1/labels`).then((r) => r.json() as Promise<{ data: string[] }>);
    expect(labels.data.filter((l) => /run|step_id|gate_id|idempotency/i.test(l))).toEqual([]);
  }, 30_000);

  it('answers every query of the Grafana dashboard with data', async () => {
    const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/ledgerflow.json')) as Json;
    const queries = list(dashboard, 'panels').flatMap((panel) =>
      list(panel, 'targets').map((t) => ({
        panel: String(field(panel, 'title')),
        expr: grafanaToPromQL(String(field(t, 'expr'))),
      })),
    );
    expect(queries.length).toBeGreaterThan(20);
    // The rate windows need two scrapes after the runs: wait until every query answers, then report those that do not.
    const empty = async () => {
      const missing: string[] = [];
      for (const q of queries) if ((await prometheus.query(q.expr)).length === 0) missing.push(`${q.panel}: ${q.expr}`);
      return missing;
    };
    await eventually(
      'every dashboard query to return data',
      async () => (await empty()).length === 0,
      15_000,
      500,
    ).catch(() => undefined);
    expect(await empty()).toEqual([]);
    for (const variable of list(dashboard, 'templating', 'list')) {
      const [, metric, label] = /^label_values\((\w+), (\w+)\)$/.exec(String(field(variable, 'definition'))) ?? [];
      expect(await prometheus.labelValues(String(label), String(metric))).not.toEqual([]);
    }
  }, 30_000);

  it('evaluates every alert expression: only the escalation fires; each names series the stack serves', async () => {
    const rules = list(readYaml('deploy/prometheus/alerts.yml'), 'groups').flatMap((g) => list(g, 'rules'));
    // One run of gate-sla failed, but too few ended to tell a rate; claim-review's 1 failure in 6 is under a fifth.
    const firing: Record<string, Array<Record<string, string>>> = {
      LedgerflowGateEscalations: [{ workflow: 'gate-sla' }],
    };
    for (const rule of rules) {
      const alert = String(field(rule, 'alert'));
      const expr = String(field(rule, 'expr'));
      const result = (await prometheus.query(expr)).map((s) => s.metric);
      expect({ alert, result }).toEqual({ alert, result: firing[alert] ?? [] });
      for (const [name] of expr.matchAll(/\bledgerflow_[a-z_]+/g)) {
        // Recorded only when a service finds a broken audit chain (libs/service-runtime integrity-alarm.ts), or when
        // memory detects drift (services/memory/src/drift/drift-recorder.ts; its name is checked against the metric's
        // declaration by deploy/checks/telemetry.unit.spec.ts and its alert by promtool test rules).
        if (name === 'ledgerflow_integrity_failures_total' || name === 'ledgerflow_memory_drift_detections_total')
          continue;
        expect({ name, served: (await prometheus.query(`count(${name})`)).length > 0 }).toEqual({ name, served: true });
      }
    }
    expect(await prometheus.unhealthyTargets()).toEqual([]);
  }, 30_000);

  /** The run's events once `done` holds for them (read over the HTTP API as the test operator every 100 ms). */
  async function eventsWhen(
    runId: string,
    done: (events: readonly RunEvent[]) => boolean,
    what: string,
  ): Promise<readonly RunEvent[]> {
    return eventually(
      async () => {
        const response = await fetch(`${stack.gatewayUrl}/v1/runs/${runId}/events`, {
          headers: await authHeader(stack),
        });
        if (!response.ok) return undefined;
        const body = (await response.json()) as RunEvent[] | { items: RunEvent[] };
        const events = Array.isArray(body) ? body : body.items;
        return done(events) ? events : undefined;
      },
      30_000,
      `${what} (run ${runId})`,
      100,
    );
  }

  /** For each run once `ready` holds, decides its one gate as `reviewer` over the HTTP API (runs without a gate are left). */
  async function decideGate(
    runIds: readonly string[],
    reviewer: string,
    outcome: 'approve' | 'reject',
    ready: (events: readonly RunEvent[]) => boolean,
  ): Promise<void> {
    const token = await devToken(stack, { sub: reviewer, scopes: ['gates:decide', 'runs:read'] });
    for (const runId of runIds) {
      const events = await eventsWhen(runId, (all) => ready(all) || ended(all), 'a gate or the end');
      const opened = events.find((e) => e.type === 'GateOpened');
      if (!opened || ended(events)) continue;
      const gateId = String(opened.data.gateId);
      const response = await fetch(`${stack.gatewayUrl}/v1/gates/${encodeURIComponent(gateId)}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ outcome }),
      });
      expect(`${gateId}: ${response.ok ? 'decided' : `${response.status} ${await response.text()}`}`).toBe(
        `${gateId}: decided`,
      );
    }
  }
});
