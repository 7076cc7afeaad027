import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from './cli.js';
import { parseStartArgs, parseWatchArgs, runsWatchCommands, watchRun } from './runs-watch.command.js';
import { eraseLines, formatDuration, outcomeOf, stepTable, updateLine } from './runs-watch-view.js';

const run = (status: string, extra: Record<string, unknown> = {}) => ({
  runId: 'r1',
  status,
  steps: [
    { stepId: 'fetch', status: 'succeeded', attempt: 1, durationMs: 87 },
    {
      stepId: 'pay_out',
      status: status === 'running' ? 'running' : 'failed',
      attempt: 2,
      durationMs: status === 'running' ? undefined : 1234,
    },
  ],
  ...extra,
});

describe('runs start / runs watch arguments', () => {
  it('parses a workflow id, an input file, an idempotency key and the switches', () => {
    expect(parseStartArgs(['claims', '--input', 'in.json', '--idempotency-key=k-1', '--watch'])).toEqual({
      workflowId: 'claims',
      inputFile: 'in.json',
      idempotencyKey: 'k-1',
      watch: true,
      plain: false,
    });
    expect(parseStartArgs(['claims'])).toEqual({ workflowId: 'claims', watch: false, plain: false });
    expect(parseWatchArgs(['r1', '--plain'])).toEqual({ runId: 'r1', plain: true });
    expect(parseWatchArgs(['r1', '--until', 'GateOpened'])).toEqual({ runId: 'r1', plain: false, until: 'GateOpened' });
    expect(() => parseWatchArgs(['r1', '--until', 'gate opened'])).toThrow(
      '--until must be an event type such as GateOpened',
    );
  });

  it('refuses a missing id, an extra argument, an unknown option or a valued option without value, with usage and exit 2', async () => {
    expect(() => parseStartArgs([])).toThrow("missing required argument 'workflowId'");
    expect(() => parseStartArgs(['a', 'b'])).toThrow(
      "too many arguments for 'start'. Expected 1 argument but got 2: a, b.",
    );
    expect(() => parseStartArgs(['a', '--input'])).toThrow("option '--input <file.json>' argument missing");
    expect(() => parseStartArgs(['a', '--idempotency-key='])).toThrow('--idempotency-key must not be empty');
    expect(() => parseWatchArgs(['r1', '--follow'])).toThrow("unknown option '--follow'");
    let err = '';
    const io = {
      out: () => undefined,
      err: (t: string) => {
        err += t;
      },
      env: { LEDGERFLOW_TOKEN: 't' },
    };
    expect(await runCli(runsWatchCommands, ['runs', 'watch'], io)).toBe(2);
    expect(err).toContain('usage: ledgerflow runs watch <runId>');
    expect(await runCli(runsWatchCommands, ['runs', 'start', 'claims', '--input', '/nonexistent/in.json'], io)).toBe(2);
    expect(err).toContain('cannot read the input /nonexistent/in.json');
    expect(await runCli(runsWatchCommands, ['runs', 'watch', 'r1'], { ...io, env: {} })).toBe(2);
    expect(err).toContain('LEDGERFLOW_TOKEN is not set');
  });
});

describe('runs watch output', () => {
  it('draws the steps as an aligned table with status, attempt and duration', () => {
    expect(stepTable(run('failed'))).toEqual([
      'STEP     STATUS     ATTEMPT  DURATION',
      'fetch    succeeded  1        87 ms',
      'pay_out  failed     2        1.2 s',
      'run r1: failed',
    ]);
    expect([formatDuration(undefined), formatDuration(999.6), formatDuration(60_000)]).toEqual([
      '-',
      '1000 ms',
      '60.0 s',
    ]);
    expect(eraseLines(3)).toBe('\u001b[3F\u001b[J');
    expect(eraseLines(0)).toBe('');
  });

  it('prints one line per update and the outcome with exit 0 only for completed', () => {
    expect(
      updateLine({
        type: 'StepStarted',
        runId: 'r1',
        stepId: 'pay_out',
        attempt: 2,
        status: 'running',
        revision: 7,
        position: 41,
        occurredAt: '2026-05-01T10:00:00.000Z',
      }),
    ).toBe('[41] 2026-05-01T10:00:00.000Z StepStarted pay_out (attempt 2) -> run running');
    expect(outcomeOf(run('completed'))).toEqual({ line: 'run r1 completed', code: 0 });
    expect(outcomeOf(run('failed', { failure: { code: 'step_failed', reason: 'pay_out failed' } }))).toEqual({
      line: 'run r1 failed: step_failed: pay_out failed',
      code: 1,
    });
    expect(outcomeOf(run('cancelled'))).toEqual({ line: 'run r1 cancelled', code: 1 });
  });

  it('on a terminal, redraws the table in place and ends with the outcome', async () => {
    let views = 0;
    const server: Server = createServer((request, response) => {
      if (request.url === '/v1/runs/r1/stream') {
        const update = (type: string, position: number, status: string) =>
          `id: ${position}\nevent: ${type}\ndata: ${JSON.stringify({ type, runId: 'r1', status, revision: position, position, occurredAt: 'now' })}\n\n`;
        // The second update comes later than the redraw interval (100 ms), so the table is redrawn in between.
        response.writeHead(200, { 'content-type': 'text/event-stream' }).write(update('StepStarted', 1, 'running'));
        setTimeout(() => response.end(update('RunCompleted', 2, 'completed')), 250);
        return;
      }
      views += 1;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(views < 2 ? run('running') : { ...run('completed'), steps: [run('completed').steps[0]] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let out = '';
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const code = await watchRun(
        {
          out: (t) => {
            out += t;
          },
          err: (t) => {
            out += t;
          },
          env: { LEDGERFLOW_URL: url },
        },
        'r1',
        { token: 't', tty: true },
      );
      expect(code).toBe(0);
    } finally {
      server.close();
    }
    // Split at every erase, whatever the height of the table it erases (a slow machine may redraw more often).
    const frames = out.split(/\u001b\[\d+F\u001b\[J/);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(frames[0]).toContain('pay_out  running');
    expect(frames[frames.length - 1]).toBe(
      'STEP   STATUS     ATTEMPT  DURATION\nfetch  succeeded  1        87 ms\nrun r1: completed\nrun r1 completed\n',
    );
  });
});
