import { LedgerflowError } from '@ledgerflow/domain';
import { parseCapabilityPack } from './cedar-pack.js';
import { CORE_PACK_TEXT, corePack } from './core-pack.js';
import { thrown } from './policy-engine.spec-util.js';

const pack = (body: string, header = '// @pack claims-payout@1.0.0\n'): string => `${header}${body}`;
const ceiling = `@id("payout-ceiling")
@rationale("amount {amount} is above the limit of 1,000,000")
@otherwise("amount {amount} is within the limit")
forbid (principal, action, resource)
when { context has amount && context.amount > 1000000 };
`;

describe('parseCapabilityPack', () => {
  it('reads the header and each policy with its @id, effect, messages and line', () => {
    const parsed = parseCapabilityPack(
      pack(`// @description The ceiling.\n\n${ceiling}`),
      'p/claims-payout@1.0.0.cedar',
    );
    expect(parsed).toMatchObject({
      kind: 'capability',
      id: 'claims-payout',
      version: '1.0.0',
      description: 'The ceiling.',
      source: 'p/claims-payout@1.0.0.cedar',
    });
    expect(parsed.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.policies).toHaveLength(1);
    expect(parsed.policies[0]).toMatchObject({
      id: 'payout-ceiling',
      effect: 'forbid',
      line: 4,
      rationale: 'amount {amount} is above the limit of 1,000,000',
      otherwise: 'amount {amount} is within the limit',
    });
  });

  it('the built-in ledgerflow-core pack holds one permit on declared capabilities', () => {
    const core = corePack();
    expect(`${core.id}@${core.version}`).toBe('ledgerflow-core@1.0.0');
    expect(core.policies.map((p) => [p.id, p.effect])).toEqual([['declared-capability', 'permit']]);
    expect(CORE_PACK_TEXT).toContain('principal.capabilities.contains(context.capability)');
  });

  it('stops on a Cedar syntax error with the file, line, column and Cedar message', () => {
    const text = pack(ceiling.replace('context.amount > 1000000', 'context.amount >> 1000000'));
    const error = thrown(() => parseCapabilityPack(text, 'packs/claims-payout@1.0.0.cedar'));
    expect(error).toBeInstanceOf(LedgerflowError);
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      /^packs\/claims-payout@1\.0\.0\.cedar:6:\d+: Cedar: unexpected token `>` \(expected /,
    );
    expect(error.details).toMatchObject({ file: 'packs/claims-payout@1.0.0.cedar', line: 6 });
    const column = error.details['column'] as number;
    expect(text.split('\n')[5]?.slice(column - 1, column)).toBe('>');
  });

  it('counts columns in characters after non-ASCII text (Cedar reports byte offsets)', () => {
    const text = pack(`// Schäden über 1 Mio. €\n${ceiling.replace('> 1000000', '>> 1000000')}`);
    const error = thrown(() => parseCapabilityPack(text, 'x.cedar'));
    const { line, column } = error.details as { line: number; column: number };
    expect(text.split('\n')[line - 1]?.slice(column - 1, column)).toBe('>');
  });

  it.each([
    ['no header', ceiling, '', 'x.cedar:1:1: missing the header comment `// @pack <id>@<version>`'],
    [
      'a bad version',
      ceiling,
      '// @pack claims-payout@v1\n',
      'x.cedar:1:1: pack version "v1" must be MAJOR.MINOR.PATCH',
    ],
    [
      'a policy without @id',
      ceiling.replace('@id("payout-ceiling")\n', ''),
      undefined,
      'x.cedar:2:1: the policy has no @id("...") annotation',
    ],
    [
      'an @id that is not lower-case',
      ceiling.replace('payout-ceiling', 'Payout Ceiling'),
      undefined,
      'x.cedar:2:1: @id("Payout Ceiling") must match',
    ],
    [
      'a forbid without @rationale',
      ceiling.replace(/@rationale\(.*\)\n/, ''),
      undefined,
      'x.cedar:2:1: forbid policy "payout-ceiling" needs a @rationale',
    ],
    [
      'a duplicate @id',
      `${ceiling}\n${ceiling}`,
      undefined,
      'x.cedar:8:1: @id("payout-ceiling") is already used by the policy at line 2',
    ],
    [
      'a template',
      '@id("t")\npermit (principal == ?principal, action, resource);\n',
      undefined,
      'x.cedar:2:1: policy templates',
    ],
    [
      'no policy at all',
      '// nothing here\n',
      undefined,
      'x.cedar:1:1: a capability pack needs at least one Cedar policy',
    ],
  ])('refuses %s, naming the file and line', (_label, body, header, message) => {
    const error = thrown(() => parseCapabilityPack(header === undefined ? pack(body) : `${header}${body}`, 'x.cedar'));
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toContain(message);
  });
});
