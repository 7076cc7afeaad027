import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorKeyId, signAnchor } from '@ledgerflow/audit';
import type { RelayedEvent, SignedAnchor } from '@ledgerflow/audit';
import { anExport, idOf, rewritten, RUN_ID } from './audit-fixtures.spec-util.js';
import type { MutableExport } from './audit-fixtures.spec-util.js';
import type { AuditBus, AuditBusConnector } from './audit-bus.js';
import { auditCommandsWith } from './audit.command.js';
import { runCli } from './cli.js';

const STREAM = `run-${RUN_ID}`;
const keys = generateKeyPairSync('ed25519');
const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const anchorOf = (doc: MutableExport, revision: number, signer = keys.privateKey): SignedAnchor =>
  signAnchor(
    {
      streamId: STREAM,
      revision,
      hash: doc.events[revision]!.metadata.hash as string,
      position: revision + 1,
      anchoredAt: '2026-05-04T09:45:00.000Z',
    },
    signer,
  );

/** A stand-in bus: what LF_ANCHORS and LF_EVENTS hold for the run, or a connection that fails; counts opens and closes. */
function busOf(content: {
  anchor?: unknown;
  relayed?: readonly RelayedEvent[];
  fails?: string;
}): AuditBusConnector & { readonly opened: number; readonly closed: number } {
  const state = { opened: 0, closed: 0 };
  const connect: AuditBusConnector = async () => {
    if (content.fails) throw new Error(content.fails);
    state.opened++;
    const bus: AuditBus = {
      latestAnchor: async (streamId) => (streamId === STREAM ? content.anchor : undefined),
      relayedEvents: async (streamId) => (streamId === STREAM ? (content.relayed ?? []) : []),
      close: async () => {
        state.closed++;
      },
    };
    return bus;
  };
  return Object.defineProperties(connect, {
    opened: { get: () => state.opened },
    closed: { get: () => state.closed },
  }) as AuditBusConnector & { readonly opened: number; readonly closed: number };
}

