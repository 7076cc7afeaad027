import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from './supervisor.js';
import type { ProcessSpec, SupervisorLogEntry } from './process-types.js';
import { acquirePidLock, InstanceRunningError, readPidLock } from './pid-lock.js';
import { readStatusFile, writeStatusFile } from './status-file.js';

/** A real child: prints `ready`, then exits with `code` after `lifeMs` (never, when omitted); `ignoreTerm` ignores SIGTERM. */
function child(
  name: string,
  options: { lifeMs?: number; code?: number; ignoreTerm?: boolean; exitBeforeReady?: boolean } = {},
): ProcessSpec {
  const script = [
    options.ignoreTerm ? "process.on('SIGTERM', () => {});" : "process.on('SIGTERM', () => process.exit(0));",
    options.exitBeforeReady ? "console.error('boom: missing config'); process.exit(78);" : "console.log('ready');",
    options.lifeMs === undefined
      ? 'setInterval(() => {}, 1000);'
      : `setTimeout(() => process.exit(${options.code ?? 1}), ${options.lifeMs});`,
  ].join('\n');
  return {
    name,
    command: process.execPath,
    args: ['-e', script],
    env: { PATH: process.env.PATH ?? '' },
    readyLine: /^ready$/,
    readyTimeoutMs: 5000,
    stopGraceMs: 300,
  };
}

// Not `eventually` from @ledgerflow/testing: that lib imports this one (SERVICE_NODE_ARGS), so importing it
// here would be a dependency cycle, which the Nx lint rule refuses (docs/architecture.md, "Module boundaries").
const until = async (what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('Supervisor (real child processes)', () => {
  let supervisor: Supervisor;
  let logs: (SupervisorLogEntry & { receivedAt: number })[];

  beforeEach(() => {
    logs = [];
    supervisor = new Supervisor({
      backoff: { initialDelayMs: 100, maxDelayMs: 400, factor: 2, resetAfterMs: 60_000 },
      log: (entry) => logs.push({ ...entry, receivedAt: Date.now() }),
    });
  });
  afterEach(() => supervisor.stop());

  it('restarts a process that keeps dying with doubling delays up to the ceiling, and counts the restarts', async () => {
    await supervisor.start(child('crasher', { lifeMs: 50, code: 3 }));
    const firstPid = supervisor.statusOf('crasher').pid;
    await until('four restarts', () => supervisor.statusOf('crasher').restarts >= 4);
    const exits = logs.filter((e) => e.msg === 'process exited');
    expect(exits.slice(0, 4).map((e) => e.nextDelayMs)).toEqual([100, 200, 400, 400]);
    expect(exits[0]).toMatchObject({
      name: 'crasher',
      pid: firstPid,
      code: 3,
      signal: null,
      restarts: 0,
      level: 'warn',
    });
    const restarts = logs.filter((e) => e.msg === 'process restarted');
    expect(restarts.slice(0, 4).map((e) => e.restarts)).toEqual([1, 2, 3, 4]);
    // Each restart came no earlier than its announced delay after the exit.
    restarts
      .slice(0, 4)
      .forEach((restart, i) =>
        expect(restart.receivedAt - exits[i].receivedAt).toBeGreaterThanOrEqual(Number(exits[i].nextDelayMs) - 5),
      );
    const status = supervisor.statusOf('crasher');
    expect(status.lastExit).toMatchObject({ code: 3, signal: null });
    expect(status.pid).not.toBe(firstPid);
  });

  it('restarts a process killed from outside, which becomes ready again', async () => {
    await supervisor.start(child('steady'));
    const before = supervisor.statusOf('steady');
    process.kill(before.pid as number, 'SIGKILL');
    await until(
      'ready again',
      () => supervisor.statusOf('steady').restarts === 1 && supervisor.statusOf('steady').ready,
    );
    const after = supervisor.statusOf('steady');
    expect(after).toMatchObject({
      state: 'ready',
      restarts: 1,
      lastExit: { pid: before.pid, code: null, signal: 'SIGKILL' },
    });
    expect(after.pid).not.toBe(before.pid);
    expect(logs.find((e) => e.msg === 'process exited')).toMatchObject({
      name: 'steady',
      signal: 'SIGKILL',
      nextDelayMs: 100,
    });
  });

  it('starts counting from the first delay again once a process stayed up long enough', async () => {
    const quick = new Supervisor({
      backoff: { initialDelayMs: 50, maxDelayMs: 1000, factor: 2, resetAfterMs: 150 },
      log: (entry) => logs.push({ ...entry, receivedAt: Date.now() }),
    });
    try {
      await quick.start(child('long-lived', { lifeMs: 250 }));
      await until('three exits', () => logs.filter((e) => e.msg === 'process exited').length >= 3);
      expect(
        logs
          .filter((e) => e.msg === 'process exited')
          .map((e) => e.nextDelayMs)
          .slice(0, 3),
      ).toEqual([50, 50, 50]);
    } finally {
      await quick.stop();
    }
  });

  it('stops with SIGTERM, and with SIGKILL after the grace when SIGTERM is ignored; a stopped process is not restarted', async () => {
    await supervisor.start(child('polite'));
    await supervisor.start(child('stubborn', { ignoreTerm: true }));
    await new Promise((r) => setTimeout(r, 100));
    await supervisor.stop();
    expect(supervisor.statusOf('polite')).toMatchObject({
      state: 'stopped',
      pid: null,
      restarts: 0,
      lastExit: { code: 0, signal: null },
    });
    expect(supervisor.statusOf('stubborn')).toMatchObject({
      state: 'stopped',
      pid: null,
      lastExit: { code: null, signal: 'SIGKILL' },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(supervisor.status().every((s) => s.pid === null && s.restarts === 0)).toBe(true);
  });

  it('refuses a first start that exits before it is ready, with its output, and does not restart it', async () => {
    await expect(supervisor.start(child('misconfigured', { exitBeforeReady: true }))).rejects.toThrow(
      /misconfigured .*exited \(code 78.*\n.*boom: missing config/s,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(supervisor.statusOf('misconfigured')).toMatchObject({ state: 'failed', restarts: 0, pid: null });
  });
});

describe('pid lock and status file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lf-supervisor-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets one holder in, refuses a second while it lives, and replaces a stale lock', () => {
    const path = join(dir, 'ledgerflow.pid');
    const lock = acquirePidLock(path);
    expect(() => acquirePidLock(path)).toThrow(InstanceRunningError);
    lock.release();
    // A lock left by a process that is gone (pid 2^22 + 1 is above Linux's pid_max) is stale.
    writeFileSync(path, JSON.stringify({ pid: 4_194_305, startedAt: '2026-01-01T00:00:00.000Z', script: 'x' }));
    const again = acquirePidLock(path);
    expect(readPidLock(path)?.pid).toBe(process.pid);
    again.release();
    expect(readPidLock(path)).toBeUndefined();
  });

  it('writes and reads a status file whole', () => {
    const path = join(dir, 'status.json');
    const status = {
      version: 1 as const,
      supervisorPid: 1,
      startedAt: 'a',
      updatedAt: 'b',
      info: { gatewayUrl: 'http://127.0.0.1:8080' },
      processes: [],
    };
    writeStatusFile(path, status);
    expect(readStatusFile(path)).toEqual(status);
    expect(() => readStatusFile(join(dir, 'missing.json'))).toThrow(/no status file/);
  });
});
