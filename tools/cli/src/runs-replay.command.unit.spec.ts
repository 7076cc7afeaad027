import { runCli } from './cli.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';
import { brief, runsReplayCommands } from './runs-replay.command.js';

describe('ledgerflow runs', () => {
  const gateway = new StandInGateway(() => ({ status: 200, body: {} }));
  const seen = gateway.seen;
  let url = '';
  beforeAll(async () => {
    url = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    seen.length = 0;
  });

  async function cli(argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli(runsReplayCommands, argv, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env: { LEDGERFLOW_URL: url },
    });
    return { code, out, err };
  }

  it('checkpoints: a table of cp-N with revision, time, event, step and summary', async () => {
    gateway.reply = () => ({
      status: 200,
      body: {
        runId: 'r-1',
        revision: 7,
        checkpoints: [
          {
            id: 'cp-1',
            revision: 4,
            at: '2026-05-01T10:00:02.000Z',
            type: 'StepSucceeded',
            stepId: 'r1',
            summary: 'r1 succeeded (attempt 1)',
          },
          {
            id: 'cp-2',
            revision: 7,
            at: '2026-05-01T10:00:04.000Z',
            type: 'GateDecided',
            stepId: 'r2',
            summary: 'gate r-1.r2 approved by alice',
          },
        ],
      },
    });
    const { code, out } = await cli(['runs', 'checkpoints', 'r-1']);
    expect(code).toBe(0);
    expect(seen[0]).toEqual({ method: 'GET', url: '/v1/runs/r-1/checkpoints?limit=1000' });
    expect(out.split('\n')).toEqual([
      'CHECKPOINT  REVISION  AT                        EVENT          STEP  SUMMARY',
      'cp-1        4         2026-05-01T10:00:02.000Z  StepSucceeded  r1    r1 succeeded (attempt 1)',
      'cp-2        7         2026-05-01T10:00:04.000Z  GateDecided    r2    gate r-1.r2 approved by alice',
      '',
    ]);
  });

  it("checkpoints: every page of a long run's checkpoints, following the gateway's Link rel=next", async () => {
    const checkpoints = Array.from({ length: 230 }, (_, i) => ({
      id: `cp-${i + 1}`,
      revision: 2 * i + 3,
      type: 'StepSucceeded',
      stepId: `s${i + 1}`,
      summary: `s${i + 1} succeeded (attempt 1)`,
    }));
    // Pages of 100, as a gateway answering `limit=100` would; the cursor here is the index of the next item.
    gateway.reply = (request) => {
      const from = Number(new URL(request.url, 'http://cli.invalid').searchParams.get('cursor') ?? '0');
      const more = from + 100 < checkpoints.length;
      return {
        status: 200,
        body: { runId: 'r-9', revision: 463, checkpoints: checkpoints.slice(from, from + 100) },
        ...(more ? { headers: { link: `</v1/runs/r-9/checkpoints?limit=100&cursor=${from + 100}>; rel="next"` } } : {}),
      };
    };
    const { code, out } = await cli(['runs', 'checkpoints', 'r-9', '--json']);
    expect(code).toBe(0);
    expect(seen.map((request) => request.url)).toEqual([
      '/v1/runs/r-9/checkpoints?limit=1000',
      '/v1/runs/r-9/checkpoints?limit=100&cursor=100',
      '/v1/runs/r-9/checkpoints?limit=100&cursor=200',
    ]);
    expect(JSON.parse(out)).toEqual({ runId: 'r-9', revision: 463, checkpoints });
    seen.length = 0;
    const table = await cli(['runs', 'checkpoints', 'r-9']);
    expect(table.out.trim().split('\n')).toHaveLength(1 + 230);
  });

  it('state --at: the folded state with each step lineage', async () => {
    gateway.reply = () => ({
      status: 200,
      body: {
        runId: 'r-2',
        at: 'cp-1',
        revision: 4,
        occurredAt: '2026-05-01T10:00:02.000Z',
        status: 'running',
        forkedFrom: { runId: 'r-1', checkpoint: 'cp-2', revision: 7 },
        steps: [
          {
            stepId: 'r1',
            status: 'succeeded',
            attempt: 1,
            output: { recorded: true },
            lineage: {
              stepId: 'r1',
              source: 'ledger',
              fresh: true,
              confidence: 0.9,
              cumulativeConfidence: 0.9,
              upstream: [],
              carriedOver: true,
            },
          },
          { stepId: 'r2', status: 'pending', attempt: 1, lineage: { stepId: 'r2', upstream: ['r1'] } },
        ],
      },
    });
    const { code, out } = await cli(['runs', 'state', 'r-2', '--at', 'cp-1']);
    expect(code).toBe(0);
    expect(seen[0]?.url).toBe('/v1/runs/r-2/state?at=cp-1');
    expect(out.split('\n')).toEqual([
      'run r-2  at cp-1 (revision 4, 2026-05-01T10:00:02.000Z)  running  forked from r-1 at cp-2',
      'STEP  STATUS     ATTEMPT  SOURCE                    CONF  CUMULATIVE  UPSTREAM  OUTPUT',
      'r1    succeeded  1        ledger (fresh) [carried]  0.9   0.9         -         {"recorded":true}',
      'r2    pending    1        -                         -     -           r1        -',
      '',
    ]);
  });

  it('diff: sends from and to, prints each change', async () => {
    gateway.reply = () => ({
      status: 200,
      body: {
        runId: 'r-1',
        from: 'cp-2',
        to: 'cp-3',
        changes: [
          { op: 'replace', path: '/steps/r3/status', from: 'pending', to: 'succeeded' },
          { op: 'add', path: '/steps/r3/output', to: { n: 1 } },
        ],
      },
    });
    const { code, out } = await cli(['runs', 'diff', 'r-1', '--from', 'cp-2', '--to=cp-3']);
    expect(code).toBe(0);
    expect(seen[0]?.url).toBe('/v1/runs/r-1/diff?from=cp-2&to=cp-3');
    expect(out.split('\n')).toEqual([
      'run r-1: cp-2 -> cp-3, 2 changes',
      'OP       PATH              FROM     TO',
      'replace  /steps/r3/status  pending  succeeded',
      'add      /steps/r3/output           {"n":1}',
      '',
    ]);
  });

  it('fork: POSTs the checkpoint and says whether the run was created', async () => {
    gateway.reply = () => ({
      status: 202,
      body: {
        runId: 'r-9',
        created: false,
        forkedFrom: { runId: 'r-1', checkpoint: 'cp-2', revision: 7 },
        location: '/v1/runs/r-9',
      },
    });
    const { code, out } = await cli(['runs', 'fork', 'r-1', '--at', 'cp-2']);
    expect(code).toBe(0);
    expect(seen[0]).toEqual({ method: 'POST', url: '/v1/runs/r-1/fork', body: { at: 'cp-2' } });
    expect(out).toBe('already forked: run r-9 from r-1 at cp-2 (revision 7)\n');
  });

  it('show and trace read the run; --json prints the answer as is', async () => {
    gateway.reply = (request) => ({
      status: 200,
      body: request.url.endsWith('/trace')
        ? {
            run_id: 'r-1',
            workflow_id: 'wf',
            status: 'completed',
            total_duration_ms: 12,
            trace_id: null,
            steps: [
              {
                step: 'r1',
                tool: 'bench',
                action: 'record',
                status: 'succeeded',
                attempts: 0,
                duration_ms: 5,
                policy: null,
                error: null,
                lineage: { upstream: [], carriedOver: true },
              },
            ],
          }
        : {
            runId: 'r-1',
            workflowId: 'wf',
            workflowVersion: '1.0.0',
            status: 'completed',
            revision: 3,
            steps: [{ stepId: 'r1', status: 'succeeded', attempt: 1, tool: 'bench', action: 'record', output: 'x' }],
          },
    });
    const show = await cli(['runs', 'show', 'r-1']);
    expect(show.out).toContain('run r-1  wf@1.0.0  completed  revision 3');
    expect(show.out).toContain('r1    succeeded  1        bench.record  x');
    const trace = await cli(['runs', 'trace', 'r-1']);
    expect(trace.out).toContain('r1    bench.record  succeeded  0         5            -       - [carried]');
    const json = await cli(['runs', 'show', 'r-1', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ runId: 'r-1', status: 'completed' });
  });

  it('usage errors exit 2; a refusal by the gateway exits 1 with its code', async () => {
    expect((await cli(['runs', 'diff', 'r-1', '--from', 'cp-1'])).err).toContain('--to <checkpoint> is required');
    expect((await cli(['runs', 'state'])).code).toBe(2);
    expect(seen).toEqual([]);
    gateway.reply = () => ({
      status: 404,
      body: { error: { code: 'checkpoint_unknown', message: 'checkpoint "cp-9" is unknown: the run has cp-1..cp-3' } },
    });
    const refused = await cli(['runs', 'state', 'r-1', '--at', 'cp-9']);
    expect(refused).toMatchObject({
      code: 1,
      err: 'error: HTTP 404 checkpoint_unknown: checkpoint "cp-9" is unknown: the run has cp-1..cp-3\n',
    });
    expect(brief('x'.repeat(80), 10)).toBe('xxxxxxx...');
  });
});
