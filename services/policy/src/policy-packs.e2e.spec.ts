import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { policyPackStreamId } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import {
  authHeader,
  devToken,
  eventually,
  repoRoot,
  startBenchStack,
  startRunOverHttp,
  tempDir,
} from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

const run = promisify(execFile);

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> & {
    error?: { code: string; message: string; details?: Record<string, unknown> };
  };
}
interface RunEvent {
  readonly type: string;
  readonly data: Record<string, unknown> & {
    decision?: { outcome: string; rules: Array<{ rule: string; pack: string; result: string }> };
  };
}

/** A capability pack `<pack>@<version>` with one forbid on the step's capability (`tool.action`). */
const forbidCapability = (pack: string, version: string, capability: string) => `// @pack ${pack}@${version}
// @description Switches ${capability} off.
@id("no-${capability.replace('.', '-')}")
@rationale("${capability} is switched off by ${pack}@${version}")
forbid (principal, action, resource) when { context.capability == "${capability}" };
`;

/**
 * Policy packs registered as events, end to end (docs/policies.md, "Applying packs"): the six services, nats-server and
 * the bench workers as OS processes; pack versions applied over HTTP and through the built CLI decide the next runs
 * with no restart, while runs decided before keep their recorded decisions.
 */
describe('policy packs applied without a restart', () => {
  let stack: BenchStack;
  let admin: { authorization: string };

  const call = async (method: string, path: string, body?: unknown, headers = admin): Promise<Answer> => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
  };
  const put = (pack: string, version: string, files: Record<string, string>, headers = admin) =>
    call('PUT', `/v1/policy-packs/${pack}`, { version, files }, headers);
  const versionsOf = async (pack: string) =>
    ((await call('GET', `/v1/policy-packs/${pack}`)).body.versions as Array<Record<string, unknown>> | undefined) ?? [];
  const eventsOf = async (runId: string) =>
    (await call('GET', `/v1/runs/${runId}/events`)).body as unknown as RunEvent[];
  const finished = (runId: string) =>
    eventually(
      async () => {
        const status = (await call('GET', `/v1/runs/${runId}`)).body.status as string;
        return status === 'completed' || status === 'failed' ? status : undefined;
      },
      60_000,
      `run ${runId} to finish`,
    );
  const rulesOf = (events: readonly RunEvent[], pack: string) =>
    events
      .filter((e) => e.type === 'StepPolicyEvaluated')
      .flatMap((e) => e.data.decision?.rules ?? [])
      .filter((r) => r.pack.startsWith(`${pack}@`))
      .map((r) => `${r.pack}/${r.rule}:${r.result}`);

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-policy-packs-');
    admin = await authHeader(stack);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  it('lists the directory packs registered at start', async () => {
    const listed = (await call('GET', '/v1/policy-packs')).body as unknown as Array<Record<string, unknown>>;
    expect(listed).toContainEqual({
      pack: 'claims-payout',
      kind: 'capability',
      activeVersion: '1.0.0',
      versionCount: 1,
    });
    expect(await versionsOf('claims-payout')).toMatchObject([
      {
        version: '1.0.0',
        source: 'directory',
        registeredBy: { kind: 'service', id: 'policy' },
        files: ['claims-payout@1.0.0.cedar'],
      },
    ]);
  }, 30_000);

  it('refuses an invalid pack with 422 naming file:line:column, other content under a version with 409, appending nothing', async () => {
    const good = { 'rules.cedar': forbidCapability('bench-rules', '1.0.0', 'bench.never') };
    expect(await put('bench-rules', '1.0.0', good)).toMatchObject({
      status: 201,
      body: { pack: 'bench-rules', version: '1.0.0', created: true, activeVersion: '1.0.0' },
    });
    expect(await put('bench-rules', '1.0.0', good)).toMatchObject({ status: 200, body: { created: false } });

    const changed = await put('bench-rules', '1.0.0', {
      'rules.cedar': forbidCapability('bench-rules', '1.0.0', 'bench.other'),
    });
    expect([changed.status, changed.body.error?.code, changed.body.error?.details?.rule]).toEqual([
      409,
      'policy_pack_version_exists',
      'immutable_version',
    ]);

    const broken = forbidCapability('bench-rules', '2.0.0', 'bench.never').replace(
      'context.capability ==',
      'context.capability ===',
    );
    const invalid = await put('bench-rules', '2.0.0', { 'rules.cedar': broken });
    expect([invalid.status, invalid.body.error?.code]).toEqual([422, 'policy_pack_invalid']);
    expect(invalid.body.error?.details).toMatchObject({
      file: 'rules.cedar',
      line: 5,
      column: expect.any(Number),
      field: '/files/rules.cedar',
      rule: 'valid_pack',
    });
    expect(invalid.body.error?.message).toMatch(/^rules\.cedar:5:\d+: Cedar: /);

    const mismatch = await put('bench-rules', '3.0.0', good);
    expect([mismatch.status, mismatch.body.error?.details?.rule, mismatch.body.error?.details?.line]).toEqual([
      422,
      'matches_path',
      1,
    ]);
    expect((await put('bench-rules', '3.0.0', {})).body.error?.details).toMatchObject({
      field: '/files',
      rule: 'file_count',
    });
    expect((await call('PUT', '/v1/policy-packs/bench-rules', { version: 'latest', files: good })).status).toBe(400);
    expect((await versionsOf('bench-rules')).map((v) => v.version)).toEqual(['1.0.0']);

    const reader = await authHeader(stack, { sub: 'reader', scopes: ['runs:read'] });
    expect(
      (
        await put(
          'bench-rules',
          '4.0.0',
          { 'rules.cedar': forbidCapability('bench-rules', '4.0.0', 'bench.never') },
          reader,
        )
      ).status,
    ).toBe(403);
    expect((await call('GET', '/v1/policy-packs/never-registered')).status).toBe(404);
  }, 60_000);

  it('applies a pack directory with the built CLI: created, unchanged, a refused file with exit code 1', async () => {
    const dir = await tempDir('ledgerflow-cli-packs-');
    await writeFile(join(dir, 'bench-cli@1.0.0.cedar'), forbidCapability('bench-cli', '1.0.0', 'bench.never'));
    await writeFile(join(dir, 'cases.yaml'), 'cases: []\n');
    const token = await devToken(stack, { sub: 'ci', scopes: ['workflows:write', 'runs:read'] });
    const cli = (...args: string[]) =>
      run(process.execPath, [join(repoRoot(), 'tools/cli/dist/main.js'), ...args], {
        env: { ...process.env, LEDGERFLOW_URL: stack.gatewayUrl, LEDGERFLOW_TOKEN: token },
      }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );

    expect(await cli('policies', 'apply', dir)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('bench-cli@1.0.0.cedar: bench-cli@1.0.0 created (sha256:'),
    });
    expect(await cli('policies', 'apply', dir)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('bench-cli@1.0.0 unchanged'),
    });

    await writeFile(
      join(dir, 'bench-cli@1.1.0.cedar'),
      forbidCapability('bench-cli', '1.1.0', 'bench.never').replace('forbid (', 'forbid ['),
    );
    const refused = await cli('policies', 'apply', dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 422 policy_pack_invalid: bench-cli@1\.1\.0\.cedar:5:\d+: Cedar: /);
    expect(refused.stderr).toContain('bench-cli@1.1.0.cedar: not applied');

    expect((await cli('policies', 'list')).stdout).toMatch(/bench-cli\s+capability\s+1\.0\.0\s+1\s*\n/);
    expect((await cli('policies', 'show', 'bench-cli')).stdout).toMatch(
      /1\.0\.0\s+api\s+\S+\s+human:ci\s+bench-cli@1\.0\.0\.cedar\s+sha256:/,
    );
    // The stored event is recorded for the person whose token the gateway forwarded, by the policy service.
    const store = await SqliteEventStore.open(stack.sqlitePath);
    try {
      expect((await store.readStream(policyPackStreamId('bench-cli'))).map((e) => e.metadata.actor)).toEqual([
        { kind: 'human', id: 'ci', via: 'policy' },
      ]);
      expect((await store.readStream(policyPackStreamId('claims-payout')))[0]?.metadata.actor).toEqual({
        kind: 'service',
        id: 'policy',
      });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('decides runs after a new version with it, naming pack@version, while runs decided before keep their decisions', async () => {
    expect(
      (await put('bench-guard', '1.0.0', { 'guard.cedar': forbidCapability('bench-guard', '1.0.0', 'bench.never') }))
        .status,
    ).toBe(201);
    const before = await startRunOverHttp(stack, 'noop-chain', { input: {}, idempotencyKey: 'guard-before' });
    expect(await finished(before)).toBe('completed');
    const recorded = rulesOf(await eventsOf(before), 'bench-guard');
    expect(recorded).toHaveLength(10);
    expect(new Set(recorded)).toEqual(new Set(['bench-guard@1.0.0/no-bench-never:pass']));

    const applied = await put('bench-guard', '1.1.0', {
      'guard.cedar': forbidCapability('bench-guard', '1.1.0', 'bench.noop'),
    });
    expect(applied).toMatchObject({ status: 201, body: { activeVersion: '1.1.0' } });
    const after = await startRunOverHttp(stack, 'noop-chain', { input: {}, idempotencyKey: 'guard-after' });
    expect(await finished(after)).toBe('failed');
    const events = await eventsOf(after);
    expect(rulesOf(events, 'bench-guard')).toEqual(['bench-guard@1.1.0/no-bench-noop:fail']);
    expect(events.find((e) => e.type === 'StepPolicyEvaluated')?.data.decision?.outcome).toBe('deny');
    expect(events.find((e) => e.type === 'StepBlocked')?.data).toMatchObject({
      stepId: 's01',
      code: 'policy_denied',
      policies: ['bench-guard@1.1.0/no-bench-noop'],
    });
    expect(events.find((e) => e.type === 'RunFailed')?.data).toMatchObject({ code: 'policy_denied' });
    expect(rulesOf(await eventsOf(before), 'bench-guard')).toEqual(recorded);

    // The store is the record: a restarted policy service decides with the version it finds there.
    await stack.restart('policy');
    const restarted = await startRunOverHttp(stack, 'noop-chain', { input: {}, idempotencyKey: 'guard-restarted' });
    expect(await finished(restarted)).toBe('failed');
    expect(rulesOf(await eventsOf(restarted), 'bench-guard')).toEqual(['bench-guard@1.1.0/no-bench-noop:fail']);
  }, 150_000);
});
