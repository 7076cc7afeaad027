import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@ledgerflow/domain';
import { mapTriggerPayload, parseDefinition, validateRunInput } from './index.js';
import { fixtureDir, miniYaml } from './definition-fixtures.spec-util.js';

const claimReview = (file = 'claim-review-1.2.0.yaml') => {
  const path = join(fixtureDir('valid'), file);
  return parseDefinition(readFileSync(path, 'utf8'), path);
};

describe('validateRunInput', () => {
  it('accepts a valid input', () => {
    expect(() => validateRunInput(claimReview(), { claimId: 'c-1', amount: 120 })).not.toThrow();
  });

  it('names each failing field and rule', () => {
    let caught: unknown;
    try {
      validateRunInput(claimReview(), { amount: -5, attachments: ['a', 3] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.code).toBe('input_invalid');
    expect(error.message).toContain('run input of claim-review@1.2.0 is invalid');
    expect(error.message).toContain("/claimId must have required property 'claimId' (required)");
    expect(error.message).toContain('/amount must be >= 0 (minimum)');
    expect(error.message).toContain('/attachments/1 must be string (type)');
    expect(error.details.errors).toHaveLength(3);
    expect(error.details).toMatchObject({ field: expect.any(String), rule: expect.any(String) });
  });

  it('uses draft 2020-12 when the schema says so', () => {
    const definition = claimReview('claim-review-1.10.0.yml');
    expect(() => validateRunInput(definition, { claimId: 'x' })).not.toThrow();
    expect(() => validateRunInput(definition, { claimId: 7 })).toThrow(/\/claimId must be string \(type\)/);
  });

  it('accepts anything when the definition has no input schema', () => {
    expect(() => validateRunInput(parseDefinition(miniYaml(), 'mini.yaml'), 'any value')).not.toThrow();
  });
});

describe('mapTriggerPayload', () => {
  it('maps the payload with the trigger expression', async () => {
    const payload = { claim: { id: 'c-9', amount: 300, files: ['f1'] }, other: true };
    await expect(mapTriggerPayload(claimReview(), payload)).resolves.toEqual({
      claimId: 'c-9',
      amount: 300,
      attachments: ['f1'],
    });
  });

  it('passes the payload through when there is no mapping', async () => {
    const payload = { claimId: 'x' };
    await expect(mapTriggerPayload(parseDefinition(miniYaml(), 'mini.yaml'), payload)).resolves.toBe(payload);
  });

  it('reports a failing expression', async () => {
    const definition = parseDefinition(miniYaml({ trigger: { type: 't', input: '$number(claim)' } }), 'm.yaml');
    await expect(mapTriggerPayload(definition, { claim: 'abc' })).rejects.toMatchObject({
      code: 'trigger_mapping_failed',
    });
  });
});
