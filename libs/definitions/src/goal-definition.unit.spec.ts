import fc from 'fast-check';
import { DEFINITION_DEFAULTS, DefinitionError, generatedStepIssues, parseDefinition } from './index.js';
import type { StepDefinition, WorkflowDefinition } from './index.js';

const template = (goal: string, extra = ''): string => `
id: ticket-goal
version: 1.0.0
tools:
  tickets: [classify, reply]
  accounts: [lookup]
agents:
  triage: [tickets.classify, tickets.reply]
  clerk: [accounts.lookup]
${extra}
goal:
${goal}
`;

function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return error as DefinitionError;
  }
  throw new Error('expected a DefinitionError');
}

describe('a goal template (goal: instead of steps:)', () => {
  it('parses with defaults: 3 attempts, a 60 s model timeout, the review SLA in seconds, no written steps', () => {
    const definition = parseDefinition(
      template(`  generator: llm
  llm: { model: gpt-4o-mini, baseUrl: "http://127.0.0.1:11434/v1", apiKeyEnv: OPENAI_API_KEY }
  review: { reviewers: [role:support-lead], sla: 1h }
  desiredOutputs: { type: object, required: [reply] }
  constraints: { allowedAgents: [triage], maxSteps: 5 }`),
      'ticket-goal.yaml',
    );
    expect(definition.steps).toEqual([]);
    expect(definition.goal).toEqual({
      generator: 'llm',
      llm: {
        model: 'gpt-4o-mini',
        baseUrl: 'http://127.0.0.1:11434/v1',
        apiKeyEnv: 'OPENAI_API_KEY',
        timeoutMs: 60_000,
      },
      maxAttempts: 3,
      review: { reviewers: ['role:support-lead'], slaSeconds: 3600 },
      desiredOutputs: { type: 'object', required: ['reply'] },
      constraints: { allowedAgents: ['triage'], maxSteps: 5 },
    });
  });

  it('keeps adaptive: true with the llm generator, and drops adaptive: false', () => {
    const llm = '  generator: llm\n  llm: { model: m, baseUrl: "http://x", apiKeyEnv: K }';
    expect(parseDefinition(template(`${llm}\n  adaptive: true`), 'ticket-goal.yaml').goal?.adaptive).toBe(true);
    expect(parseDefinition(template(`${llm}\n  adaptive: false`), 'ticket-goal.yaml').goal).not.toHaveProperty(
      'adaptive',
    );
  });

  it.each([
    [
      'adaptive with the catalog generator',
      template('  generator: catalog\n  adaptive: true'),
      '/goal/llm',
      'required',
    ],
    ['adaptive as a string', template('  generator: catalog\n  adaptive: "yes"'), '/goal/adaptive', 'type'],
    [
      'both steps and goal',
      template('  generator: catalog', 'steps: [{ id: a, tool: tickets, action: classify, agent: triage }]'),
      '',
      'steps_or_goal',
    ],
    ['neither', template('  generator: catalog').replace('goal:\n  generator: catalog', ''), '', 'steps_or_goal'],
    ['llm without its settings', template('  generator: llm'), '/goal/llm', 'required'],
    [
      'llm settings with catalog',
      template('  generator: catalog\n  llm: { model: m, baseUrl: "http://x", apiKeyEnv: K }'),
      '/goal/llm',
      'false schema',
    ],
    ['maxAttempts 6', template('  generator: catalog\n  maxAttempts: 6'), '/goal/maxAttempts', 'maximum'],
    [
      'an API key instead of its variable name',
      template('  generator: llm\n  llm: { model: m, baseUrl: "http://x", apiKeyEnv: "sk-abc 123" }'),
      '/goal/llm/apiKeyEnv',
      'pattern',
    ],
    [
      'an undeclared allowed agent',
      template('  generator: catalog\n  constraints: { allowedAgents: [ghost] }'),
      '/goal/constraints/allowedAgents/0',
      'declared_agent',
    ],
    [
      'an undeclared allowed tool',
      template('  generator: catalog\n  constraints: { allowedTools: [crm.read] }'),
      '/goal/constraints/allowedTools/0',
      'declared_tool',
    ],
    [
      'a bad reviewer entry',
      template('  generator: catalog\n  review: { reviewers: ["group:x"] }'),
      '/goal/review/reviewers/0',
      'reviewer_entry',
    ],
    [
      'recoveries',
      template(
        '  generator: catalog',
        'recoveries: [{ on: { code: x }, steps: [{ id: r, tool: accounts, action: lookup, agent: clerk }] }]',
      ),
      '/recoveries',
      'goal_recoveries',
    ],
  ])('refuses %s: definition_invalid at %p (%s)', (_what, yaml, path, rule) => {
    const error = definitionError(() => parseDefinition(yaml, 'ticket-goal.yaml'));
    expect(error.code).toBe('definition_invalid');
    expect(error.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path, rule: expect.stringContaining(rule) })]),
    );
  });
});

