import { CommonConfig } from './common.config.js';
import { loadConfig } from './load-config.js';
import { EXIT_CONFIG, runOrExit } from './run-or-exit.js';

function fakeIo(): { stderr: string[]; codes: number[]; io: { writeError(t: string): void; exit(c: number): void } } {
  const stderr: string[] = [];
  const codes: number[] = [];
  return {
    stderr,
    codes,
    io: {
      writeError: (t) => {
        stderr.push(t);
      },
      exit: (c) => {
        codes.push(c);
      },
    },
  };
}

describe('runOrExit', () => {
  it('prints a ConfigError naming the variable and exits with 78', async () => {
    const { stderr, codes, io } = fakeIo();
    await runOrExit(() => loadConfig(CommonConfig, { LEDGERFLOW_METRICS_PORT: '0' }), io);
    expect(codes).toEqual([EXIT_CONFIG]);
    expect(EXIT_CONFIG).toBe(78);
    expect(stderr.join('')).toContain('LEDGERFLOW_METRICS_PORT: must not be less than 1 (rule min; got "0")');
  });

  it('exits with 1 on any other failure and does not exit on success', async () => {
    const failed = fakeIo();
    await runOrExit(async () => {
      throw new Error('nats down');
    }, failed.io);
    expect(failed.codes).toEqual([1]);
    expect(failed.stderr.join('')).toContain('nats down');
    const ok = fakeIo();
    let ran = false;
    await runOrExit(async () => {
      ran = true;
    }, ok.io);
    expect(ran).toBe(true);
    expect(ok.codes).toEqual([]);
  });
});
