import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { POLICY_PACK_VERSION_REGISTERED, foldPolicyPackVersions, policyPackViewOf } from '@ledgerflow/contracts';
import type { PolicyPackVersionRegistered } from '@ledgerflow/contracts';
import { evaluate } from './evaluate.js';
import { compilePolicyPacks, loadPolicyPacks } from './load-packs.js';
import { corePack } from './core-pack.js';
import {
  PolicyPackVersionExistsError,
  decidePackRegistration,
  packFilesDigest,
  packVersionsOfFiles,
  readPackVersion,
} from './pack-version.js';
import { EXAMPLE_POLICIES, payoutRequest, thrown } from './policy-engine.spec-util.js';

const header = (version = '1.1.0') => `// @pack claims-payout@${version}\n`;
const forbid = (id: string, limit: number) => `@id("${id}")
@rationale("amount {amount} is above ${limit}")
forbid (principal, action, resource) when { context has amount && context.amount > ${limit} };
`;

describe('readPackVersion: a pack version sent as files', () => {
  it('reads one Cedar file with the digest of its files and the pack as loadPolicyPacks reads it from a directory', () => {
    const text = readFileSync(join(EXAMPLE_POLICIES, 'claims-payout@1.0.0.cedar'), 'utf8');
    const { pack, digest } = readPackVersion(
      { pack: 'claims-payout', version: '1.0.0', files: { 'claims-payout@1.0.0.cedar': text } },
      { dir: EXAMPLE_POLICIES },
    );
    const fromDir = loadPolicyPacks([EXAMPLE_POLICIES], { core: false }).packs.find((p) => p.id === 'claims-payout');
    expect(pack).toEqual(fromDir);
    expect(digest).toBe(packFilesDigest({ 'claims-payout@1.0.0.cedar': text }));
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('joins several .cedar files into one capability pack whose policies all decide', () => {
    const files = { 'a.cedar': header() + forbid('ceiling', 1000), 'b.cedar': header() + forbid('hard-ceiling', 5000) };
    const { pack } = readPackVersion({ pack: 'claims-payout', version: '1.1.0', files });
    expect(pack.kind === 'capability' && pack.policies.map((p) => p.id)).toEqual(['ceiling', 'hard-ceiling']);
    const decision = evaluate(payoutRequest({ input: { amount: 2000 } }), compilePolicyPacks([corePack(), pack]));
    expect(decision.outcome).toBe('deny');
    expect(decision.rules.filter((r) => r.result === 'fail').map((r) => `${r.pack}/${r.rule}`)).toEqual([
      'claims-payout@1.1.0/ceiling',
    ]);
  });

  it('names the file, line and column of a Cedar syntax error (Cedar byte offsets after non-ASCII text)', () => {
    const bad = `${header()}// café ☕ before the error\n@id("x")\n@rationale("r")\nforbid (principal, action, resource) when { context.amount >> 1 };\n`;
    const error = thrown(() =>
      readPackVersion({
        pack: 'claims-payout',
        version: '1.1.0',
        files: { 'a.cedar': header() + forbid('ok', 1), 'b.cedar': bad },
      }),
    );
    expect(error.code).toBe('policy_pack_invalid');
    const column = 'forbid (principal, action, resource) when { context.amount >'.length + 1;
    expect(error.message).toMatch(new RegExp(`^b\\.cedar:5:${column}: Cedar: unexpected token`));
    expect(error.details).toMatchObject({
      file: 'b.cedar',
      line: 5,
      column,
      field: '/files/b.cedar',
      rule: 'valid_pack',
    });
  });

  it('names the YAML line and column of an obligation pack refused by its schema', () => {
    const yaml =
      'id: claims-approval\nversion: 1.1.0\nkind: approval\nrules:\n  - id: r\n    field: amount\n    above: lots\n    rationale: x\n    reviewers: [claims-lead]\n';
    const error = thrown(() =>
      readPackVersion({ pack: 'claims-approval', version: '1.1.0', files: { 'claims-approval.yaml': yaml } }),
    );
    expect(error.message).toMatch(/^claims-approval\.yaml:7:12: \/rules\/0\/above must be number/);
    expect(error.details).toMatchObject({
      file: 'claims-approval.yaml',
      line: 7,
      column: 12,
      field: '/files/claims-approval.yaml',
    });
  });

  it.each([
    [
      'a file declaring another version',
      { pack: 'claims-payout', version: '1.2.0', files: { 'p.cedar': header('1.1.0') + forbid('c', 1) } },
      { field: '/files/p.cedar', rule: 'matches_path', line: 1 },
    ],
    [
      'the built-in pack name',
      { pack: 'ledgerflow-core', version: '1.0.1', files: { 'p.cedar': '' } },
      { field: '/pack', rule: 'reserved' },
    ],
    [
      'a version that is not MAJOR.MINOR.PATCH',
      { pack: 'claims-payout', version: '1.1', files: { 'p.cedar': '' } },
      { field: '/version', rule: 'pattern' },
    ],
    ['no files', { pack: 'claims-payout', version: '1.1.0', files: {} }, { field: '/files', rule: 'file_count' }],
    [
      'a path as a file name',
      { pack: 'claims-payout', version: '1.1.0', files: { '../p.cedar': '' } },
      { field: '/files/../p.cedar', rule: 'pattern' },
    ],
    [
      'Cedar and YAML together',
      { pack: 'claims-payout', version: '1.1.0', files: { 'p.cedar': '', 'q.yaml': '' } },
      { field: '/files/q.yaml', rule: 'one_kind' },
    ],
    [
      'the same @id in two files',
      {
        pack: 'claims-payout',
        version: '1.1.0',
        files: { 'a.cedar': header() + forbid('c', 1), 'b.cedar': header() + forbid('c', 2) },
      },
      { field: '/files/b.cedar', rule: 'unique_policy_id', line: 2 },
    ],
  ])('refuses %s naming the field and rule', (_name, candidate, details) => {
    const error = thrown(() => readPackVersion(candidate));
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.details).toMatchObject(details);
  });

  it('refuses a privacy pack over the API (masking reads the directories) but reads it from a directory', () => {
    const text = readFileSync(join(EXAMPLE_POLICIES, 'claims-privacy@1.0.0.yaml'), 'utf8');
    const candidate = { pack: 'claims-privacy', version: '1.0.0', files: { 'claims-privacy@1.0.0.yaml': text } };
    expect(thrown(() => readPackVersion(candidate, { source: 'api' })).details).toMatchObject({
      rule: 'privacy_directory_only',
      line: 7,
    });
    expect(readPackVersion(candidate).pack.kind).toBe('privacy');
  });
});

describe('decidePackRegistration: versions are immutable', () => {
  const registered = (version: string, digest: string, revision: number) => ({
    type: POLICY_PACK_VERSION_REGISTERED,
    revision,
    recordedAt: '2026-01-01T00:00:00.000Z',
    data: {
      pack: 'claims-payout',
      version,
      kind: 'capability',
      files: {},
      digest,
      source: 'directory',
      registeredBy: { kind: 'service', id: 'policy' },
    } satisfies PolicyPackVersionRegistered,
  });
  const state = foldPolicyPackVersions('claims-payout', [
    registered('1.0.0', 'sha256:a', 0),
    registered('1.2.0', 'sha256:b', 1),
    registered('1.10.0', 'sha256:c', 2),
  ]);
  const candidate = (version: string, digest: string): PolicyPackVersionRegistered => ({
    ...registered(version, digest, 0).data,
    source: 'api',
  });

  it('appends a new version; the active version is the highest by semver precedence (1.10.0 above 1.2.0)', () => {
    expect(decidePackRegistration(state, candidate('1.1.0', 'sha256:d'))).toEqual([candidate('1.1.0', 'sha256:d')]);
    expect(policyPackViewOf(state)).toMatchObject({
      activeVersion: '1.10.0',
      versionCount: 3,
      versions: [{ version: '1.10.0' }, { version: '1.2.0' }, { version: '1.0.0' }],
    });
  });

  it('appends nothing for the same version with the same digest', () => {
    expect(decidePackRegistration(state, candidate('1.2.0', 'sha256:b'))).toEqual([]);
  });

  it('refuses the same version with another digest: 409 policy_pack_version_exists naming both digests', () => {
    const error = thrown(() => decidePackRegistration(state, candidate('1.2.0', 'sha256:x')));
    expect(error).toBeInstanceOf(PolicyPackVersionExistsError);
    expect(error.code).toBe('policy_pack_version_exists');
    expect(error.details).toEqual({
      pack: 'claims-payout',
      version: '1.2.0',
      field: '/version',
      rule: 'immutable_version',
      digest: 'sha256:x',
      registeredDigest: 'sha256:b',
    });
  });
});

describe('packVersionsOfFiles: a directory as versions', () => {
  it('takes every pack file of the example directory, one version each, and leaves cases.yaml out', () => {
    const files = readdirSync(EXAMPLE_POLICIES).map((name) => ({
      name,
      text: readFileSync(join(EXAMPLE_POLICIES, name), 'utf8'),
    }));
    expect(packVersionsOfFiles(files).map((v) => `${v.pack}@${v.version}:${Object.keys(v.files).join(',')}`)).toEqual([
      'claims-approval@1.0.0:claims-approval@1.0.0.yaml',
      'claims-compliance@1.0.0:claims-compliance@1.0.0.yaml',
      'claims-payout@1.0.0:claims-payout@1.0.0.cedar',
      'claims-privacy@1.0.0:claims-privacy@1.0.0.yaml',
    ]);
  });
});
