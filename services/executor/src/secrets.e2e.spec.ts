import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { authHeader, benchWorkers, eventually, startRunOverHttp, startStack, tempDir } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

const API_TOKEN = 'tok_live_9f8e7d6c5b4a39281706';
const DB_PASSWORD = 'correct horse battery staple';
const fingerprint = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 12);

/**
 * requiredSecrets over the real stack (fixture `needs-secrets`): without its secrets a run is paused
 * `secrets_missing` naming each before its first step; once an operator provides them (a file in the executor's
 * secrets directory, an environment variable) and resumes it, the tool receives both, and neither value is
 * anywhere in the store or the executor's output.
 */
describe('required secrets', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let secretsDir: string;

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-secrets-');
    secretsDir = join(dataDir, 'secrets-volume');
    await mkdir(secretsDir);
    stack = await startStack({
      dataDir,
      env: {
        LEDGERFLOW_DEFINITIONS_DIR: 'services/executor/src/fixtures/workflows/secrets',
        LEDGERFLOW_SECRETS_DIR: secretsDir,
        LEDGERFLOW_SECRET_DB_PASSWORD: DB_PASSWORD,
      },
      extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const settled = (runId: string, type: string) =>
    eventually(
      async () => {
        const events = await store.readStream(`run-${runId}`);
        return events.some((e) => e.type === type) ? events : undefined;
      },
      30_000,
      `${type} of ${runId}`,
    );

  it('pauses a run secrets_missing before its first step, and runs it with both secrets once they are there', async () => {
    const runId = await startRunOverHttp(stack, 'needs-secrets', { input: {}, idempotencyKey: 'secrets-1' });
    const paused = await settled(runId, 'RunPaused');
    expect(paused.find((e) => e.type === 'RunPaused')?.data).toEqual({
      reason: 'secrets_missing: API_TOKEN',
      code: 'secrets_missing',
      secrets: ['API_TOKEN'],
    });
    expect(paused.map((e) => e.type)).not.toContain('StepStarted');

    await writeFile(join(secretsDir, 'API_TOKEN'), `${API_TOKEN}\n`, { mode: 0o600 });
    const resumed = await fetch(`${stack.gatewayUrl}/v1/runs/${runId}/resume`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await authHeader(stack, { sub: 'ops', scopes: ['runs:operate'] })),
      },
      body: '{}',
    });
    expect(resumed.status).toBe(200);
    const events = await settled(runId, 'RunCompleted');
    const output = events.find((e) => e.type === 'StepSucceeded')?.data as { output: unknown };
    expect(output.output).toEqual({
      received: { API_TOKEN: fingerprint(API_TOKEN), DB_PASSWORD: fingerprint(DB_PASSWORD) },
    });

    // Names only: no value in the store file (WAL included) nor in what the executor printed.
    const stored = ['', '-wal']
      .map((suffix) => {
        try {
          return readFileSync(`${stack.sqlitePath}${suffix}`).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
    for (const value of [API_TOKEN, DB_PASSWORD]) {
      expect(stored.includes(value)).toBe(false);
      expect(stack.process('executor').output().includes(value)).toBe(false);
    }
  }, 60_000);
});
