import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePolicyPacks, loadPolicyPacks } from './load-packs.js';
import { corePack } from './core-pack.js';
import { EXAMPLE_POLICIES, packDir, thrown } from './policy-engine.spec-util.js';

const example = (name: string): string => readFileSync(join(EXAMPLE_POLICIES, name), 'utf8');

describe('loadPolicyPacks', () => {
  it('loads the claim-review packs, the built-in core pack, and ignores cases.yaml', () => {
    const set = loadPolicyPacks([EXAMPLE_POLICIES]);
    expect(set.packs.map((p) => `${p.id}@${p.version}:${p.kind}`)).toEqual([
      'claims-approval@1.0.0:approval',
      'claims-compliance@1.0.0:compliance',
      'claims-payout@1.0.0:capability',
      'claims-privacy@1.0.0:privacy',
      'ledgerflow-core@1.0.0:capability',
    ]);
    expect(set.cedarPolicies.map((p) => p.key)).toEqual([
      'claims-payout@1.0.0/payout-ceiling',
      'ledgerflow-core@1.0.0/declared-capability',
    ]);
    expect(set.cedarSetId).toMatch(/^lf-[0-9a-f]{32}$/);
  });

  it('can leave the core pack out', () => {
    expect(loadPolicyPacks([EXAMPLE_POLICIES], { core: false }).packs.map((p) => p.id)).not.toContain(
      'ledgerflow-core',
    );
  });

  it('is content-addressed: the same files give the same set id and digest; an edit changes both', () => {
    const a = loadPolicyPacks([EXAMPLE_POLICIES]);
    const b = loadPolicyPacks([EXAMPLE_POLICIES]);
    expect([b.cedarSetId, b.digest]).toEqual([a.cedarSetId, a.digest]);
    const tmp = packDir({
      'claims-payout@1.0.0.cedar': example('claims-payout@1.0.0.cedar').replace('1000000 }', '2000000 }'),
    });
    try {
      const edited = loadPolicyPacks([tmp.dir]);
      expect(edited.cedarSetId).not.toBe(a.cedarSetId);
    } finally {
      tmp.remove();
    }
  });

  it('stops on an invalid Cedar pack with the file, line and Cedar error', () => {
    const tmp = packDir({
      'claims-payout@1.0.0.cedar': example('claims-payout@1.0.0.cedar').replace(
        'context.amount > 1000000',
        'context.amount > ',
      ),
    });
    try {
      const error = thrown(() => loadPolicyPacks([tmp.dir]));
      expect(error.code).toBe('policy_pack_invalid');
      expect(error.message).toMatch(
        new RegExp(`^${join(tmp.dir, 'claims-payout@1.0.0.cedar')}:11:\\d+: Cedar: unexpected token`),
      );
    } finally {
      tmp.remove();
    }
  });

  it('requires the file name to be <id>@<version>.<ext>', () => {
    const tmp = packDir({ 'claims@2.0.0.yaml': example('claims-approval@1.0.0.yaml') });
    try {
      expect(thrown(() => loadPolicyPacks([tmp.dir])).message).toBe(
        `${join(tmp.dir, 'claims@2.0.0.yaml')}:1:1: the file declares claims-approval@1.0.0, so it must be named claims-approval@1.0.0.yaml`,
      );
    } finally {
      tmp.remove();
    }
  });

  it('refuses the same id@version in two directories, naming both files', () => {
    const [a, b] = [
      packDir({ 'claims-approval@1.0.0.yaml': example('claims-approval@1.0.0.yaml') }),
      packDir({ 'claims-approval@1.0.0.yml': example('claims-approval@1.0.0.yaml') }),
    ];
    try {
      const error = thrown(() => loadPolicyPacks([a.dir, b.dir]));
      expect(error.code).toBe('policy_pack_duplicate');
      expect(error.message).toBe(
        `${join(b.dir, 'claims-approval@1.0.0.yml')}: claims-approval@1.0.0 is already defined in ${join(a.dir, 'claims-approval@1.0.0.yaml')}`,
      );
    } finally {
      a.remove();
      b.remove();
    }
  });

  it('names a directory it cannot list', () => {
    const error = thrown(() => loadPolicyPacks(['/nonexistent/policies']));
    expect(error.code).toBe('policy_dir_unreadable');
    expect(error.message).toContain('/nonexistent/policies: cannot list');
  });

  it('compilePolicyPacks refuses a pack given twice', () => {
    expect(thrown(() => compilePolicyPacks([corePack(), corePack()])).code).toBe('policy_pack_duplicate');
  });
});
