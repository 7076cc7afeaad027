import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerflowError } from '@ledgerflow/domain';
import { loadPrivacyRules } from './privacy-pack.loader.js';

describe('loadPrivacyRules (files)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'lf-privacy-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function dir(name: string, files: Record<string, string>): string {
    const path = join(root, name);
    mkdirSync(path, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(path, file), text);
    return path;
  }

  it('unites the privacy packs of several directories and ignores every other file', () => {
    const a = dir('a', {
      'claims-privacy@1.0.0.yaml':
        'id: claims-privacy\nversion: 1.0.0\nkind: privacy\nmask:\n  paths: ["$.claimant.email"]\n  detectors: [email, phone]\n',
      'claims-payout@1.0.0.yaml': 'id: claims-payout\nversion: 1.0.0\nrules: []\n',
      'capabilities@1.0.0.cedar': 'permit(principal, action, resource);\n',
      'README.md': 'kind: privacy\n',
      'cases.yaml': 'cases: [1, 2\n',
    });
    const b = dir('b', {
      'bank-privacy@2.1.0.yml':
        'id: bank-privacy\nversion: 2.1.0\nkind: privacy\nmask:\n  paths: ["$..iban"]\n  detectors: [iban, email]\n',
    });
    mkdirSync(join(b, 'nested.yaml'));
    expect(loadPrivacyRules([a, b])).toEqual({
      packs: ['bank-privacy@2.1.0', 'claims-privacy@1.0.0'],
      paths: ['$.claimant.email', '$..iban'],
      detectors: ['email', 'phone', 'iban'],
    });
  });

  it('gives empty rules when no privacy pack exists', () => {
    expect(loadPrivacyRules([dir('none', { 'x.yaml': 'a: 1\n' })])).toEqual({ packs: [], paths: [], detectors: [] });
  });

  it('names the file of an invalid pack, both files of a duplicate, and an unreadable directory', () => {
    const bad = dir('bad', { 'p@1.0.0.yaml': 'id: p\nversion: 1.0.0\nkind: privacy\nmask:\n  detectors: [ssn]\n' });
    expect(() => loadPrivacyRules([bad])).toThrow(
      new RegExp(`^${join(bad, 'p@1.0.0.yaml').replace(/[.]/g, '\\.')}:5:`),
    );
    const pack = 'id: p\nversion: 1.0.0\nkind: privacy\nmask:\n  detectors: [email]\n';
    const one = dir('one', { 'p@1.0.0.yaml': pack });
    const two = dir('two', { 'p@1.0.0.yml': pack });
    expect(() => loadPrivacyRules([one, two])).toThrow(
      expect.objectContaining({
        code: 'policy_pack_duplicate',
        details: { files: [join(one, 'p@1.0.0.yaml'), join(two, 'p@1.0.0.yml')] },
      }),
    );
    const missing = join(root, 'missing');
    let error: unknown;
    try {
      loadPrivacyRules([missing]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LedgerflowError);
    expect(error).toMatchObject({ code: 'policy_dir_unreadable', details: { dir: missing } });
  });
});
