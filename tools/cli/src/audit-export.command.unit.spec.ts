import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditExportCommand } from './audit-export.command.js';
import { anExport, RUN_ID } from './audit-fixtures.spec-util.js';
import { auditCommands } from './audit.command.js';
import { runCli } from './cli.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';

describe('ledgerflow audit export', () => {
  const gateway = new StandInGateway(() => ({ status: 200, body: anExport(3) }));
  let url = '';
  let dir = '';
  beforeAll(async () => {
    url = await gateway.start();
    dir = await mkdtemp(join(tmpdir(), 'lf-audit-export-'));
  });
  afterAll(async () => {
    await gateway.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    gateway.seen.length = 0;
  });

  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli([auditExportCommand, ...auditCommands], ['audit', ...argv], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { LEDGERFLOW_URL: url, LEDGERFLOW_TOKEN: 'auditor' },
    });
    return { code, out, err };
  }

  it('writes the verified export to --out, which audit verify then accepts', async () => {
    const doc = anExport(3);
    gateway.reply = () => ({ status: 200, body: doc });
    const file = join(dir, 'export.json');
    const { code, out, err } = await cli('export', RUN_ID, '--out', file);
    expect([code, err]).toEqual([0, '']);
    expect(out).toBe(`exported 3 events of run ${RUN_ID} to ${file}, chain head ${doc.head}\n`);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(doc);
    expect(gateway.seen).toEqual([{ method: 'GET', url: `/v1/runs/${RUN_ID}/audit`, authorization: 'Bearer auditor' }]);
    expect(await cli('verify', file, '--head', doc.head as string)).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^ok: 3 events/),
    });
  });

  it('prints the export on stdout and the summary on stderr without --out', async () => {
    const doc = anExport(2);
    gateway.reply = () => ({ status: 200, body: doc });
    const { code, out, err } = await cli('export', RUN_ID);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(doc);
    expect(err).toBe(`exported 2 events of run ${RUN_ID}, chain head ${doc.head}\n`);
  });

  it('still writes an export whose chain does not verify, names the first failure and exits 1', async () => {
    const doc = anExport(3);
    doc.events[1]!.data.output = { n: 'edited' };
    gateway.reply = () => ({ status: 200, body: doc });
    const file = join(dir, 'tampered.json');
    const { code, out } = await cli('export', RUN_ID, '--out', file);
    expect(code).toBe(1);
    expect(out).toMatch(
      /^exported run run-under-audit to .*tampered\.json, but it does not verify: first failure: event #1 \(event-1\): /,
    );
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(doc);
  });

  it('exits 1 for an answer that is not an export (nothing written) or a refusal; 2 for an unwritable --out', async () => {
    gateway.reply = () => ({ status: 200, body: { format: 'something-else' } });
    const file = join(dir, 'never.json');
    expect(await cli('export', RUN_ID, '--out', file)).toMatchObject({
      code: 1,
      err: expect.stringContaining("the gateway's answer is not a ledgerflow-audit/1 export"),
    });
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
    gateway.reply = () => ({
      status: 404,
      body: { error: { code: 'run_not_found', message: 'run x does not exist' } },
    });
    expect(await cli('export', 'x')).toMatchObject({ code: 1, err: expect.stringContaining('HTTP 404 run_not_found') });
    gateway.reply = () => ({ status: 200, body: anExport(1) });
    expect(await cli('export', RUN_ID, '--out', join(dir, 'no-such-dir', 'a.json'))).toMatchObject({
      code: 2,
      err: expect.stringContaining('cannot write'),
    });
    expect((await cli('export')).code).toBe(2);
  });
});
