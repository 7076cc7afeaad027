import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
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
interface StoredEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * Workflow definitions registered as events, end to end (docs/definitions.md, "Registering definitions"): the six
 * services, nats-server and the bench workers as OS processes; definitions registered over HTTP, through the built
 * CLI and by a file dropped into a watched directory, each used by the next run with no restart.
 */
describe('workflow definitions registered without a restart', () => {
  let stack: BenchStack;
  let watched: string;
  let admin: { authorization: string };
  let gated: Record<string, unknown>;

  const call = async (
    method: string,
    path: string,
    body?: string,
    contentType = 'application/yaml',
    headers = admin,
  ): Promise<Answer> => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
  };
  const put = (id: string, document: Record<string, unknown>) =>
    call('PUT', `/v1/workflows/${id}`, stringify(document));
  const eventsOf = async (runId: string) =>
    (await call('GET', `/v1/runs/${runId}/events`)).body as unknown as StoredEvent[];
  const versionsOf = async (id: string) =>
    ((await call('GET', `/v1/workflows/${id}`)).body.versions as Array<Record<string, unknown>> | undefined) ?? [];
  const statusOf = async (runId: string) => (await call('GET', `/v1/runs/${runId}`)).body.status as string;
  const finished = (runId: string) =>
    eventually(
      async () => {
        const status = await statusOf(runId);
        return status === 'completed' || status === 'failed' ? status : undefined;
      },
      60_000,
      `run ${runId} to finish`,
    );

  beforeAll(async () => {
    watched = await tempDir('ledgerflow-watched-defs-');
    stack = await startBenchStack('ledgerflow-workflows-', { definitionsDirs: [watched] });
    admin = await authHeader(stack);
    const fixture = await readFile(
      join(repoRoot(), 'services/executor/src/fixtures/workflows/chaos-gated.yaml'),
      'utf8',
    );
    gated = { ...(parse(fixture) as Record<string, unknown>), id: 'flow-gated', title: 'Gated flow v1' };
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  it('registers a YAML definition and starts a run of it; a v2 is used by new runs while the open v1 run keeps v1', async () => {
    expect(await put('flow-gated', gated)).toMatchObject({
      status: 201,
      body: { workflowId: 'flow-gated', version: '1.0.0', created: true },
    });
    const first = await startRunOverHttp(stack, 'flow-gated', { input: { sleepMs: 0 }, idempotencyKey: 'v1-run' });
    await eventually(
      async () => ((await eventsOf(first)).some((e) => e.type === 'GateOpened') ? true : undefined),
      30_000,
      'the gate of the v1 run',
    );

    const steps = (gated.steps as Array<Record<string, unknown>>).map(({ gate: _gate, ...step }) => step);
    expect(
      await put('flow-gated', { ...gated, version: '1.1.0', title: 'Gated flow v1.1, no gate', steps }),
    ).toMatchObject({ status: 201, body: { version: '1.1.0', created: true } });
    const second = await startRunOverHttp(stack, 'flow-gated', { input: { sleepMs: 0 }, idempotencyKey: 'v2-run' });
    expect(await finished(second)).toBe('completed');
    expect((await eventsOf(second)).find((e) => e.type === 'RunTriggered')?.data.workflowVersion).toBe('1.1.0');
    expect((await eventsOf(second)).some((e) => e.type === 'GateOpened')).toBe(false);

    // The v1 run still waits at its v1 gate; approving it completes the run on its own plan.
    expect((await eventsOf(first)).find((e) => e.type === 'RunTriggered')?.data.workflowVersion).toBe('1.0.0');
    const reviewer = await authHeader(stack, { sub: 'chaos-lead', scopes: ['gates:decide'] });
    const decided = await call(
      'POST',
      `/v1/gates/${first}.g2/decision`,
      JSON.stringify({ outcome: 'approve' }),
      'application/json',
      reviewer,
    );
    expect(decided.status).toBeLessThan(300);
    expect(await finished(first)).toBe('completed');

    const listed = (await call('GET', '/v1/workflows')).body as unknown as Array<Record<string, unknown>>;
    expect(listed.find((w) => w.workflowId === 'flow-gated')).toEqual({
      workflowId: 'flow-gated',
      title: 'Gated flow v1.1, no gate',
      latestVersion: '1.1.0',
      versionCount: 2,
    });
    expect(
      (await versionsOf('flow-gated')).map((v) => [v.version, v.source, (v.registeredBy as { id: string }).id]),
    ).toEqual([
      ['1.1.0', 'api', 'ledgerflow-test'],
      ['1.0.0', 'api', 'ledgerflow-test'],
    ]);
  }, 150_000);

  it('is idempotent for the same content, refuses other content under a version (409) and invalid definitions (422), appending nothing', async () => {
    const doc: Record<string, unknown> = { ...gated, id: 'flow-rules', version: '1.0.0' };
    expect((await put('flow-rules', doc)).status).toBe(201);
    expect(await call('PUT', '/v1/workflows/flow-rules', JSON.stringify(doc), 'application/json')).toMatchObject({
      status: 200,
      body: { created: false },
    });

    const changed = await put('flow-rules', { ...doc, title: 'changed in place' });
    expect([changed.status, changed.body.error?.code, changed.body.error?.details?.rule]).toEqual([
      409,
      'workflow_version_exists',
      'immutable_version',
    ]);

    const badAgent = (doc.steps as Array<Record<string, unknown>>).map((s, i) =>
      i === 1 ? { ...s, agent: 'ghost' } : s,
    );
    const invalid = await put('flow-rules', { ...doc, version: '2.0.0', steps: badAgent });
    expect([invalid.status, invalid.body.error?.code]).toEqual([422, 'definition_invalid']);
    expect(invalid.body.error?.details).toMatchObject({
      field: '/steps/1/agent',
      rule: 'declared_agent',
      reason: 'definition_unknown_agent',
    });
    expect(invalid.body.error?.message).toContain('/steps/1/agent');

    const syntax = await call('PUT', '/v1/workflows/flow-rules', 'id: flow-rules\nsteps: [unclosed\n');
    expect([syntax.status, syntax.body.error?.code]).toEqual([422, 'definition_invalid']);
    expect(syntax.body.error?.details).toMatchObject({
      rule: 'yaml_syntax',
      errors: [expect.objectContaining({ line: expect.any(Number), column: expect.any(Number) })],
    });

    const mismatch = await put('flow-rules', { ...doc, id: 'another-id', version: '3.0.0' });
    expect([mismatch.status, mismatch.body.error?.details?.field, mismatch.body.error?.details?.rule]).toEqual([
      422,
      '/id',
      'matches_path',
    ]);
    expect((await versionsOf('flow-rules')).map((v) => v.version)).toEqual(['1.0.0']);

    const unknown = await put('flow-never', { ...doc, id: 'flow-never', steps: badAgent });
    expect(unknown.status).toBe(422);
    expect((await call('GET', '/v1/workflows/flow-never')).status).toBe(404);

    expect((await call('PUT', '/v1/workflows/flow-rules', stringify(doc), 'text/plain')).status).toBe(415);
    expect((await call('POST', '/v1/workflows/flow-rules/runs', stringify({ input: {} }))).status).toBe(415);
    const reader = await authHeader(stack, { sub: 'reader', scopes: ['runs:read'] });
    expect(
      (
        await call(
          'PUT',
          '/v1/workflows/flow-rules',
          stringify({ ...doc, version: '4.0.0' }),
          'application/yaml',
          reader,
        )
      ).status,
    ).toBe(403);
  }, 60_000);

  it('registers a definition file dropped into a watched directory, and runs it', async () => {
    const noop = {
      id: 'flow-dropped',
      version: '1.0.0',
      title: 'Dropped in',
      tools: { bench: ['noop'] },
      agents: { a: ['bench.noop'] },
      steps: [{ id: 's1', tool: 'bench', action: 'noop', agent: 'a', input: { n: 1 } }],
    };
    await writeFile(join(watched, 'flow-dropped.yaml'), stringify(noop));
    const versions = await eventually(
      async () => {
        const found = await versionsOf('flow-dropped');
        return found.length > 0 ? found : undefined;
      },
      20_000,
      'the dropped file to be registered',
    );
    expect(versions).toMatchObject([
      { version: '1.0.0', source: 'directory', registeredBy: { kind: 'service', id: 'planner' } },
    ]);
    expect(await finished(await startRunOverHttp(stack, 'flow-dropped', { input: {} }))).toBe('completed');
  }, 60_000);

  it('keeps a version immutable when its file changes in place: logged while running, a refused start (exit 78) after', async () => {
    const file = join(watched, 'flow-dropped.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(
      file,
      stringify({ ...(parse(original) as Record<string, unknown>), title: 'edited without a new version' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await versionsOf('flow-dropped')).map((v) => v.version)).toEqual(['1.0.0']);
    expect(stack.process('planner').output()).toMatch(
      /workflow definition file not registered.*workflow_version_exists/,
    );
    await expect(stack.restart('planner')).rejects.toThrow(
      /refused to start: workflow_version_exists: .*flow-dropped\.yaml: flow-dropped@1\.0\.0 is registered already/,
    );
    await writeFile(file, original);
    await stack.restart('planner');
    expect((await call('GET', '/v1/workflows/flow-dropped')).body).toMatchObject({
      title: 'Dropped in',
      versions: [{ version: '1.0.0' }],
    });
  }, 60_000);

  it('applies definitions with the built CLI: created, unchanged, and the errors of an invalid file with exit code 1', async () => {
    const dir = await tempDir('ledgerflow-cli-defs-');
    const file = join(dir, 'flow-cli.yaml');
    await writeFile(file, stringify({ ...gated, id: 'flow-cli' }));
    const token = await devToken(stack, { sub: 'ci', scopes: ['workflows:write', 'runs:read'] });
    const cli = (...args: string[]) =>
      run(process.execPath, [join(repoRoot(), 'tools/cli/dist/main.js'), ...args], {
        env: { ...process.env, LEDGERFLOW_URL: stack.gatewayUrl, LEDGERFLOW_TOKEN: token },
      }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );

    expect(await cli('workflows', 'apply', file)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`${file}: flow-cli@1.0.0 created`),
    });
    expect(await cli('workflows', 'apply', dir)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('flow-cli@1.0.0 unchanged'),
    });

    await writeFile(
      join(dir, 'flow-cli-broken.yaml'),
      stringify({ ...gated, id: 'flow-cli', version: '2.0.0', tools: {} }),
    );
    const refused = await cli('workflows', 'apply', dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HTTP 422 definition_invalid');
    expect(refused.stderr).toContain('(declared_tool)');
    expect(refused.stderr).toContain('flow-cli-broken.yaml: not applied');

    expect((await cli('workflows', 'list')).stdout).toMatch(/flow-cli\s+1\.0\.0\s+1\s+/);
    expect((await cli('workflows', 'show', 'flow-cli')).stdout).toMatch(/1\.0\.0\s+api\s+\S+\s+human:ci\s+sha256:/);
  }, 60_000);
});
