import { SERVICE_NAMES, envProblems, parseConfigClasses } from './config-requirements.js';
import type { Provided } from './config-requirements.js';
import { requirementsOf } from './deploy-inputs.spec-util.js';

const lit = (value: string): Provided => ({ kind: 'literal', value });

describe("config requirements read from the services' config classes", () => {
  it("finds each service's config class and the common variables", () => {
    for (const s of SERVICE_NAMES)
      expect(requirementsOf(s).map((r) => r.variable)).toEqual(
        expect.arrayContaining(['NATS_URL', 'LEDGERFLOW_STORE', 'EVENTSTORE_CONNECTION_STRING']),
      );
    expect(requirementsOf('policy').map((r) => r.variable)).toContain('LEDGERFLOW_POLICY_DIRS');
    expect(requirementsOf('memory').map((r) => r.variable)).toContain('LEDGERFLOW_MEMORY_PATH');
  });

  it('knows the gateway secret is required, at least 32 characters, and the esdb URL only with eventstoredb', () => {
    const gateway = requirementsOf('gateway');
    expect(gateway.find((r) => r.variable === 'LEDGERFLOW_AUTH_SECRET')).toMatchObject({
      hasDefault: false,
      optional: false,
      minLength: 32,
    });
    expect(gateway.find((r) => r.variable === 'EVENTSTORE_CONNECTION_STRING')?.requiredWhen).toEqual({
      variable: 'LEDGERFLOW_STORE',
      value: 'eventstoredb',
    });
    // The planner and approval verify the tokens the gateway forwards: the same key settings, the same rule.
    expect(requirementsOf('planner').find((r) => r.variable === 'LEDGERFLOW_AUTH_SECRET')).toMatchObject({
      optional: false,
      requiredUnlessSet: ['LEDGERFLOW_AUTH_JWKS_URL', 'LEDGERFLOW_AUTH_PUBLIC_KEY'],
    });
    expect(requirementsOf('executor').some((r) => r.variable === 'LEDGERFLOW_AUTH_SECRET')).toBe(false);
  });

  it('reports a missing, a conditionally missing and a too-short variable', () => {
    const gateway = requirementsOf('gateway');
    expect(envProblems('x', gateway, new Map([['LEDGERFLOW_STORE', lit('eventstoredb')]]))).toEqual([
      'x: EVENTSTORE_CONNECTION_STRING is required when LEDGERFLOW_STORE=eventstoredb but not set',
      'x: LEDGERFLOW_AUTH_SECRET is required (no default) but not set',
    ]);
    expect(envProblems('x', gateway, new Map([['LEDGERFLOW_AUTH_SECRET', lit('short')]]))).toEqual([
      'x: LEDGERFLOW_AUTH_SECRET has 5 characters, at least 32 required',
    ]);
    expect(
      envProblems(
        'x',
        gateway,
        new Map<string, Provided>([['LEDGERFLOW_AUTH_SECRET', { kind: 'reference', from: 'Secret s' }]]),
      ),
    ).toEqual([]);
    // An OIDC provider's key set (or a local public key) replaces the local HS256 secret.
    expect(
      envProblems('x', gateway, new Map([['LEDGERFLOW_AUTH_JWKS_URL', lit('https://idp.example.com/jwks.json')]])),
    ).toEqual([]);
  });

  it('parses decorators per property', () => {
    const src =
      "export class A extends B {\n  @Env('X_ONE')\n  @IsString()\n  X!: string;\n\n  @Env('X_TWO', { default: '7' })\n  Y!: number;\n\n  @Env('X_THREE')\n  @IsOptional()\n  Z?: string;\n}\n";
    expect(parseConfigClasses(src, 'a.ts')).toEqual([
      {
        name: 'A',
        extendsName: 'B',
        file: 'a.ts',
        requirements: [
          { variable: 'X_ONE', hasDefault: false, optional: false },
          { variable: 'X_TWO', hasDefault: true, optional: false, defaultValue: '7' },
          { variable: 'X_THREE', hasDefault: false, optional: true },
        ],
      },
    ]);
  });
});
