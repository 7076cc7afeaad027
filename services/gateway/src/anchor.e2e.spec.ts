import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eventHash, parseSignedAnchor, verifyAnchorSignature, anchorVerifyKeyOf } from '@ledgerflow/audit';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { latestAnchorOf, seedFileName } from '@ledgerflow/messaging';
import { authHeader, eventually, repoRoot, startBenchStack, startRunOverHttp } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

/**
 * External anchors of the audit trail (docs/security.md, "Audit trail"): a `noop-chain` run completes, the planner
 * signs its head into `LF_ANCHORS`, and the run is exported. Then someone with write access to the SQLite file
 * rewrites it consistently: one event's data edited and every hash from there recomputed (the hash function is
 * public). The chain alone still verifies; `audit verify --anchor` (the signed head) and `--bus` (the relay's copy
 * in `LF_EVENTS`) do not, and name the event. The built CLI runs as a process (`tools/cli/dist/main.js`).
 */
describe('external anchors of the audit trail', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let runId: string;
  let stored: StoredEvent[];

  const cli = (args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const env = {
        ...process.env,
        NATS_URL: stack.natsUrl,
        NATS_NKEY_SEED_FILE: join(stack.natsCredentialsDir, seedFileName('admin')),
      };
      execFile(
        process.execPath,
        [join(repoRoot(), 'tools/cli/dist/main.js'), ...args],
        { timeout: 20_000, env },
        (error, out, err) => {
          resolve({ code: error ? Number((error as { code?: unknown }).code ?? -1) : 0, out, err });
        },
      );
    });
  const exportTo = async (name: string): Promise<string> => {
    const response = await fetch(`${stack.gatewayUrl}/v1/runs/${runId}/audit`, { headers: await authHeader(stack) });
    expect(response.status).toBe(200);
    const file = join(stack.dataDir, `${name}.json`);
    await writeFile(file, await response.text());
    return file;
  };

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-anchor-');
    store = await SqliteEventStore.open(stack.sqlitePath);
    runId = await startRunOverHttp(stack, 'noop-chain', { input: {} });
    stored = await eventually(
      async () => {
        const events = await store.readStream(`run-${runId}`);
        return events.at(-1)?.type === 'RunCompleted' ? events : undefined;
      },
      30_000,
      'the run completed',
    );
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('anchors the completed run, and a consistent rewrite passes the chain but not the anchor nor the bus', async () => {
    const last = stored.at(-1) as StoredEvent;
    const nc = await stack.connect();
    const anchor = await eventually(
      async () => {
        const value = await latestAnchorOf(nc, `run-${runId}`);
        return value !== undefined && (value as { revision: number }).revision === last.revision
          ? parseSignedAnchor(value)
          : undefined;
      },
      15_000,
      'the head of the completed run anchored',
    ).finally(() => nc.close());
    expect(anchor).toMatchObject({
      streamId: `run-${runId}`,
      revision: last.revision,
      hash: last.metadata.hash,
      position: last.position,
    });
    expect(verifyAnchorSignature(anchor, [anchorVerifyKeyOf(stack.anchorKeys.publicKeyPem)])).toMatchObject({
      ok: true,
    });

    const anchorFile = join(stack.dataDir, 'anchor.json');
    const keyFile = join(stack.dataDir, 'anchor-key.pem');
    await writeFile(keyFile, stack.anchorKeys.publicKeyPem);
    expect(await cli(['audit', 'anchor', runId, '--out', anchorFile])).toMatchObject({
      code: 0,
      out: expect.stringContaining(`at revision ${last.revision} (hash ${anchor.hash}`),
    });
    const original = await exportTo('original');
    const anchored = await cli(['audit', 'verify', original, '--anchor', anchorFile, '--anchor-key', keyFile, '--bus']);
    expect(anchored).toMatchObject({ code: 0, err: '' });
    expect(anchored.out).toContain(`ok: anchored at revision ${last.revision}`);
    expect(anchored.out).toContain(`ok: ${stored.length} events match the relay's copy in LF_EVENTS`);

    // The rewrite: the first StepSucceeded gets another output; its hash and every later hash and prevHash recomputed.
    const target = stored.find((e) => e.type === 'StepSucceeded') as StoredEvent;
    const db = new Database(stack.sqlitePath);
    try {
      let prevHash = target.metadata.prevHash as string;
      for (const event of stored.filter((e) => e.revision >= target.revision)) {
        const data = event === target ? { ...(event.data as object), output: { forged: true } } : event.data;
        const { hash: _hash, ...metadata } = { ...event.metadata, prevHash };
        const hash = eventHash({ ...event, data, metadata }, prevHash);
        const changed = db
          .prepare('UPDATE events SET data = ?, metadata = ? WHERE event_id = ?')
          .run(JSON.stringify(data), JSON.stringify({ ...metadata, hash }), event.metadata.eventId).changes;
        expect(changed).toBe(1);
        prevHash = hash;
      }
    } finally {
      db.close();
    }
    const forged = await exportTo('forged');

    // The weakness: the chain alone vouches for the rewritten history.
    expect(await cli(['audit', 'verify', forged])).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^ok: \d+ events, chain head [0-9a-f]{64}\n$/),
    });
    const withAnchor = await cli(['audit', 'verify', forged, '--anchor', anchorFile, '--anchor-key', keyFile]);
    expect(withAnchor.code).toBe(1);
    expect(withAnchor.out).toContain(
      `first failure: event #${last.revision} (${last.metadata.eventId}): anchor mismatch: its hash is `,
    );
    const withBus = await cli(['audit', 'verify', forged, '--bus']);
    expect(withBus.code).toBe(1);
    expect(withBus.out).toContain(
      `first failure: event #${target.revision} (${target.metadata.eventId}): relay mismatch: `,
    );
  }, 90_000);
});
