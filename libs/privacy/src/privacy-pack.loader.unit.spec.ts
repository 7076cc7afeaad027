import { LedgerflowError } from '@ledgerflow/domain';
import { mergePrivacyPacks, parsePrivacyPack } from './privacy-pack.loader.js';

const VALID = `id: claims-privacy
version: 1.0.0
kind: privacy
mask:
  paths: ["$.claimant.email", "$.claimant.name"]
  detectors: [email, phone, card, iban]
`;

function failure(text: string, file = 'packs/claims-privacy@1.0.0.yaml'): LedgerflowError {
  try {
    parsePrivacyPack(text, file);
  } catch (error) {
    return error as LedgerflowError;
  }
  throw new Error('expected parsePrivacyPack to throw');
}

describe('parsePrivacyPack', () => {
  it('reads a privacy pack', () => {
    expect(parsePrivacyPack(VALID, 'packs/claims-privacy@1.0.0.yaml')).toEqual({
      id: 'claims-privacy',
      version: '1.0.0',
      paths: ['$.claimant.email', '$.claimant.name'],
      detectors: ['email', 'phone', 'card', 'iban'],
      source: 'packs/claims-privacy@1.0.0.yaml',
    });
  });

  it('ignores other kinds, files without kind, and non-YAML files that do not declare kind: privacy', () => {
    expect(
      parsePrivacyPack('id: claims-payout\nversion: 1.0.0\nrules: []\n', 'claims-payout@1.0.0.yaml'),
    ).toBeUndefined();
    expect(parsePrivacyPack('id: x\nversion: 1.0.0\nkind: approval\nrules: []\n', 'x@1.0.0.yaml')).toBeUndefined();
    expect(parsePrivacyPack('cases:\n  - [unclosed\n', 'cases.yaml')).toBeUndefined();
    expect(parsePrivacyPack('- just\n- a list\n', 'list.yaml')).toBeUndefined();
  });

  it.each([
    [
      'an unknown detector',
      VALID.replace('iban]', 'ssn]'),
      /:6:\d+: \/mask\/detectors\/3 must be one of email, phone, card, iban, account; got "ssn"/,
    ],
    [
      'an invalid path',
      VALID.replace('"$.claimant.name"', '"claimant.name"'),
      /:5:\d+: \/mask\/paths\/1: JSON path "claimant.name" is invalid/,
    ],
    ['a missing id', VALID.replace('id: claims-privacy\n', ''), /\/id must match/],
    ['a bad version', VALID.replace('1.0.0', '1.0'), /:2:\d+: \/version must be a semantic version/],
    ['a missing mask', 'id: claims-privacy\nversion: 1.0.0\nkind: privacy\n', /\/mask must be an object/],
    [
      'an empty mask',
      'id: claims-privacy\nversion: 1.0.0\nkind: privacy\nmask: {}\n',
      /\/mask needs paths or detectors/,
    ],
    ['a misspelt mask key', VALID.replace('detectors:', 'detector:'), /unknown key "mask.detector"/],
    ['an unknown top-level key', `${VALID}extra: 1\n`, /:7:\d+: unknown key "extra"/],
    [
      'paths that are not a list',
      VALID.replace('paths: ["$.claimant.email", "$.claimant.name"]', 'paths: "$.a"'),
      /\/mask\/paths must be a list/,
    ],
    ['a YAML error', `${VALID}mask: [\n`, /YAML: /],
  ])('refuses %s with policy_pack_invalid naming the file and line', (_label, text, message) => {
    const error = failure(text);
    expect(error).toBeInstanceOf(LedgerflowError);
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toMatch(/^packs\/claims-privacy@1\.0\.0\.yaml:\d+:\d+: /);
    expect(error.message).toMatch(message);
    expect(error.details).toMatchObject({ file: 'packs/claims-privacy@1.0.0.yaml' });
  });

  it('refuses a file not named after the pack it declares', () => {
    const error = failure(VALID, 'packs/privacy.yaml');
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toContain('must be named claims-privacy@1.0.0.yaml');
  });
});

describe('mergePrivacyPacks', () => {
  it('unites paths and detectors without duplicates and sorts the pack list', () => {
    const rules = mergePrivacyPacks([
      { id: 'b', version: '1.0.0', paths: ['$.a', '$.b'], detectors: ['email'] },
      { id: 'a', version: '2.0.0', paths: ['$.b', '$..c'], detectors: ['email', 'iban'] },
    ]);
    expect(rules).toEqual({
      packs: ['a@2.0.0', 'b@1.0.0'],
      paths: ['$.a', '$.b', '$..c'],
      detectors: ['email', 'iban'],
    });
  });
});
