import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@ledgerflow/testing';
import { promtool } from './prometheus-tools.spec-util.js';
import { field, list, readRepoFile, readYaml, repoRoot } from './repo-files.js';

/* The alert rules and the compose Prometheus configuration, checked by Prometheus's own tool (Debian package
 * `prometheus`, installed by tools/ensure-prometheus.sh). */
const rulesPath = join(repoRoot, 'deploy/prometheus/alerts.yml');
const rulesTestPath = join(repoRoot, 'deploy/prometheus/alerts.test.yml');

/** A copy of alerts.yml and alerts.test.yml in a temp dir, the rules text changed by `edit`. */
async function editedRules(edit: (text: string) => string): Promise<string> {
  const dir = await tempDir('ledgerflow-alerts-');
  await writeFile(join(dir, 'alerts.yml'), edit(readRepoFile('deploy/prometheus/alerts.yml')));
  await writeFile(join(dir, 'alerts.test.yml'), readRepoFile('deploy/prometheus/alerts.test.yml'));
  return dir;
}

describe('Prometheus alert rules (promtool)', () => {
  it('pass `promtool check rules`', () => {
    const result = promtool(['check', 'rules', rulesPath]);
    expect(result.output).toContain('SUCCESS: 9 rules found');
    expect(result.status).toBe(0);
  });

  it('pass their unit tests (`promtool test rules alerts.test.yml`)', () => {
    const result = promtool(['test', 'rules', rulesTestPath]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('each alert is tested firing at least once', () => {
    const alerts = list(readYaml('deploy/prometheus/alerts.yml'), 'groups').flatMap((g) =>
      list(g, 'rules').map((r) => String(field(r, 'alert'))),
    );
    const firing = new Set(
      list(readYaml('deploy/prometheus/alerts.test.yml'), 'tests').flatMap((t) =>
        list(t, 'alert_rule_test')
          .filter((a) => list(a, 'exp_alerts').length > 0)
          .map((a) => String(field(a, 'alertname'))),
      ),
    );
    expect(alerts).toEqual([
      'LedgerflowRunFailureRate',
      'LedgerflowGateEscalations',
      'LedgerflowRelayLag',
      'LedgerflowRelayDeadLetters',
      'LedgerflowConsumerDeadLetters',
      'LedgerflowRedeliveries',
      'LedgerflowConsumerBacklog',
      'LedgerflowIntegrityFailed',
      'LedgerflowDriftDetected',
    ]);
    expect(alerts.filter((a) => !firing.has(a))).toEqual([]);
  });

  it('fail the check on a broken expression, and the unit tests on a changed threshold', async () => {
    const broken = await editedRules((text) => text.replace('histogram_quantile(0.99,', 'histogram_quantil(0.99,'));
    const check = promtool(['check', 'rules', join(broken, 'alerts.yml')]);
    expect(check.status).not.toBe(0);
    expect(check.output).toContain('histogram_quantil');

    const lenient = await editedRules((text) => text.replace(') > 0.2\n', ') > 0.6\n'));
    const test = promtool(['test', 'rules', join(lenient, 'alerts.test.yml')]);
    expect(test.status).not.toBe(0);
    expect(test.output).toContain('alertname: LedgerflowRunFailureRate');
  });
});

describe('Prometheus configuration for compose (promtool check config)', () => {
  it('is valid with its rule file', async () => {
    // prometheus.yml names the rule file where compose mounts it (/etc/prometheus/alerts.yml): point it here.
    const dir = await tempDir('ledgerflow-prometheus-config-');
    const config = readRepoFile('deploy/prometheus/prometheus.yml').replace('/etc/prometheus/alerts.yml', rulesPath);
    await writeFile(join(dir, 'prometheus.yml'), config);
    const result = promtool(['check', 'config', join(dir, 'prometheus.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
