import type { NatsConnection } from '@nats-io/nats-core';
import { LedgerflowClient } from '@ledgerflow/sdk';
import { eventually, removeDir, tempDir } from '@ledgerflow/testing';
import { RunDriver } from './soak-driver.js';
import { startSupervisedLedgerflow, type SupervisedLedgerflow } from './soak-stack.js';

/**
 * The policy service SIGKILLed under load, with everything started by `ledgerflow start` (separate OS
 * processes): the supervisor restarts it, and every run started before, during and after the outage
 * completes; none fails or stalls.
 */
describe('policy service killed under load (ledgerflow start)', () => {
  let dataDir: string;
  let lf: SupervisedLedgerflow | undefined;
  let nc: NatsConnection | undefined;

  beforeAll(async () => {
    dataDir = await tempDir('lf-policy-kill');
    lf = await startSupervisedLedgerflow(dataDir);
    nc = await lf.connectAdmin();
  }, 90_000);

  afterAll(async () => {
    await nc?.close();
    await lf?.stop();
    await removeDir(dataDir);
  }, 60_000);

  it('restarts the policy service once and completes every run', async () => {
    const ledgerflow = lf as SupervisedLedgerflow;
    const problems: string[] = [];
    const client = new LedgerflowClient({
      baseUrl: ledgerflow.gatewayUrl,
      token: await ledgerflow.token({ sub: 'soak', scopes: ['runs:start', 'runs:read'] }),
    });
    const driver = new RunDriver({
      client,
      nc: nc as NatsConnection,
      workflowId: 'noop-chain',
      concurrency: 8,
      stallAfterMs: 30_000,
      keyPrefix: 'policy-kill',
      onProblem: (line) => problems.push(line),
    });
    driver.start();
    await eventually(
      async () => (driver.snapshot().completed >= 8 ? true : undefined),
      20_000,
      'eight runs completed before the kill',
    );

    const victim = ledgerflow.processOf('policy');
    process.kill(victim.pid as number, 'SIGKILL');
    const atKill = driver.snapshot();
    const restarted = await eventually(
      async () => {
        const policy = ledgerflow.processOf('policy');
        return policy.restarts >= 1 && policy.ready ? policy : undefined;
      },
      20_000,
      'the policy service restarted and ready',
    );
    // Runs go on after the restart, then the driver stops starting new ones and waits for the rest.
    const target = atKill.completed + atKill.inFlight + 8;
    await eventually(
      async () => (driver.snapshot().completed >= target ? true : undefined),
      30_000,
      'the runs in flight at the kill and eight more completed',
    );
    const final = await driver.finish();

    expect(problems).toEqual([]);
    expect(final).toMatchObject({ failed: 0, stalled: 0, inFlight: 0, completed: final.started });
    expect(atKill.inFlight).toBeGreaterThan(0);
    expect(restarted).toMatchObject({ state: 'ready', restarts: 1 });
    expect(restarted.pid).not.toBe(victim.pid);
    expect(restarted.lastExit).toMatchObject({ pid: victim.pid, code: null, signal: 'SIGKILL' });
    const events = ledgerflow
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toContainEqual(
      expect.objectContaining({
        msg: 'process exited',
        name: 'policy',
        pid: victim.pid,
        signal: 'SIGKILL',
        restarts: 0,
        nextDelayMs: 500,
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ msg: 'process restarted', name: 'policy', pid: restarted.pid, restarts: 1 }),
    );
    expect(
      ledgerflow
        .processes()
        .filter((p) => p.name !== 'policy')
        .every((p) => p.restarts === 0 && p.ready),
    ).toBe(true);
  }, 90_000);
});