describe('ledgerflow audit verify --anchor / --bus, and audit anchor', () => {
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgerflow-anchor-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function fileOf(content: unknown): Promise<string> {
    const path = join(dir, `file-${n++}.json`);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }
  async function cli(argv: string[], connect: AuditBusConnector = busOf({}), env: Record<string, string> = {}) {
    let out = '';
    let err = '';
    const code = await runCli(auditCommandsWith(connect), argv, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env,
    });
    return { code, out, err };
  }

  describe('--anchor', () => {
    const doc = anExport(5);
    let keyFile: string;
    beforeAll(async () => {
      keyFile = await fileOf(publicPem);
    });

    it('passes an intact export, naming the anchored revision, hash and key (exit 0)', async () => {
      const result = await cli([
        'audit',
        'verify',
        await fileOf(doc),
        '--anchor',
        await fileOf(anchorOf(doc, 3)),
        '--anchor-key',
        keyFile,
      ]);
      expect(result).toEqual({
        code: 0,
        err: '',
        out: `ok: 5 events, chain head ${doc.head}\nok: anchored at revision 3 (hash ${doc.events[3]!.metadata.hash}) at 2026-05-04T09:45:00.000Z, signed by key ${anchorKeyId(keys.publicKey)}; the 1 events after it are covered by the chain only\n`,
      });
    });

    it('detects a consistent rewrite that the chain alone passes, naming the anchored event (exit 1)', async () => {
      const forged = await fileOf(rewritten(doc, 1));
      expect((await cli(['audit', 'verify', forged])).code).toBe(0);
      const result = await cli([
        'audit',
        'verify',
        forged,
        '--anchor',
        await fileOf(anchorOf(doc, 4)),
        '--anchor-key',
        keyFile,
      ]);
      expect(result.code).toBe(1);
      expect(result.out.split('\n')[1]).toMatch(
        /^first failure: event #4 \(event-4\): anchor mismatch: its hash is [0-9a-f]{64}, the anchor signed [0-9a-f]{64} at 2026-05-04T09:45:00.000Z: this event or one before it was rewritten/,
      );
    });

    it('detects a truncation with a rewritten head, and takes the key from LEDGERFLOW_ANCHOR_VERIFY_KEY', async () => {
      const truncated = { ...doc, events: doc.events.slice(0, 3), head: doc.events[2]!.metadata.hash as string };
      const result = await cli(
        ['audit', 'verify', await fileOf(truncated), '--anchor', await fileOf(anchorOf(doc, 4))],
        busOf({}),
        { LEDGERFLOW_ANCHOR_VERIFY_KEY: publicPem.replace(/\n/g, '\\n') },
      );
      expect(result).toMatchObject({
        code: 1,
        out: expect.stringContaining(
          `first failure: event #2 (${idOf(2)}): truncated: the export ends at revision 2, but revision 4 was anchored`,
        ),
      });
    });

    it('refuses an anchor of another key (unknown kid), a tampered signature and a forged field (exit 1)', async () => {
      const exportFile = await fileOf(doc);
      const other = generateKeyPairSync('ed25519').privateKey;
      const unknown = await cli([
        'audit',
        'verify',
        exportFile,
        '--anchor',
        await fileOf(anchorOf(doc, 4, other)),
        '--anchor-key',
        keyFile,
      ]);
      expect(unknown).toMatchObject({
        code: 1,
        out: expect.stringContaining(
          `anchor failure: unknown key id: the anchor was signed with key ${anchorKeyId(other)}`,
        ),
      });
      const anchor = anchorOf(doc, 4);
      const tampered = {
        ...anchor,
        signature: `${anchor.signature.slice(0, -2)}${anchor.signature.endsWith('AA') ? 'BA' : 'AA'}`,
      };
      expect(
        (await cli(['audit', 'verify', exportFile, '--anchor', await fileOf(tampered), '--anchor-key', keyFile])).out,
      ).toContain('anchor failure: bad signature');
      const moved = { ...anchor, revision: 3 };
      expect(
        (await cli(['audit', 'verify', exportFile, '--anchor', await fileOf(moved), '--anchor-key', keyFile])).out,
      ).toContain('anchor failure: bad signature');
    });

    it('reports an anchor file that is not JSON or not an anchor (exit 1), naming the field', async () => {
      const exportFile = await fileOf(doc);
      expect(
        await cli(['audit', 'verify', exportFile, '--anchor', await fileOf('{'), '--anchor-key', keyFile]),
      ).toMatchObject({ code: 1, out: expect.stringMatching(/\ninvalid anchor: .* is not JSON/) });
      const { kid: _kid, ...noKid } = anchorOf(doc, 4);
      expect(
        (await cli(['audit', 'verify', exportFile, '--anchor', await fileOf(noKid), '--anchor-key', keyFile])).out,
      ).toContain('invalid anchor: not a ledgerflow-anchor/1 checkpoint: /kid is missing');
    });

    it('usage errors exit 2: no key, a key without --anchor, a private key as verify key, an unreadable anchor or key', async () => {
      const exportFile = await fileOf(doc);
      const anchorFile = await fileOf(anchorOf(doc, 4));
      const privateKeyFile = await fileOf(keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
      for (const [argv, message] of [
        [['--anchor', anchorFile], '--anchor needs the anchor verify key'],
        [['--anchor-key', keyFile], '--anchor-key goes with --anchor'],
        [['--anchor', anchorFile, '--anchor-key', privateKeyFile], 'must be an Ed25519 public key in SPKI PEM'],
        [['--anchor', join(dir, 'missing.json'), '--anchor-key', keyFile], 'cannot read'],
        [['--anchor', anchorFile, '--anchor-key', join(dir, 'missing.pem')], 'cannot read'],
      ] as const) {
        const result = await cli(['audit', 'verify', exportFile, ...argv]);
        expect(result).toMatchObject({ code: 2, out: '', err: expect.stringContaining(message) });
        expect(result.err).toContain('usage: ledgerflow audit verify <file>');
      }
    });
  });

  describe('--bus', () => {
    const doc = anExport(5);

    it("passes when every event matches the relay's copy, noting the revisions LF_EVENTS no longer holds", async () => {
      const connect = busOf({ relayed: [...doc.events.slice(1), doc.events[2]!] });
      const result = await cli(['audit', 'verify', await fileOf(doc), '--bus'], connect);
      expect(result).toMatchObject({
        code: 0,
        out: expect.stringContaining(
          "ok: 4 events match the relay's copy in LF_EVENTS\nnote: LF_EVENTS holds no copy of 1 events (#0)",
        ),
      });
      expect([connect.opened, connect.closed]).toEqual([1, 1]);
    });

    it('names the first rewritten revision of a consistent rewrite, and a truncation (exit 1)', async () => {
      const relayed = busOf({ relayed: doc.events });
      const forged = await cli(['audit', 'verify', await fileOf(rewritten(doc, 2)), '--bus'], relayed);
      expect(forged).toMatchObject({
        code: 1,
        out: expect.stringContaining(`first failure: event #2 (${idOf(2)}): relay mismatch: its hash is `),
      });
      const truncated = { ...doc, events: doc.events.slice(0, 3), head: doc.events[2]!.metadata.hash as string };
      expect((await cli(['audit', 'verify', await fileOf(truncated), '--bus'], relayed)).out).toContain(
        "truncated: the export ends at revision 2, but the relay's copy in LF_EVENTS holds revision 3",
      );
    });

    it('exits 1 when the bus cannot be read', async () => {
      expect(
        await cli(['audit', 'verify', await fileOf(doc), '--bus'], busOf({ fails: 'Authorization Violation' })),
      ).toMatchObject({
        code: 1,
        out: expect.stringContaining(
          `bus failure: cannot read the relay's copy of ${STREAM} from LF_EVENTS: Authorization Violation`,
        ),
      });
    });
  });

  describe('audit anchor', () => {
    const doc = anExport(3);
    const anchor = anchorOf(doc, 2);

    it('prints the latest anchor of the run as JSON, or writes it to --out', async () => {
      const connect = busOf({ anchor: JSON.parse(JSON.stringify(anchor)) });
      const printed = await cli(['audit', 'anchor', RUN_ID], connect);
      expect(printed.code).toBe(0);
      expect(JSON.parse(printed.out)).toEqual(anchor);
      const out = join(dir, 'anchor-out.json');
      expect(await cli(['audit', 'anchor', RUN_ID, '--out', out], connect)).toEqual({
        code: 0,
        err: '',
        out: `anchor of ${STREAM} at revision 2 (hash ${anchor.hash}, position 3, 2026-05-04T09:45:00.000Z, key ${anchor.kid}) written to ${out}\n`,
      });
      expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(anchor);
      expect([connect.opened, connect.closed]).toEqual([2, 2]);
    });

    it('exits 1 for a run without anchor, a message that is not an anchor, and a bus it cannot read', async () => {
      expect(await cli(['audit', 'anchor', 'other-run'], busOf({ anchor }))).toMatchObject({
        code: 1,
        out: expect.stringMatching(/^no anchor of run-other-run in LF_ANCHORS/),
      });
      expect(await cli(['audit', 'anchor', RUN_ID], busOf({ anchor: { format: 'x' } }))).toMatchObject({
        code: 1,
        out: expect.stringContaining('invalid anchor in LF_ANCHORS: not a ledgerflow-anchor/1 checkpoint: /format'),
      });
      expect(await cli(['audit', 'anchor', RUN_ID], busOf({ fails: 'connection refused' }))).toMatchObject({
        code: 1,
        out: expect.stringContaining('bus failure: cannot read the anchors of'),
      });
    });

    it('usage errors exit 2: no run id, an extra argument, an unknown option, --out without a value, an unwritable --out', async () => {
      for (const argv of [
        [],
        [RUN_ID, 'more'],
        [RUN_ID, '--json'],
        [RUN_ID, '--out'],
        [RUN_ID, '--out', join(dir, 'missing-dir', 'a.json')],
      ]) {
        expect(await cli(['audit', 'anchor', ...argv], busOf({ anchor }))).toMatchObject({
          code: 2,
          out: '',
          err: expect.stringContaining('usage: ledgerflow audit anchor <runId>'),
        });
      }
    });
  });
});
