import { generateKeyPairSync } from 'node:crypto';
import { ValidationError } from '@ledgerflow/domain';
import { anExport, mutable, viaJson } from './audit-fixtures.spec-util.js';
import type { AuditEvent, AuditExport } from './audit-export.js';
import { anchorKeyId, anchorSigningKeyOf, anchorVerifyKeyOf } from './anchor-keys.js';
import { ANCHOR_FORMAT, parseSignedAnchor, signAnchor, verifyAnchorSignature } from './anchor.js';
import type { SignedAnchor } from './anchor.js';
import { compareWithRelayCopy, verifyExportAgainstAnchor } from './anchor-check.js';
import { eventHash } from './event-hash.js';

const pair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};
const keys = pair();

/** A signed anchor of the export's event at `revision`. */
function anchorOf(doc: AuditExport, revision: number, signer = keys.privateKey): SignedAnchor {
  const event = doc.events[revision] as AuditEvent;
  return signAnchor(
    {
      streamId: event.streamId,
      revision,
      hash: event.metadata.hash as string,
      position: event.position ?? 0,
      anchoredAt: '2026-05-04T09:40:00.000Z',
    },
    signer,
  );
}

/**
 * A consistent rewrite: event `at` gets other data, and its hash and every later hash and prevHash are
 * recomputed, as someone with write access to the store (and the hash function, which is public) can do.
 */
function consistentRewrite(doc: AuditExport, at: number): AuditExport {
  const events = mutable(doc.events);
  (events[at]!.data.output as Record<string, unknown>).amount = 1_000_000;
  for (let i = at; i < events.length; i++) {
    const event = events[i]!;
    const prevHash = i === 0 ? (event.metadata.prevHash as string) : (events[i - 1]!.metadata.hash as string);
    event.metadata.prevHash = prevHash;
    event.metadata.hash = eventHash(event as never, prevHash);
  }
  const rewritten = events as unknown as AuditEvent[];
  return { ...doc, events: rewritten, head: rewritten[rewritten.length - 1]?.metadata.hash as string };
}

