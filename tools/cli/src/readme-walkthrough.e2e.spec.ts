import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runIdFor } from '@ledgerflow/contracts';
import { freePort, repoRoot, tempDir } from '@ledgerflow/testing';

/**
 * The README's "Hello, world" walkthrough, run as written: every block after a `<!-- file: <path> -->` marker is
 * written to that path (relative to the repository root), and the shell blocks run in order in one bash script
 * (`-euo pipefail`) from the repository root. Only the environment differs from a reader's machine: a fresh data
 * directory and free ports (`LEDGERFLOW_DATA_DIR`, `LEDGERFLOW_GATEWAY_PORT`, `LEDGERFLOW_NATS_PORT`), so it runs
 * beside other tests.
 */
describe('README walkthrough', () => {
  const root = repoRoot();
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- walkthrough');
  const end = readme.indexOf('<!-- end of walkthrough -->');
  const section = readme.slice(start, end);
  const written: string[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-walkthrough-');
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    for (const name of ['LEDGERFLOW_URL', 'LEDGERFLOW_TOKEN', 'NATS_URL', 'NATS_NKEY_SEED_FILE', 'NATS_NKEY_SEED'])
      delete inherited[name];
    env = {
      ...inherited,
      LEDGERFLOW_DATA_DIR: dataDir,
      LEDGERFLOW_GATEWAY_PORT: String(await freePort()),
      LEDGERFLOW_NATS_PORT: String(await freePort()),
    };
  });

  afterAll(() => {
    // Whatever the outcome, nothing of the walkthrough keeps running or stays in the checkout.
    spawnSync(process.execPath, [join(root, 'tools/cli/dist/main.js'), 'stop'], { cwd: root, env, timeout: 30_000 });
    for (const path of written) rmSync(join(root, path), { force: true });
    rmSync(join(root, 'my-workflows'), { recursive: true, force: true });
  });

  it('is marked in the README, with its files and one shell block', () => {
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    expect([...section.matchAll(/<!-- file: ([^ ]+) -->/g)].map((m) => m[1])).toEqual([
      'my-workflows/hello.yaml',
      'my-workflows/hello-worker.mjs',
      'my-workflows/ada.json',
      'my-workflows/grace.json',
    ]);
  });

  it('runs verbatim: both runs, one triggered over HTTP and one over NATS, pass their gate and complete', async () => {
    for (const match of section.matchAll(/<!-- file: ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)```/g)) {
      const [, path, content] = match as unknown as [string, string, string];
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
      written.push(path);
    }
    const script = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
    expect(script).toContain('npx ledgerflow start');

    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code !== 0) throw new Error(`the walkthrough exited with ${String(code)}:\n${output.slice(-6000)}`);

    expect(output).toMatch(/my-workflows\/hello\.yaml: hello@1\.0\.0 created/);
    // The run ids follow from the workflow and the idempotency keys the walkthrough gives (HTTP: hello-ada, NATS: hello-grace).
    const [ada, grace] = ['hello-ada', 'hello-grace'].map((key) => runIdFor('hello', key));
    expect(output).toMatch(/my-workflows\/hello\.yaml: hello@1\.0\.0 created/);
    expect(output).toContain(`GateOpened (run ${ada}`);
    expect(output).toContain(`GateOpened (run ${grace}`);
    expect(output).toContain(`gate ${grace}.greet approved`);
    expect(output).toContain(`run ${ada}: completed`);
    expect(output).toContain(`run ${grace}: completed`);
    expect(output).toContain('{"greeting":"Hello, Ada!"}');
    expect(output).toContain('my-workflows/hello.yaml: ok (hello@1.0.0, 1 step)');
    for (const run of [ada, grace]) expect(output).toMatch(new RegExp(`^${run} +hello@1\\.0\\.0 +completed `, 'm'));
    const exported = new RegExp(
      `exported (\\d+) events of run ${ada} to my-workflows/ada\\.audit\\.json, chain head ([0-9a-f]{64})`,
    );
    expect(output).toMatch(exported);
    const [, count, head] = exported.exec(output) ?? [];
    expect(output).toContain(`ok: ${count} events, chain head ${head}`);
    expect(output).toContain('Ledgerflow stopped.');
  }, 240_000);
});
