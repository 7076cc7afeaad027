import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledExample } from '@ledgerflow/contracts';
import { removeDir, tempDir } from '@ledgerflow/testing';
import { runCli } from './cli.js';
import { workflowsLabelsCommand } from './labels.command.js';

const label = (i: number): LabelledExample => ({
  runId: `run-${i}`,
  stepId: 'extract',
  input: { text: `claim ${i}` },
  output: { amount: i },
  correctedOutput: { amount: i * 10 },
  verdict: 'corrected',
  confidence: 0.6,
  reviewer: 'ana',
  decidedAt: `2026-01-01T00:00:0${i}.000Z`,
});

/**
 * A stand-in gateway answering JSON lines (the stand-in of stand-in-gateway.spec-util.ts answers JSON): page `n`
 * holds `pages[n]`, and names page `n + 1` in `Link` while there is one.
 */
describe('ledgerflow workflows labels', () => {
  let pages: LabelledExample[][] = [];
  let refusal: { status: number; body: unknown } | undefined;
  const seen: Array<{ url: string; authorization?: string }> = [];
  let server: Server;
  let url = '';
  let dir = '';

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({
        url: request.url ?? '',
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      });
      if (refusal) {
        response.writeHead(refusal.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(refusal.body));
        return;
      }
      const n = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('cursor') ?? '0');
      const link =
        n + 1 < pages.length ? { link: `</v1/workflows/claims/labels?limit=1000&cursor=${n + 1}>; rel="next"` } : {};
      response.writeHead(200, { 'content-type': 'application/x-ndjson', ...link });
      response.end((pages[n] ?? []).map((l) => `${JSON.stringify(l)}\n`).join(''));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await tempDir('ledgerflow-labels-');
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await removeDir(dir);
  });
  beforeEach(() => {
    seen.length = 0;
    refusal = undefined;
    pages = [[label(1), label(2)], [label(3)], [label(4)]];
  });

  async function cli(argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli([workflowsLabelsCommand], argv, {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { LEDGERFLOW_URL: url, LEDGERFLOW_TOKEN: 'reader-token' },
    });
    return { code, out, err };
  }

  it('follows every page and prints the JSON lines in order', async () => {
    const { code, out } = await cli(['workflows', 'labels', 'claims', '--step', 'extract']);
    expect(code).toBe(0);
    expect(seen).toEqual([
      { url: '/v1/workflows/claims/labels?stepId=extract&limit=1000', authorization: 'Bearer reader-token' },
      { url: '/v1/workflows/claims/labels?limit=1000&cursor=1', authorization: 'Bearer reader-token' },
      { url: '/v1/workflows/claims/labels?limit=1000&cursor=2', authorization: 'Bearer reader-token' },
    ]);
    expect(
      out
        .split('\n')
        .slice(0, -1)
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([1, 2, 3, 4].map(label));
  });

  it('--out writes the lines to the file and says how many', async () => {
    const file = join(dir, 'labels.jsonl');
    const { code, out } = await cli(['workflows', 'labels', 'claims', '--out', file]);
    expect([code, out]).toEqual([0, `4 labels written to ${file}\n`]);
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([1, 2, 3, 4].map(label));
  });

  it('writes an empty file when there are no labels', async () => {
    pages = [[]];
    const file = join(dir, 'empty.jsonl');
    expect((await cli(['workflows', 'labels', 'claims', '--out', file])).out).toBe(`0 labels written to ${file}\n`);
    expect(await readFile(file, 'utf8')).toBe('');
  });

  it("exits 1 with the gateway's refusal, leaving no file behind", async () => {
    refusal = {
      status: 404,
      body: { error: { code: 'workflow_unknown', message: 'no workflow nope', retryable: false } },
    };
    const file = join(dir, 'refused.jsonl');
    const { code, err } = await cli(['workflows', 'labels', 'nope', '--out', file]);
    expect(code).toBe(1);
    expect(err).toContain('HTTP 404 workflow_unknown: no workflow nope');
    expect(existsSync(file)).toBe(false);
  });

  it('an unwritable --out is a usage error (exit 2)', async () => {
    const { code, err } = await cli(['workflows', 'labels', 'claims', '--out', join(dir, 'missing', 'x.jsonl')]);
    expect(code).toBe(2);
    expect(err).toContain('cannot write');
  });

  // Last: it replaces the stand-in's answers.
  it('refuses a next page on another origin (it would receive the token)', async () => {
    server.removeAllListeners('request');
    server.on('request', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson', link: '<http://evil.example/x>; rel="next"' });
      response.end(`${JSON.stringify(label(1))}\n`);
    });
    const { code, err } = await cli(['workflows', 'labels', 'claims']);
    expect(code).toBe(1);
    expect(err).toContain('the next page is on another origin (http://evil.example)');
  });
});
