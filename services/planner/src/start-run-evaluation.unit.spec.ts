import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { TriggerMessage } from '@ledgerflow/contracts';
import { loadDefinitions } from '@ledgerflow/definitions';
import type { DefinitionRegistry } from '@ledgerflow/definitions';
import { EVALUATION_TAG_PATTERN, ValidationError } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { RunRepository, validateBody } from '@ledgerflow/service-runtime';
import { rejectionOf } from '@ledgerflow/testing';
import { StartRunDto } from './start-run.dto.js';
import { RunStarter } from './start-run.js';

/** Evaluation runs: `evaluation: { goldenSet, caseId }` on a start-run request becomes `RunTriggered.evaluation`. */

const exampleDir = fileURLToPath(new URL('../../../examples/claim-review/', import.meta.url));
const NOW = '2026-05-01T10:00:00.000Z';
const claim = JSON.parse(readFileSync(`${exampleDir}claims/CLM-2026-0001.json`, 'utf8')) as Record<string, unknown>;
const evaluation = { goldenSet: 'claims-golden.v1', caseId: 'case:CLM-0001' };
const trigger = (overrides: Partial<TriggerMessage> = {}): TriggerMessage => ({
  workflowId: 'claim-review',
  idempotencyKey: 'eval-1',
  source: 'api',
  payload: claim,
  ...overrides,
});

function violationsOf(body: unknown): unknown[] {
  try {
    validateBody(StartRunDto, body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('request_invalid');
    return (error as ValidationError).details.violations as unknown[];
  }
  throw new Error('expected request_invalid');
}

describe('StartRunDto evaluation', () => {
  it('accepts any tag of 1..128 characters of [A-Za-z0-9._:-]', () => {
    const tag = fc.stringMatching(EVALUATION_TAG_PATTERN);
    fc.assert(
      fc.property(tag, tag, (goldenSet, caseId) => {
        const dto = validateBody(StartRunDto, { ...trigger(), evaluation: { goldenSet, caseId } });
        expect(dto.evaluation).toMatchObject({ goldenSet, caseId });
      }),
    );
    expect(validateBody(StartRunDto, trigger())).not.toHaveProperty('evaluation');
  });

  it('refuses any other goldenSet, naming the field', () => {
    const bad = fc.oneof(
      fc.string({ maxLength: 140 }).filter((s) => !EVALUATION_TAG_PATTERN.test(s)),
      fc.constant('x'.repeat(129)),
    );
    fc.assert(
      fc.property(bad, (goldenSet) => {
        expect(violationsOf({ ...trigger(), evaluation: { goldenSet, caseId: 'c1' } })).toContainEqual({
          field: 'evaluation.goldenSet',
          rule: 'matches',
          message: 'evaluation.goldenSet must be 1..128 characters of [A-Za-z0-9._:-]',
        });
      }),
    );
  });

  it.each([
    [{ goldenSet: 'g' }, 'evaluation.caseId'],
    [{ goldenSet: 'g', caseId: 7 }, 'evaluation.caseId'],
    [{ goldenSet: 'g', caseId: 'c', extra: 1 }, 'evaluation.extra'],
    ['g/c', 'evaluation'],
    [['g', 'c'], 'evaluation'],
  ])('refuses evaluation %j at %s', (value, field) => {
    expect(violationsOf({ ...trigger(), evaluation: value })).toContainEqual(expect.objectContaining({ field }));
  });
});

describe('RunStarter evaluation', () => {
  let definitions: DefinitionRegistry;
  let store: InMemoryEventStore;
  let starter: RunStarter;
  beforeAll(() => {
    definitions = loadDefinitions([`${exampleDir}workflows`]);
  });
  beforeEach(() => {
    store = new InMemoryEventStore();
    starter = new RunStarter(
      definitions,
      new RunRepository(store, { kind: 'service', id: 'planner' }, () => new Date(NOW)),
    );
  });

  it('records the tag in RunTriggered.evaluation; a production run has none', async () => {
    await starter.start(trigger({ evaluation }));
    await starter.start(trigger({ idempotencyKey: 'prod-1' }));
    const triggered = (await store.readAll()).filter((event) => event.type === 'RunTriggered');
    expect(triggered.map((event) => (event.data as { evaluation?: unknown }).evaluation)).toEqual([
      evaluation,
      undefined,
    ]);
  });

  it('a repeat with the same key and tag answers the run; another tag, or none, is idempotency_key_reused', async () => {
    const first = await starter.start(trigger({ evaluation }));
    await expect(starter.start(trigger({ evaluation: { ...evaluation } }))).resolves.toEqual({
      runId: first.runId,
      created: false,
    });
    for (const other of [{ ...evaluation, caseId: 'case:CLM-0002' }, undefined]) {
      const error = await rejectionOf(starter.start(trigger({ evaluation: other })));
      expect(error).toMatchObject({
        code: 'idempotency_key_reused',
        details: { field: 'evaluation', runId: first.runId },
      });
    }
    const production = await starter.start(trigger({ idempotencyKey: 'prod-2' }));
    const refused = await rejectionOf(starter.start(trigger({ idempotencyKey: 'prod-2', evaluation })));
    expect(refused.message).toContain(`already started run ${production.runId} of claim-review as a production run`);
    expect(await store.readAll()).toHaveLength(4);
  });
});
