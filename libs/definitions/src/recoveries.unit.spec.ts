import { buildPlan } from './build-plan.js';
import type { DefinitionError } from './definition.errors.js';
import { miniYaml, step } from './definition-fixtures.spec-util.js';
import { parseDefinition } from './parse-definition.js';
import { recoveryFor } from './recoveries.js';

const refresh = step('refresh_token', { action: 'classify', input: { run: '=input.id' }, timeout: '2s' });
const rules = [
  { id: 'refresh-on-b', on: { step: 'b', code: 'token_expired' }, steps: [refresh] },
  { on: { code: 'token_expired' }, steps: [step('relogin')] },
];

function failure(yaml: string): DefinitionError {
  try {
    parseDefinition(yaml, 'mini.yaml');
  } catch (error) {
    return error as DefinitionError;
  }
  throw new Error('expected the definition to be refused');
}

describe('recoveries', () => {
  const definition = parseDefinition(miniYaml({ recoveries: rules }), 'mini.yaml');

  it('are normalized like steps and left out of the plan', () => {
    expect(definition.recoveries?.map((rule) => rule.id)).toEqual(['refresh-on-b', 'recoveries[1]']);
    expect(definition.recoveries?.[0]?.steps[0]).toMatchObject({
      id: 'refresh_token',
      name: 'refresh_token',
      timeoutMs: 2000,
      optional: false,
    });
    expect(buildPlan(definition).steps.map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('recoveryFor: the first rule matching the step and code, as plan steps; none for another code', () => {
    expect(recoveryFor(definition, 'b', 'token_expired')).toEqual({
      rule: 'refresh-on-b',
      steps: [
        {
          id: 'refresh_token',
          name: 'refresh_token',
          tool: 'docs',
          action: 'classify',
          agent: 'intake',
          dependsOn: [],
          input: { run: '=input.id' },
          retry: { maxAttempts: 1, backoffMs: 1000, multiplier: 2, maxBackoffMs: 60000 },
          timeoutMs: 2000,
          optional: false,
          policyTags: [],
        },
      ],
    });
    expect(recoveryFor(definition, 'a', 'token_expired')?.rule).toBe('recoveries[1]');
    expect(recoveryFor(definition, 'b', 'upstream_rejected')).toBeUndefined();
    expect(recoveryFor(parseDefinition(miniYaml(), 'mini.yaml'), 'b', 'token_expired')).toBeUndefined();
  });

  it('recoveryFor: a code of the earlier dotted spelling matches its snake_case name, on either side', () => {
    // A StepFailed stored before the rename carries `NATS.REQUEST_FAILED`; a definition registered then may name it.
    const nats = parseDefinition(
      miniYaml({
        recoveries: [
          { id: 'reconnect', on: { code: 'nats_request_failed' }, steps: [step('reconnect')] },
          { id: 'old-spelling', on: { code: 'NATS.CONNECTION_CLOSED' }, steps: [step('reopen')] },
        ],
      }),
      'mini.yaml',
    );
    expect(recoveryFor(nats, 'b', 'NATS.REQUEST_FAILED')?.rule).toBe('reconnect');
    expect(recoveryFor(nats, 'b', 'nats_request_failed')?.rule).toBe('reconnect');
    expect(recoveryFor(nats, 'b', 'nats_connection_closed')?.rule).toBe('old-spelling');
    expect(recoveryFor(nats, 'b', 'NATS.TIMEOUT')).toBeUndefined();
  });

  it('refuses a rule naming an unknown step, or without code or steps', () => {
    const unknown = failure(miniYaml({ recoveries: [{ on: { step: 'ghost', code: 'x' }, steps: [refresh] }] }));
    expect(unknown.code).toBe('definition_invalid');
    expect(unknown.errors).toEqual([expect.objectContaining({ path: '/recoveries/0/on/step', rule: 'recovery_step' })]);
    expect(failure(miniYaml({ recoveries: [{ on: { step: 'a' }, steps: [refresh] }] })).code).toBe(
      'definition_invalid',
    );
    expect(failure(miniYaml({ recoveries: [{ on: { code: 'x' }, steps: [] }] })).code).toBe('definition_invalid');
  });

  it('checks recovery steps like steps: tools, agents, ids unique with the plan', () => {
    expect(
      failure(miniYaml({ recoveries: [{ on: { code: 'x' }, steps: [step('r', { action: 'shred' })] }] })).code,
    ).toBe('definition_unknown_tool');
    expect(
      failure(miniYaml({ recoveries: [{ on: { code: 'x' }, steps: [step('r', { agent: 'ghost' })] }] })).code,
    ).toBe('definition_unknown_agent');
    const duplicate = failure(miniYaml({ recoveries: [{ on: { code: 'x' }, steps: [step('a')] }] }));
    expect(duplicate.code).toBe('plan_duplicate_step');
    expect(duplicate.errors[0]?.path).toBe('/recoveries/0');
    expect(
      failure(miniYaml({ recoveries: [{ on: { code: 'x' }, steps: [step('r', { input: { v: '=(' } })] }] })).errors[0],
    ).toMatchObject({
      path: '/recoveries/0/steps/0/input/v',
      rule: 'jsonata',
    });
  });
});
