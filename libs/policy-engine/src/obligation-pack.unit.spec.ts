import { normalizeReviewer, parseObligationPack } from './obligation-pack.js';
import { thrown } from './policy-engine.spec-util.js';

const approval = `id: claims-approval
version: 1.0.0
kind: approval
rules:
  - id: payout-approval
    tags: [payout]
    field: amount
    above: 50000
    rationale: a claims lead approves
    reviewers: [claims-lead, "user:ann", "role:claims-leads", "team:large-loss"]
    sla: 4h
    escalateTo: [claims-director]
`;
const privacy = `id: claims-privacy
version: 1.0.0
kind: privacy
mask:
  paths: ["$.claimant.email", "$.items[*].iban", "$..phone"]
  detectors: [email, phone, card, iban]
`;

describe('parseObligationPack: approval', () => {
  it('reads the rules, turns `sla: 4h` into 14400 seconds and normalises reviewers', () => {
    const pack = parseObligationPack(approval, 'p/claims-approval@1.0.0.yaml');
    expect(pack).toMatchObject({
      kind: 'approval',
      id: 'claims-approval',
      version: '1.0.0',
      source: 'p/claims-approval@1.0.0.yaml',
    });
    expect(pack.kind === 'approval' && pack.rules).toEqual([
      {
        id: 'payout-approval',
        tags: ['payout'],
        field: 'amount',
        above: 50_000,
        rationale: 'a claims lead approves',
        reviewers: ['claims-lead', 'ann', 'role:claims-leads', 'team:large-loss'],
        slaSeconds: 14_400,
        escalateTo: ['claims-director'],
      },
    ]);
  });

  it.each([
    [
      'an amount that is not a number',
      approval.replace('above: 50000', 'above: lots'),
      'x.yaml:8:12: /rules/0/above must be number',
    ],
    [
      'a rule without reviewers',
      approval.replace(/    reviewers: .*\n/, ''),
      "x.yaml:5:5: /rules/0 must have required property 'reviewers'",
    ],
    [
      'an SLA without a unit',
      approval.replace('sla: 4h', 'sla: 4 hours'),
      'x.yaml:11:10: /rules/0/sla must match pattern',
    ],
    [
      'a reviewer of an unknown kind',
      approval.replace('team:large-loss', 'group:x'),
      'x.yaml:10:63: /rules/0/reviewers/3 must match pattern',
    ],
    ['an unknown property', `${approval}    colour: red\n`, '/rules/0 must NOT have additional properties ("colour")'],
    [
      'two rules with one id',
      approval + approval.slice(approval.indexOf('  - id')),
      'x.yaml:13:9: /rules/1/id "payout-approval" is already used',
    ],
    [
      'an SLA above 366 days',
      approval.replace('sla: 4h', 'sla: 367d'),
      'x.yaml:11:10: /rules/0/sla: "367d" (31708800000 ms) is longer than the limit',
    ],
  ])('refuses %s, naming the file, line and JSON pointer', (_label, text, message) => {
    const error = thrown(() => parseObligationPack(text, 'x.yaml'));
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toContain(message);
  });
});

describe('parseObligationPack: privacy (the format @ledgerflow/privacy reads)', () => {
  it('reads mask paths and detectors', () => {
    const pack = parseObligationPack(privacy, 'claims-privacy@1.0.0.yaml');
    expect(pack).toMatchObject({
      kind: 'privacy',
      id: 'claims-privacy',
      version: '1.0.0',
      mask: {
        paths: ['$.claimant.email', '$.items[*].iban', '$..phone'],
        detectors: ['email', 'phone', 'card', 'iban'],
      },
    });
  });

  it('defaults a missing list to empty', () => {
    const pack = parseObligationPack(privacy.replace(/  paths: .*\n/, ''), 'p.yaml');
    expect(pack.kind === 'privacy' && pack.mask).toEqual({ paths: [], detectors: ['email', 'phone', 'card', 'iban'] });
  });

  it.each([
    [
      'a path that is not JSONPath-like',
      privacy.replace('$.claimant.email', 'claimant.email'),
      '/mask/paths/0 must match pattern',
    ],
    [
      'an unknown detector',
      privacy.replace('iban]', 'ssn]'),
      '/mask/detectors/3 must be equal to one of the allowed values (email, phone, card, iban)',
    ],
    ['an extra key', `${privacy}description: x\n`, 'must NOT have additional properties ("description")'],
    [
      'an empty mask',
      privacy.slice(0, privacy.indexOf('mask:')) + 'mask: {}\n',
      '/mask must NOT have fewer than 1 properties',
    ],
  ])('refuses %s', (_label, text, message) => {
    const error = thrown(() => parseObligationPack(text, 'p.yaml'));
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toContain(message);
  });
});

describe('parseObligationPack: compliance and kinds', () => {
  it('reads a compliance pack', () => {
    const pack = parseObligationPack(
      'id: audit\nversion: 2.1.0\nkind: compliance\naudit: required\ncontrols: [SOX 404]\n',
      'c.yaml',
    );
    expect(pack).toMatchObject({ kind: 'compliance', audit: 'required', controls: ['SOX 404'] });
  });

  it('refuses `audit` other than required', () => {
    expect(
      thrown(() => parseObligationPack('id: audit\nversion: 2.1.0\nkind: compliance\naudit: maybe\n', 'c.yaml'))
        .message,
    ).toContain('c.yaml:4:8: /audit must be equal to constant');
  });

  it('refuses a file without a known kind, at the kind line', () => {
    const error = thrown(() => parseObligationPack('id: x\nversion: 1.0.0\nkind: capability\n', 'k.yaml'));
    expect(error.message).toBe(
      'k.yaml:3:7: /kind must be one of approval, privacy, compliance (Cedar capability packs are *.cedar files); got "capability"',
    );
  });

  it('refuses YAML that does not parse, at the error position', () => {
    const error = thrown(() => parseObligationPack('id: x\nrules: [unclosed\n', 'b.yaml'));
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toMatch(/^b\.yaml:\d+:\d+: YAML: /);
  });
});

describe('helpers', () => {
  it('reads an SLA as definitions do: seconds rounded up, ms allowed (slaSecondsOf of @ledgerflow/domain)', () => {
    const slas = ['90s', '1.5h', '2d', '1.2s', '500ms'].map((sla) => {
      const pack = parseObligationPack(approval.replace('sla: 4h', `sla: ${sla}`), 'x.yaml');
      return pack.kind === 'approval' ? pack.rules[0]?.slaSeconds : undefined;
    });
    expect(slas).toEqual([90, 5_400, 172_800, 2, 1]);
  });

  it('normalizeReviewer makes users bare ids and keeps roles and teams', () => {
    expect(['ann', 'user:ann', 'role:lead', 'team:ops'].map(normalizeReviewer)).toEqual([
      'ann',
      'ann',
      'role:lead',
      'team:ops',
    ]);
  });
});