const goalTemplate = parseDefinition(
  template('  generator: catalog\n  constraints: { allowedAgents: [triage, clerk] }'),
  'ticket-goal.yaml',
);

const aStep = (id: string, over: Partial<StepDefinition> = {}): StepDefinition => ({
  id,
  name: id,
  kind: 'tool',
  tool: 'tickets',
  action: 'classify',
  agent: 'triage',
  dependsOn: [],
  input: {},
  retry: { ...DEFINITION_DEFAULTS.retry },
  timeoutMs: DEFINITION_DEFAULTS.timeoutMs,
  optional: false,
  policyTags: [],
  ...over,
});

const rules = (template: WorkflowDefinition, steps: StepDefinition[], input?: unknown) =>
  generatedStepIssues(template, steps, { input }).map((issue) => `${issue.rule} ${issue.path}`);

describe('generatedStepIssues: the checks of a written plan, on generated steps', () => {
  it('accepts a valid DAG whose expressions read the input and upstream outputs', () => {
    const steps = [
      aStep('classify', { input: { text: '=input.text' } }),
      aStep('lookup', { tool: 'accounts', action: 'lookup', agent: 'clerk', input: { id: '=input.accountId' } }),
      aStep('reply', {
        action: 'reply',
        dependsOn: ['classify', 'lookup'],
        input: { label: '=steps.classify.output.label', plan: '=steps.lookup.output.plan' },
      }),
    ];
    expect(rules(goalTemplate, steps, { text: 'hi', accountId: 'A-1' })).toEqual([]);
  });

  it('names every problem: undeclared tool and agent, missing capability, unknown references, a cycle', () => {
    const steps = [
      aStep('a', { tool: 'crm', action: 'read' }),
      aStep('b', { agent: 'ghost' }),
      aStep('c', { tool: 'accounts', action: 'lookup' }),
      aStep('d', { input: { x: '=steps.c.output.y', z: '=input.missing' } }),
      aStep('e', { input: { x: '=$$$(' } }),
    ];
    expect(rules(goalTemplate, steps, { text: 'hi' })).toEqual(
      expect.arrayContaining([
        'declared_tool /steps/0/tool',
        'declared_agent /steps/1/agent',
        'allowed_agent /steps/1/agent',
        'agent_capability /steps/2/agent',
        'step_reference /steps/3/input/x',
        'input_reference /steps/3/input/z',
        'jsonata /steps/4/input/x',
      ]),
    );
    expect(rules(goalTemplate, [aStep('a', { dependsOn: ['b'] }), aStep('b', { dependsOn: ['a'] })])).toEqual([
      'plan_cycle /steps',
    ]);
  });

  it('holds generated plans to the least step limit: 50, maxSteps and the constraints', () => {
    const chain = (n: number) =>
      Array.from({ length: n }, (_, i) => aStep(`s${i}`, i === 0 ? {} : { dependsOn: [`s${i - 1}`] }));
    expect(rules(goalTemplate, chain(51))).toEqual(['max_steps /steps']);
    expect(generatedStepIssues(goalTemplate, chain(4), { constraints: { maxSteps: 3 } })).toEqual([
      expect.objectContaining({ rule: 'max_steps', message: '4 steps exceed the limit of 3 steps for this goal' }),
    ]);
  });

  it('property: any DAG of declared, held tool steps reading only upstream outputs is valid; an undeclared tool never is', () => {
    const dag = fc
      .array(fc.tuple(fc.boolean(), fc.array(fc.nat(), { maxLength: 3 })), { minLength: 1, maxLength: 50 })
      .map((nodes) =>
        nodes.map(([lookup, picks], i) => {
          const dependsOn = i === 0 ? [] : [...new Set(picks.map((p) => `s${p % i}`))];
          return aStep(`s${i}`, {
            ...(lookup ? { tool: 'accounts', action: 'lookup', agent: 'clerk' } : {}),
            dependsOn,
            input: Object.fromEntries(dependsOn.map((id) => [id, `=steps.${id}.output`])),
          });
        }),
      );
    fc.assert(
      fc.property(dag, fc.nat(), (steps, at) => {
        expect(generatedStepIssues(goalTemplate, steps)).toEqual([]);
        const broken = steps.map((step, i) => (i === at % steps.length ? { ...step, tool: 'shell' } : step));
        expect(generatedStepIssues(goalTemplate, broken).map((issue) => issue.rule)).toContain('declared_tool');
      }),
    );
  });
});
