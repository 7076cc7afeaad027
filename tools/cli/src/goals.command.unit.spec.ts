import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDir, tempDir } from '@ledgerflow/testing';
import { runCli } from './cli.js';
import { goalsRunCommand } from './goals.command.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';

const STARTED = { runId: 'r1', created: true, generator: 'catalog', steps: 4, location: '/v1/runs/r1' };

describe('ledgerflow goals run', () => {
  const gateway = new StandInGateway(() => ({ status: 202, body: STARTED }));
  let url = '';
  let dir = '';
  beforeAll(async () => {
    url = await gateway.start();
    dir = await tempDir('lf-goals-cli-');
    await writeFile(join(dir, 'input.json'), '{"ticket":{"id":"T-1"}}');
    await writeFile(join(dir, 'desired.json'), '{"type":"object","required":["reply"]}');
    await writeFile(join(dir, 'list.json'), '["reply"]');
    await writeFile(join(dir, 'broken.json'), '{');
  });
  afterAll(async () => {
    await gateway.stop();
    await removeDir(dir);
  });
  beforeEach(() => {
    gateway.seen.length = 0;
    gateway.reply = () => ({ status: 202, body: STARTED });
  });

  async function cli(argv: string[], env: Record<string, string> = { LEDGERFLOW_URL: url, LEDGERFLOW_TOKEN: 'tok' }) {
    let out = '';
    let err = '';
    const code = await runCli([goalsRunCommand], ['goals', 'run', ...argv], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env,
    });
    return { code, out, err };
  }

  it('posts the goal, template, input, desired outputs and constraints with the token, and prints the run', async () => {
    const { code, out, err } = await cli([
      'Triage the ticket',
      '--template',
      'goal-triage',
      '--input',
      join(dir, 'input.json'),
      '--desired',
      join(dir, 'desired.json'),
      '--max-steps',
      '8',
      '--allow-tool',
      'billing.refund',
      '--allow-tool',
      'crm.lookup',
      '--budget-usd',
      '0.5',
      '--idempotency-key',
      'T-1',
    ]);
    expect([code, out, err]).toEqual([0, 'run r1 started (catalog, 4 steps)\n', '']);
    expect(gateway.seen).toEqual([
      {
        method: 'POST',
        url: '/v1/goals',
        authorization: 'Bearer tok',
        body: {
          goal: 'Triage the ticket',
          template: 'goal-triage',
          input: { ticket: { id: 'T-1' } },
          desiredOutputs: { type: 'object', required: ['reply'] },
          constraints: { allowedTools: ['billing.refund', 'crm.lookup'], maxSteps: 8, budgetUsd: 0.5 },
          idempotencyKey: 'T-1',
        },
      },
    ]);
  });

  it('sends {} as the input by default, and says when the key had started the run already', async () => {
    gateway.reply = () => ({ status: 202, body: { ...STARTED, created: false } });
    const { code, out } = await cli(['g', '--template', 'goal-triage']);
    expect([code, out]).toEqual([0, 'run r1 was already started with this idempotency key (catalog, 4 steps)\n']);
    expect(gateway.seen[0]?.body).toEqual({ goal: 'g', template: 'goal-triage', input: {} });
  });

  it("prints the gateway's refusal and exits 1", async () => {
    gateway.reply = () => ({
      status: 422,
      body: { error: { code: 'plan_generation_failed', message: 'no tool makes reply', retryable: false } },
    });
    const { code, err } = await cli(['g', '--template', 'goal-triage']);
    expect([code, err]).toEqual([1, 'error: HTTP 422 plan_generation_failed: no tool makes reply\n']);
  });

  it.each([
    [['g'], '--template must be a workflow id'],
    [['g', '--template', 'Goal Triage'], '--template must be a workflow id'],
    [['', '--template', 'goal-triage'], 'the goal must be 1..4000 characters'],
    [['g', '--template', 'goal-triage', '--max-steps', '51'], '--max-steps must be a whole number from 1 to 50'],
    [['g', '--template', 'goal-triage', '--allow-tool', 'refund'], '--allow-tool must be tool.action, got refund'],
    [['g', '--template', 'goal-triage', '--budget-usd', '-1'], '--budget-usd must be a number >= 0'],
    [['g', '--template', 'goal-triage', '--input', '/nonexistent.json'], '--input: cannot read /nonexistent.json'],
    [['g', '--template', 'goal-triage', '--input', 'BROKEN'], 'broken.json is not JSON'],
    [['g', '--template', 'goal-triage', '--desired', 'LIST'], 'list.json must hold a JSON Schema object'],
    [['g', '--template', 'goal-triage', '--idempotency-key='], '--idempotency-key must not be empty'],
  ])('refuses %j with exit 2 and asks nothing', async (argv, message) => {
    const files: Record<string, string> = { BROKEN: join(dir, 'broken.json'), LIST: join(dir, 'list.json') };
    const { code, err } = await cli(argv.map((a) => files[a] ?? a));
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(gateway.seen).toEqual([]);
  });

  it('needs LEDGERFLOW_TOKEN', async () => {
    const { code, err } = await cli(['g', '--template', 'goal-triage'], { LEDGERFLOW_URL: url });
    expect([code, err.split('\n')[0]]).toEqual([
      2,
      'error: LEDGERFLOW_TOKEN is not set: export your bearer token (scope runs:start)',
    ]);
  });

  it('with --watch follows the run as runs watch does, exit 0 when it completed', async () => {
    const server: Server = createServer((request, response) => {
      if (request.method === 'POST') {
        response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(STARTED));
        return;
      }
      if (request.url === '/v1/runs/r1/stream') {
        const data = {
          type: 'RunCompleted',
          runId: 'r1',
          status: 'completed',
          revision: 9,
          position: 9,
          occurredAt: 'now',
        };
        response
          .writeHead(200, { 'content-type': 'text/event-stream' })
          .end(`id: 9\nevent: RunCompleted\ndata: ${JSON.stringify(data)}\n\n`);
        return;
      }
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ runId: 'r1', status: 'completed', steps: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const watchUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { code, out } = await cli(['g', '--template', 'goal-triage', '--watch', '--plain'], {
        LEDGERFLOW_URL: watchUrl,
        LEDGERFLOW_TOKEN: 'tok',
      });
      expect(code).toBe(0);
      expect(out).toContain('run r1 started (catalog, 4 steps)\n');
      expect(out).toContain('RunCompleted');
      expect(out.trimEnd().split('\n').at(-1)).toBe('run r1 completed');
    } finally {
      server.close();
    }
  });
});
