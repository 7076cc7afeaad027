import { spawnProcess } from './spawn-process.js';

const node = process.execPath;

describe('spawnProcess', () => {
  it('resolves once the ready line is printed and keeps stdout and stderr', async () => {
    const proc = await spawnProcess({
      name: 'ready',
      command: node,
      args: [
        '-e',
        'console.error("warming up"); setTimeout(() => console.log("listening on 1234"), 50); setInterval(() => {}, 1000);',
      ],
      readyLine: /listening on \d+/,
      readyTimeoutMs: 5000,
    });
    try {
      expect(proc.pid).toBeGreaterThan(0);
      expect(proc.output()).toContain('warming up');
      expect(proc.output()).toContain('listening on 1234');
    } finally {
      const code = await proc.stop();
      expect(code).toBeNull(); // ended by SIGTERM
    }
  });

  it('passes env and reports the exit code', async () => {
    const proc = await spawnProcess({
      name: 'env',
      command: node,
      args: ['-e', 'console.log("value=" + process.env.LF_TEST_VALUE); setTimeout(() => process.exit(3), 20);'],
      env: { LF_TEST_VALUE: 'abc' },
      readyLine: /value=/,
    });
    expect(await proc.exited).toBe(3);
    expect(proc.output()).toContain('value=abc');
  });

  it('rejects with the output when the process exits before it is ready', async () => {
    await expect(
      spawnProcess({
        name: 'early',
        command: node,
        args: ['-e', 'console.error("boom: bad config"); process.exit(2)'],
        readyLine: /ready/,
      }),
    ).rejects.toThrow(/early .*exited with code 2[\s\S]*boom: bad config/);
  });

  it('rejects after the timeout and stops the process', async () => {
    await expect(
      // 3 s: long enough for node to start and print on a loaded machine (a 300 ms limit once passed before it printed).
      spawnProcess({
        name: 'slow',
        command: node,
        args: ['-e', 'console.log("still booting"); setInterval(() => {}, 1000)'],
        readyLine: /ready/,
        readyTimeoutMs: 3000,
      }),
    ).rejects.toThrow(/slow .*did not print \/ready\/ within 3000 ms[\s\S]*still booting/);
  });

  it('rejects when the command does not exist', async () => {
    await expect(spawnProcess({ name: 'missing', command: '/nonexistent/bin/x', readyLine: /x/ })).rejects.toThrow(
      /could not be spawned/,
    );
  });

  it('stop() escalates to SIGKILL when SIGTERM is ignored', async () => {
    const proc = await spawnProcess({
      name: 'stubborn',
      command: node,
      args: [
        '-e',
        'process.on("SIGTERM", () => console.log("ignoring")); console.log("up"); setInterval(() => {}, 1000);',
      ],
      readyLine: /^up$/,
      stopGraceMs: 200,
    });
    const started = Date.now();
    expect(await proc.stop()).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(proc.output()).toContain('ignoring');
  });
});
