import { UsageError } from './args.js';
import { parseStartOptions } from './start-options.js';
import { formatUptime, statusTable } from './status.command.js';

describe('ledgerflow start options', () => {
  it('defaults to .data/ledgerflow, gateway 8080 (or LEDGERFLOW_GATEWAY_PORT) and nats-server on 4222', () => {
    expect(parseStartOptions([], {}, '/repo')).toMatchObject({
      layout: { root: '/repo/.data/ledgerflow', pidFile: '/repo/.data/ledgerflow/ledgerflow.pid' },
      gatewayPort: 8080,
      natsPort: 4222,
      workers: [],
    });
    expect(
      parseStartOptions([], { LEDGERFLOW_GATEWAY_PORT: '9090', NATS_URL: 'nats://x:4222' }, '/repo'),
    ).toMatchObject({ gatewayPort: 9090, externalNatsUrl: 'nats://x:4222' });
  });

  it('resolves --data-dir, --definitions and repeated --worker against the working directory', () => {
    const options = parseStartOptions(
      [
        '--data-dir',
        'd',
        '--definitions=a,b',
        '--worker',
        'bench-workers=examples/bench/dist/workers.js@lf.tool.bench.>',
        '--worker=w2=/abs/w.js@lf.tool.x.>,lf.tool.y.>',
      ],
      {},
      '/repo',
    );
    expect(options.layout.root).toBe('/repo/d');
    expect(options.definitions).toEqual(['/repo/a', '/repo/b']);
    expect(options.workers).toEqual([
      { name: 'bench-workers', script: '/repo/examples/bench/dist/workers.js', subjects: ['lf.tool.bench.>'] },
      { name: 'w2', script: '/abs/w.js', subjects: ['lf.tool.x.>', 'lf.tool.y.>'] },
    ]);
  });

  it('runs the services in one process with --single-process, each in its own by default', () => {
    expect(parseStartOptions([], {}, '/repo').singleProcess).toBe(false);
    expect(parseStartOptions(['--single-process', '--port', '9000'], {}, '/repo')).toMatchObject({
      singleProcess: true,
      gatewayPort: 9000,
    });
  });

  it.each([
    [['--port', '0'], /--port must be a port number/],
    [['--worker', 'nameless.js'], /expected <name>=<script>@<subject>/],
    [['--worker', 'policy=x.js@lf.tool.x.>'], /the name is taken/],
    [['--worker', 'services=x.js@lf.tool.x.>'], /the name is taken/],
    [['--verbose'], /unknown option '--verbose'/],
    [['--single-proces'], /\(Did you mean --single-process\?\)/],
  ])('refuses %j', (args, message) => {
    expect(() => parseStartOptions(args, {}, '/repo')).toThrow(UsageError);
    expect(() => parseStartOptions(args, {}, '/repo')).toThrow(message);
  });
});

describe('ledgerflow status table', () => {
  it('shows pid, state, uptime, restarts, readiness and the last exit per process', () => {
    const table = statusTable(
      {
        version: 1,
        supervisorPid: 1,
        startedAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:10:00.000Z',
        info: {},
        processes: [
          {
            name: 'policy',
            state: 'ready',
            pid: 42,
            startedAt: '2026-01-01T00:08:55.000Z',
            restarts: 1,
            ready: true,
            lastExit: { pid: 41, code: null, signal: 'SIGKILL', at: '2026-01-01T00:08:54.500Z', uptimeMs: 1 },
            nextRestartAt: null,
          },
          {
            name: 'gateway',
            state: 'backoff',
            pid: null,
            startedAt: null,
            restarts: 0,
            ready: false,
            lastExit: { pid: 7, code: 1, signal: null, at: '2026-01-01T00:09:59.000Z', uptimeMs: 1 },
            nextRestartAt: '2026-01-01T00:10:00.500Z',
          },
        ],
      },
      Date.parse('2026-01-01T00:10:00.000Z'),
    );
    expect(table.split('\n')).toEqual([
      'PROCESS  PID  STATE    UPTIME  RESTARTS  READY  LAST EXIT',
      'policy   42   ready    1m05s   1         yes    SIGKILL at 2026-01-01T00:08:54.500Z',
      'gateway  -    backoff  -       0         no     code 1 at 2026-01-01T00:09:59.000Z',
    ]);
    expect([formatUptime(12_400), formatUptime(3_725_000)]).toEqual(['12s', '1h02m']);
  });
});
