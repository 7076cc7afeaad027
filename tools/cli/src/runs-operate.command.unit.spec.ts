import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';
import { runsOperateCommands } from './runs-operate.command.js';

describe('ledgerflow runs retry|skip|revise|cancel|pause|resume|complete|fail', () => {
  const gateway = new StandInGateway(() => ({ status: 200, body: {} }));
  const seen = gateway.seen;
  let url = '';
  beforeAll(async () => {
    url = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    seen.length = 0;
    gateway.reply = (request) => ({
      status: 200,
      body: {
        runId: 'r1',
        command: request.url.split('/').at(-1),
        status: 'running',
        events: ['RunResumed', 'StepRetryScheduled'],
      },
    });
  });

  async function cli(argv: string[], env: Record<string, string | undefined> = { LEDGERFLOW_TOKEN: 'tok' }) {
    let out = '';
    let err = '';
    const code = await runCli(runsOperateCommands, argv, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env: { LEDGERFLOW_URL: url, ...env },
    });
    return { code, out, err };
  }

  it('retry: posts the step and the substitute agent with the token, prints the outcome', async () => {
    const { code, out } = await cli(['runs', 'retry', 'r1', 'pay', '--agent', 'backup']);
    expect(code).toBe(0);
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/v1/runs/r1/retry',
        authorization: 'Bearer tok',
        body: { stepId: 'pay', agent: 'backup' },
      },
    ]);
    expect(out).toBe('run r1: retry recorded (RunResumed, StepRetryScheduled); run is running\n');
  });

  it('skip and cancel need --reason; revise reads a JSON file', async () => {
    expect((await cli(['runs', 'skip', 'r1', 'notify'])).code).toBe(2);
    expect((await cli(['runs', 'skip', 'r1', 'notify', '--reason', 'opted out'])).code).toBe(0);
    expect((await cli(['runs', 'cancel', 'r1', '--reason=duplicate'])).code).toBe(0);
    const file = join(tmpdir(), `revision-${process.pid}.json`);
    await writeFile(
      file,
      JSON.stringify({
        addSteps: [{ id: 'x', tool: 't', action: 'a', agent: 'g' }],
        removeStepIds: ['y'],
        reason: 'batch',
      }),
    );
    expect((await cli(['runs', 'revise', 'r1', '--file', file])).code).toBe(0);
    expect(seen.map((s) => [s.url, s.body])).toEqual([
      ['/v1/runs/r1/skip', { stepId: 'notify', reason: 'opted out' }],
      ['/v1/runs/r1/cancel', { reason: 'duplicate' }],
      [
        '/v1/runs/r1/revise',
        { addSteps: [{ id: 'x', tool: 't', action: 'a', agent: 'g' }], removeStepIds: ['y'], reason: 'batch' },
      ],
    ]);
  });

  it('pause and resume post the optional reason; complete and fail reach the external step', async () => {
    expect((await cli(['runs', 'pause', 'r1'])).code).toBe(0);
    expect((await cli(['runs', 'resume', 'r1', '--reason', 'fixed'])).code).toBe(0);
    const output = join(tmpdir(), `output-${process.pid}.json`);
    await writeFile(output, JSON.stringify({ approved: true }));
    expect((await cli(['runs', 'complete', 'r1', 'review', '--output', output])).code).toBe(0);
    expect((await cli(['runs', 'fail', 'r1', 'review'])).code).toBe(2);
    expect((await cli(['runs', 'fail', 'r1', 'review', '--reason', 'documents missing'])).code).toBe(0);
    expect((await cli(['runs', 'complete', 'r1', 'review', '--output', join(tmpdir(), 'nowhere.json')])).err).toContain(
      'cannot read the output',
    );
    expect(seen.map((r) => [r.url, r.body])).toEqual([
      ['/v1/runs/r1/pause', {}],
      ['/v1/runs/r1/resume', { reason: 'fixed' }],
      ['/v1/runs/r1/steps/review/complete', { output: { approved: true } }],
      ['/v1/runs/r1/steps/review/fail', { reason: 'documents missing' }],
    ]);
  });

  it('usage errors exit 2 without a request: no token, missing step, unknown option, unreadable file', async () => {
    expect((await cli(['runs', 'retry', 'r1', 'pay'], {})).err).toContain('LEDGERFLOW_TOKEN is not set');
    expect((await cli(['runs', 'retry', 'r1'])).code).toBe(2);
    expect((await cli(['runs', 'cancel', 'r1', '--force'])).err).toContain("unknown option '--force'");
    expect((await cli(['runs', 'revise', 'r1', '--file', '/nonexistent/rev.json'])).code).toBe(2);
    expect(seen).toEqual([]);
  });

  it("a refusal prints the gateway's code and exits 1", async () => {
    gateway.reply = () => ({
      status: 409,
      body: {
        error: {
          code: 'run_step_not_optional',
          message: 'step "pay" is not optional; only optional steps may be skipped',
        },
      },
    });
    const { code, err } = await cli(['runs', 'skip', 'r1', 'pay', '--reason', 'x']);
    expect(code).toBe(1);
    expect(err).toBe(
      'error: HTTP 409 run_step_not_optional: step "pay" is not optional; only optional steps may be skipped\n',
    );
  });
});
