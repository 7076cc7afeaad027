import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolReply } from '@ledgerflow/contracts';
import { FileIdempotencyStore, MemoryIdempotencyStore } from './index.js';

const ok = (output: unknown): ToolReply => ({ ok: true, value: { output } });

describe('MemoryIdempotencyStore', () => {
  it('evicts the least recently used key beyond its bound', () => {
    const store = new MemoryIdempotencyStore(2);
    store.set('a', ok(1));
    store.set('b', ok(2));
    expect(store.get('a')).toEqual(ok(1));
    store.set('c', ok(3));
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toEqual(ok(1));
    expect(store.size).toBe(2);
  });
});

describe('FileIdempotencyStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lf-idem-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reloads what it wrote and skips a torn last line', async () => {
    const path = join(dir, 'store.jsonl');
    const first = new FileIdempotencyStore(path);
    await first.set('k1', ok({ n: 1 }));
    await first.set('k2', { ok: false, error: { code: 'tool_failed', message: 'boom', retryable: true } });
    await first.close();
    appendFileSync(path, '{"key":"k3","reply":{"ok":tr');
    const second = new FileIdempotencyStore(path);
    expect(second.get('k1')).toEqual(ok({ n: 1 }));
    expect(second.get('k2')).toMatchObject({ ok: false, error: { code: 'tool_failed' } });
    expect(second.get('k3')).toBeUndefined();
    await second.close();
  });

  it('compacts a file holding more than twice its bound at load', async () => {
    const path = join(dir, 'store.jsonl');
    const first = new FileIdempotencyStore(path, { maxKeys: 2, fsync: true });
    for (let i = 0; i < 5; i += 1) await first.set(`k${i}`, ok(i));
    await first.close();
    const second = new FileIdempotencyStore(path, { maxKeys: 2 });
    expect(
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).key),
    ).toEqual(['k3', 'k4']);
    expect(second.get('k4')).toEqual(ok(4));
    expect(second.get('k0')).toBeUndefined();
  });
});
