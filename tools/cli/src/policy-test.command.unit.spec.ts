import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli.js';
import type { CliIo } from './command.js';
import { policyTestCommand } from './policy-test.command.js';

const POLICIES = fileURLToPath(new URL('../../../examples/claim-review/policies', import.meta.url));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let [out, err] = ['', ''];
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: {},
  };
  const code = await runCli([policyTestCommand], ['policy', 'test', ...argv], io);
  return { code, out, err };
}

describe('ledgerflow policy test', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lf-cli-policy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the claim-review example cases: one line per case and a summary, exit 0', async () => {
    const { code, out, err } = await run(POLICIES, join(POLICIES, 'cases.yaml'));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('pass  a payout of 72,500 EUR waits for a claims lead -> require_approval\n');
    expect(out).toContain('pass  the fraud agent may not pay out (a tool outside its capabilities) -> deny\n');
    expect(out).toMatch(/\n(\d+) cases: \1 passed, 0 failed\n$/);
  });

  it('exits 1 on a mismatching case and prints what differs', async () => {
    const cases = join(dir, 'broken.yaml');
    writeFileSync(
      cases,
      'cases:\n  - name: a huge payout is fine (wrong)\n    agent: payout-agent\n    capabilities: [billing.payout]\n    capability: billing.payout\n    tags: [payout]\n    input: { amount: 1250000 }\n    expect: { outcome: allow }\n',
    );
    const { code, out } = await run(POLICIES, cases);
    expect(code).toBe(1);
    expect(out).toContain('FAIL  a huge payout is fine (wrong) -> deny\n      outcome: expected allow, got deny\n');
    expect(out).toContain('1 cases: 0 passed, 1 failed\n');
  });

  it('exits 2 naming the file and line of a cases file that does not validate', async () => {
    const cases = join(dir, 'invalid.yaml');
    writeFileSync(cases, 'cases:\n  - name: no expectation\n');
    const { code, err } = await run(POLICIES, cases);
    expect(code).toBe(2);
    expect(err).toBe(
      `ledgerflow policy test: policy_cases_invalid: ${cases}:2:5: /cases/0 must have required property 'expect'\n`,
    );
  });

  it('exits 2 naming the file, line and Cedar error of a broken pack', async () => {
    const packs = join(dir, 'packs');
    mkdirSync(packs);
    writeFileSync(
      join(packs, 'x@1.0.0.cedar'),
      '// @pack x@1.0.0\n@id("a")\npermit (principal, action, resource) when { context.amount > };\n',
    );
    const { code, err } = await run(packs, join(POLICIES, 'cases.yaml'));
    expect(code).toBe(2);
    expect(err).toMatch(
      new RegExp(
        `^ledgerflow policy test: policy_pack_invalid: ${join(packs, 'x@1.0.0.cedar')}:3:\\d+: Cedar: unexpected token`,
      ),
    );
  });

  it('exits 2 with the usage on wrong arguments', async () => {
    expect(await run(POLICIES)).toEqual({
      code: 2,
      out: '',
      err:
        "error: missing required argument 'cases.yaml'\n" +
        'usage: ledgerflow policy test <pack-dir> <cases.yaml>\n(ledgerflow policy test --help)\n',
    });
  });
});
