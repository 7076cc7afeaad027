import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { POLICY_PACK_VERSION_REGISTERED, policyPackStreamId } from '@ledgerflow/contracts';
import type { PolicyPackVersionRegistered } from '@ledgerflow/contracts';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { evaluate, packFilesDigest } from '@ledgerflow/policy-engine';
import type { PolicyPackSet } from '@ledgerflow/policy-engine';
import { PolicyPackCatalog } from './policy-pack-catalog.js';
import { registerPolicyDirectories } from './policy-pack-directories.js';
import { registerPack } from './register-pack.js';
import { EXAMPLE_POLICIES, payoutFacts } from './policy.spec-util.js';

const ceiling = (version: string, limit: number) => `// @pack claims-payout@${version}
@id("payout-ceiling")
@rationale("amount {amount} is above ${limit}")
forbid (principal, action, resource) when { context has amount && context.amount > ${limit} };
`;
const ana = { kind: 'human', id: 'ana' } as const;
const service = { kind: 'service', id: 'policy' } as const;
const failing = (packs: PolicyPackSet, amount: number) =>
  evaluate(payoutFacts(amount), packs)
    .rules.filter((r) => r.result === 'fail')
    .map((r) => `${r.pack}/${r.rule}`);

describe('PolicyPackCatalog: packs follow the store', () => {
  let store: InMemoryEventStore;
  let a: PolicyPackCatalog;
  let b: PolicyPackCatalog;
  const packEvents = async () => store.readStream(policyPackStreamId('claims-payout'));

  beforeEach(async () => {
    store = new InMemoryEventStore();
    [a, b] = [new PolicyPackCatalog(store, service), new PolicyPackCatalog(store, service)];
    await registerPolicyDirectories(a, [EXAMPLE_POLICIES], service);
    await b.catchUpAll();
  });

  it('registers the directory packs once: a second start appends nothing', async () => {
    expect(
      (await store.readAll({ streamPrefix: 'policypack-' })).map(
        (e) => `${e.streamId}:${(e.data as PolicyPackVersionRegistered).source}`,
      ),
    ).toEqual([
      'policypack-claims-approval:directory',
      'policypack-claims-compliance:directory',
      'policypack-claims-payout:directory',
      'policypack-claims-privacy:directory',
    ]);
    await registerPolicyDirectories(b, [EXAMPLE_POLICIES], service);
    expect(await store.readAll({ streamPrefix: 'policypack-' })).toHaveLength(4);
    expect((await b.forDecision()).packs.map((p) => `${p.id}@${p.version}`)).toEqual([
      'claims-approval@1.0.0',
      'claims-compliance@1.0.0',
      'claims-payout@1.0.0',
      'claims-privacy@1.0.0',
      'ledgerflow-core@1.0.0',
    ]);
  });

  it('activates a new version on the writing replica at once, and on another after a notification', async () => {
    const result = await registerPack(
      a,
      { pack: 'claims-payout', version: '1.1.0', files: { 'claims-payout.cedar': ceiling('1.1.0', 100) } },
      ana,
    );
    expect(result).toMatchObject({ pack: 'claims-payout', version: '1.1.0', created: true, activeVersion: '1.1.0' });
    expect(failing(await a.forDecision(), 500)).toEqual(['claims-payout@1.1.0/payout-ceiling']);
    expect(failing(await b.forDecision(), 500)).toEqual([]);
    void b.notify(policyPackStreamId('claims-payout'));
    expect(failing(await b.forDecision(), 500)).toEqual(['claims-payout@1.1.0/payout-ceiling']);
    expect((await packEvents()).at(-1)?.data).toMatchObject({ source: 'api', registeredBy: ana, kind: 'capability' });
  });

  it('records the caller as the stored event’s actor, via the policy service; directory packs as the service', async () => {
    await registerPack(
      a,
      { pack: 'claims-payout', version: '1.2.0', files: { 'claims-payout.cedar': ceiling('1.2.0', 100) } },
      ana,
    );
    const robot = { kind: 'service', id: 'svc:ci:deployer' } as const;
    await registerPack(
      b,
      { pack: 'claims-payout', version: '1.3.0', files: { 'claims-payout.cedar': ceiling('1.3.0', 100) } },
      robot,
    );
    expect((await packEvents()).map((e) => e.metadata.actor)).toEqual([
      service,
      { ...ana, via: 'policy' },
      { ...robot, via: 'policy' },
    ]);
  });

  it('finds a pack new to it from a notification, and every known pack on its timer', async () => {
    const text =
      '// @pack fraud-limits@1.0.0\n@id("limit")\n@rationale("over {amount}")\nforbid (principal, action, resource) when { context has amount && context.amount > 10 };\n';
    await registerPack(a, { pack: 'fraud-limits', version: '1.0.0', files: { 'limits.cedar': text } }, ana);
    await registerPack(
      a,
      { pack: 'claims-payout', version: '1.1.0', files: { 'p.cedar': ceiling('1.1.0', 100) } },
      ana,
    );
    await b.poll();
    expect(failing(b.packs, 500)).toEqual(['claims-payout@1.1.0/payout-ceiling']);
    await b.notify('policypack-fraud-limits');
    expect(failing(b.packs, 500)).toEqual(['claims-payout@1.1.0/payout-ceiling', 'fraud-limits@1.0.0/limit']);
  });

  it('keeps the highest version active when a lower one is registered later', async () => {
    await registerPack(
      a,
      { pack: 'claims-payout', version: '2.0.0', files: { 'p.cedar': ceiling('2.0.0', 100) } },
      ana,
    );
    const lower = await registerPack(
      a,
      { pack: 'claims-payout', version: '1.5.0', files: { 'p.cedar': ceiling('1.5.0', 10) } },
      ana,
    );
    expect(lower).toMatchObject({ created: true, activeVersion: '2.0.0' });
    expect(failing(a.packs, 50)).toEqual([]);
  });

  it('appends nothing for the same version again, and refuses other content for it (409) appending nothing', async () => {
    const files = {
      'claims-payout@1.0.0.cedar': readFileSync(join(EXAMPLE_POLICIES, 'claims-payout@1.0.0.cedar'), 'utf8'),
    };
    expect(await registerPack(a, { pack: 'claims-payout', version: '1.0.0', files }, ana)).toMatchObject({
      created: false,
      digest: packFilesDigest(files),
    });
    await expect(
      registerPack(a, { pack: 'claims-payout', version: '1.0.0', files: { 'p.cedar': ceiling('1.0.0', 1) } }, ana),
    ).rejects.toMatchObject({ code: 'policy_pack_version_exists', details: { rule: 'immutable_version' } });
    await expect(
      registerPack(
        a,
        {
          pack: 'claims-payout',
          version: '1.2.0',
          files: { 'p.cedar': ceiling('1.2.0', 1).replace('forbid', 'forbidd') },
        },
        ana,
      ),
    ).rejects.toMatchObject({ code: 'policy_pack_invalid', details: { file: 'p.cedar', line: 4 } });
    expect(await packEvents()).toHaveLength(1);
  });

  it('leaves out a stored version that no longer reads, and decides with the next lower one', async () => {
    const bogus: PolicyPackVersionRegistered = {
      pack: 'claims-payout',
      version: '9.0.0',
      kind: 'capability',
      files: { 'p.cedar': 'not cedar' },
      digest: 'sha256:x',
      source: 'api',
      registeredBy: ana,
    };
    await store.append(
      policyPackStreamId('claims-payout'),
      [
        {
          type: POLICY_PACK_VERSION_REGISTERED,
          data: bogus,
          metadata: {
            eventId: 'e-1',
            runId: '',
            causationId: 'x',
            actor: ana,
            occurredAt: new Date().toISOString(),
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 0 },
    );
    await b.notify();
    expect(b.activeVersionOf('claims-payout')).toBe('1.0.0');
  });
});