describe('anchor keys', () => {
  it('parses PKCS#8 and SPKI PEM (also with \\n escapes) and derives one key id from either half', () => {
    const signing = anchorSigningKeyOf(keys.privatePem.replace(/\n/g, '\\n'));
    const verifying = anchorVerifyKeyOf(keys.publicPem);
    expect(anchorKeyId(signing)).toMatch(/^[0-9a-f]{16}$/);
    expect(anchorKeyId(signing)).toBe(anchorKeyId(verifying));
    expect(anchorKeyId(pair().publicKey)).not.toBe(anchorKeyId(verifying));
  });

  it('refuses a public key as signing key, a private key as verify key, and a non-Ed25519 key, without quoting it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => anchorSigningKeyOf(keys.publicPem)).toThrow(/must be an Ed25519 private key in PKCS#8 PEM/);
    expect(() => anchorVerifyKeyOf(keys.privatePem)).toThrow(/must be an Ed25519 public key in SPKI PEM/);
    expect(() => anchorSigningKeyOf(rsa)).toThrow(/must be an Ed25519 key, not rsa/);
    const error = (() => {
      try {
        anchorSigningKeyOf('-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.message).not.toContain('secret');
  });
});

describe('signAnchor / verifyAnchorSignature', () => {
  const doc = anExport(6);

  it('signs the head with format, kid and a base64url signature that verifies by kid', () => {
    const anchor = anchorOf(doc, 5);
    expect(anchor).toMatchObject({
      format: ANCHOR_FORMAT,
      streamId: doc.events[0]?.streamId,
      revision: 5,
      hash: doc.head,
      kid: anchorKeyId(keys.publicKey),
    });
    expect(anchor.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(verifyAnchorSignature(viaJson(anchor), [keys.publicKey])).toEqual({ ok: true, kid: anchor.kid });
    expect(verifyAnchorSignature(anchor, new Map([[anchor.kid, keys.publicKey]]))).toMatchObject({ ok: true });
  });

  it('uses a given key id, and still verifies after the JSON members are reordered', () => {
    const anchor = signAnchor(
      { streamId: 's-1', revision: 0, hash: doc.head as string, position: 1, anchoredAt: '2026-05-04T09:40:00.000Z' },
      keys.privateKey,
      'anchor-2026',
    );
    const reordered = Object.fromEntries(Object.entries(anchor).reverse()) as unknown as SignedAnchor;
    expect(verifyAnchorSignature(reordered, new Map([['anchor-2026', keys.publicKey]]))).toEqual({
      ok: true,
      kid: 'anchor-2026',
    });
  });

  it('refuses a tampered field or signature (bad_signature), another key under the same kid, and an unknown kid', () => {
    const anchor = anchorOf(doc, 5);
    const moved = { ...anchor, revision: 4, hash: doc.events[4]?.metadata.hash as string };
    expect(verifyAnchorSignature(moved, [keys.publicKey])).toMatchObject({ ok: false, reason: 'bad_signature' });
    const flipped = {
      ...anchor,
      signature: (anchor.signature.startsWith('A') ? 'B' : 'A') + anchor.signature.slice(1),
    };
    expect(verifyAnchorSignature(flipped, [keys.publicKey])).toMatchObject({
      ok: false,
      reason: 'bad_signature',
      message: expect.stringContaining('altered or forged'),
    });
    const other = pair();
    expect(verifyAnchorSignature(anchor, new Map([[anchor.kid, other.publicKey]]))).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyAnchorSignature(anchor, [other.publicKey])).toMatchObject({
      ok: false,
      reason: 'unknown_kid',
      message: expect.stringContaining(anchor.kid),
    });
  });
});

describe('parseSignedAnchor', () => {
  it('accepts an anchor read back from JSON', () => {
    const anchor = viaJson(anchorOf(anExport(3), 2));
    expect(parseSignedAnchor(anchor)).toBe(anchor);
  });

  it.each([
    ['format', 'ledgerflow-anchor/0', '/format must be "ledgerflow-anchor/1"'],
    ['revision', -1, '/revision must be an integer >= 0'],
    ['hash', 'abc', '/hash must be a SHA-256 hash'],
    ['anchoredAt', 'yesterday', '/anchoredAt must be an ISO-8601 time'],
    ['signature', undefined, '/signature is missing'],
  ])('refuses a bad %s, naming the field and rule', (field, value, message) => {
    const anchor = { ...viaJson(anchorOf(anExport(3), 2)), [field]: value } as Record<string, unknown>;
    if (value === undefined) delete anchor[field];
    expect(() => parseSignedAnchor(anchor)).toThrow(ValidationError);
    expect(() => parseSignedAnchor(anchor)).toThrow(message);
  });

  it('refuses what is not an object', () => {
    expect(() => parseSignedAnchor([1])).toThrow('not a ledgerflow-anchor/1 checkpoint: / must be an object');
  });
});

describe('verifyExportAgainstAnchor', () => {
  const doc = viaJson(anExport(6));

  it('matches an intact export at the anchored revision and counts the events appended since', () => {
    expect(verifyExportAgainstAnchor(doc, anchorOf(doc, 5), [keys.publicKey])).toEqual({
      ok: true,
      kid: anchorKeyId(keys.publicKey),
      revision: 5,
      hash: doc.head,
      anchoredAt: '2026-05-04T09:40:00.000Z',
      after: 0,
    });
    expect(verifyExportAgainstAnchor(doc, anchorOf(doc, 3), [keys.publicKey])).toMatchObject({
      ok: true,
      revision: 3,
      after: 2,
    });
  });

  it('detects a consistent rewrite (every hash recomputed) that the chain alone passes, naming the anchored event', () => {
    const anchor = anchorOf(doc, 5);
    const rewritten = consistentRewrite(doc, 2);
    expect(verifyExportAgainstAnchor({ ...rewritten }, anchor, [keys.publicKey]).ok).toBe(false);
    expect(verifyExportAgainstAnchor(rewritten, anchor, [keys.publicKey])).toMatchObject({
      ok: false,
      reason: 'anchor_mismatch',
      revision: 5,
      eventId: doc.events[5]?.metadata.eventId,
      message: expect.stringMatching(/^anchor mismatch: its hash is [0-9a-f]{64}, the anchor signed /),
    });
    // An anchor older than the rewritten event does not see it: anchors bound what they cover.
    expect(verifyExportAgainstAnchor(rewritten, anchorOf(doc, 1), [keys.publicKey])).toMatchObject({
      ok: true,
      revision: 1,
      after: 4,
    });
  });

  it('detects a truncation even when the export carries a rewritten head', () => {
    const truncated = { ...doc, events: doc.events.slice(0, 4), head: doc.events[3]?.metadata.hash as string };
    expect(verifyExportAgainstAnchor(truncated, anchorOf(doc, 5), [keys.publicKey])).toMatchObject({
      ok: false,
      reason: 'truncated',
      revision: 3,
      message: expect.stringContaining('revision 5 was anchored'),
    });
  });

  it('refuses an anchor of another stream, a forged anchor, one of an unknown key, and reports a broken chain', () => {
    const other = viaJson(anExport(6));
    const foreign = signAnchor({ ...anchorOf(doc, 5), streamId: 'run-other' }, keys.privateKey);
    expect(verifyExportAgainstAnchor(other, foreign, [keys.publicKey])).toMatchObject({
      ok: false,
      reason: 'wrong_stream',
    });
    const forged = anchorOf(consistentRewrite(doc, 2), 5, pair().privateKey);
    expect(
      verifyExportAgainstAnchor(consistentRewrite(doc, 2), { ...forged, kid: anchorKeyId(keys.publicKey) }, [
        keys.publicKey,
      ]),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyExportAgainstAnchor(doc, forged, [keys.publicKey])).toMatchObject({
      ok: false,
      reason: 'unknown_kid',
    });
    const altered = mutable(doc.events);
    altered[2]!.data.stepId = 'forged';
    expect(
      verifyExportAgainstAnchor({ ...doc, events: altered as never }, anchorOf(doc, 5), [keys.publicKey]),
    ).toMatchObject({ ok: false, reason: 'chain_broken', revision: 2 });
  });
});

describe('compareWithRelayCopy', () => {
  const doc = viaJson(anExport(6));

  it('matches when every relayed copy has the export hash; repeats and missing (expired) revisions are allowed', () => {
    const relayed = [...doc.events.slice(2), doc.events[3] as AuditEvent];
    expect(compareWithRelayCopy(doc, relayed)).toEqual({ ok: true, compared: 4, missing: [0, 1] });
  });

  it('names the first rewritten revision of a consistent rewrite', () => {
    expect(compareWithRelayCopy(consistentRewrite(doc, 2), doc.events)).toMatchObject({
      ok: false,
      reason: 'relay_mismatch',
      revision: 2,
      eventId: doc.events[2]?.metadata.eventId,
      message: expect.stringContaining("the relay's copy in LF_EVENTS has"),
    });
  });

  it('detects a truncated export: the relay holds a revision after its last', () => {
    const truncated = { ...doc, events: doc.events.slice(0, 4) };
    expect(compareWithRelayCopy(truncated, doc.events)).toMatchObject({
      ok: false,
      reason: 'truncated',
      revision: 3,
      message: expect.stringContaining('holds revision 4'),
    });
  });

  it('detects two different relayed copies of one revision', () => {
    const forged = mutable([doc.events[1] as AuditEvent])[0]!;
    forged.metadata.hash = 'f'.repeat(64);
    expect(compareWithRelayCopy(doc, [...doc.events, forged as never])).toMatchObject({
      ok: false,
      reason: 'relay_mismatch',
      revision: 1,
    });
  });
});
