import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anExport } from './audit-fixtures.spec-util.js';
import { auditCommands } from './audit.command.js';
import { runCli } from './cli.js';

describe('ledgerflow audit verify', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgerflow-audit-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function cli(argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli(auditCommands, argv, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env: {},
    });
    return { code, out, err };
  }
  let n = 0;
  async function fileOf(content: unknown): Promise<string> {
    const path = join(dir, `export-${n++}.json`);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }

  it('prints ok, the number of events and the chain head for an intact export (exit 0)', async () => {
    const doc = anExport(5);
    expect(await cli(['audit', 'verify', await fileOf(doc)])).toEqual({
      code: 0,
      out: `ok: 5 events, chain head ${doc.head}\n`,
      err: '',
    });
    expect((await cli(['audit', 'verify', await fileOf(doc), '--head', doc.head])).code).toBe(0);
  });

  it('names the first event that does not verify (exit 1): altered, removed, reordered', async () => {
    const altered = anExport(5);
    altered.events[2]!.data.output = { n: 99 };
    expect(await cli(['audit', 'verify', await fileOf(altered)])).toEqual({
      code: 1,
      err: '',
      out: expect.stringMatching(/^first failure: event #2 \(event-2\): content altered: /),
    });

    const removed = anExport(5);
    removed.events.splice(1, 1);
    expect((await cli(['audit', 'verify', await fileOf(removed)])).out).toMatch(
      /^first failure: event #2 \(event-2\): previous hash mismatch: /,
    );

    const reordered = anExport(5);
    reordered.events.reverse();
    expect((await cli(['audit', 'verify', await fileOf(reordered)])).out).toMatch(
      /^first failure: event #4 \(event-4\): previous hash mismatch: /,
    );
  });

  it('detects a truncated tail through the head, and a rewritten head through --head', async () => {
    const doc = anExport(5);
    const truncated = { ...doc, events: doc.events.slice(0, 3) };
    expect(await cli(['audit', 'verify', await fileOf(truncated)])).toMatchObject({
      code: 1,
      out: expect.stringMatching(/^first failure: event #2 \(event-2\): chain head mismatch: /),
    });
    const rewritten = { ...truncated, head: doc.events[2]!.metadata.hash };
    expect((await cli(['audit', 'verify', await fileOf(rewritten)])).code).toBe(0);
    expect(await cli(['audit', 'verify', await fileOf(rewritten), `--head=${doc.head}`])).toMatchObject({
      code: 1,
      out: expect.stringContaining('trusted head'),
    });
  });

  it('detects a changed runId (wrong stream)', async () => {
    const doc = { ...anExport(3), runId: 'another' };
    expect((await cli(['audit', 'verify', await fileOf(doc)])).out).toMatch(
      /^first failure: event #0 \(event-0\): wrong stream: /,
    );
  });

  it('refuses a downgrade (hashes stripped, head null, content edited) unless --allow-legacy-prefix is given', async () => {
    const doc = anExport(3);
    for (const event of doc.events) {
      delete event.metadata.hash;
      delete event.metadata.prevHash;
    }
    (doc as { head: string | null }).head = null;
    doc.events[1]!.data = { stepId: 's1', output: { n: 1_000_000 } };
    const file = await fileOf(doc);
    const strict = await cli(['audit', 'verify', file]);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/^first failure: the first 3 of 3 events carry no hash/);
    const legacy = await cli(['audit', 'verify', file, '--allow-legacy-prefix']);
    expect(legacy).toMatchObject({
      code: 0,
      out: expect.stringContaining('note: the first 3 events were appended before the audit trail existed'),
    });
  });

  it('reports a file that is not JSON or not an export (exit 1), naming the field', async () => {
    expect(await cli(['audit', 'verify', await fileOf('{"format":')])).toMatchObject({
      code: 1,
      out: expect.stringMatching(/^invalid export: .* is not JSON/),
    });
    const doc = anExport(2) as unknown as Record<string, unknown>;
    delete doc.head;
    expect(await cli(['audit', 'verify', await fileOf(doc)])).toMatchObject({
      code: 1,
      out: 'invalid export: not a ledgerflow-audit/1 export: /head is missing\n',
    });
  });

  it('usage errors exit 2: no file, an extra argument, an unknown option, a malformed --head, an unreadable file', async () => {
    const file = await fileOf(anExport(1));
    for (const argv of [
      [],
      [file, 'more'],
      [file, '--quiet'],
      [file, '--head', 'abc'],
      [file, '--head'],
      [join(dir, 'missing.json')],
    ]) {
      const result = await cli(['audit', 'verify', ...argv]);
      expect(result).toMatchObject({
        code: 2,
        out: '',
        err: expect.stringContaining('usage: ledgerflow audit verify <file>'),
      });
    }
  });
});
