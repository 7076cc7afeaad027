import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { parse } from 'yaml';
import { runCli } from './cli.js';
import { installRoot } from './install-root.js';
import { workflowsLocalCommands } from './workflows-validate.command.js';

// Loaded as the command loads it (lazily: Nx forbids a static import of a library another file loads lazily).
const { WORKFLOW_SCHEMA_FILE, workflowJsonSchemaText } = await import('@ledgerflow/definitions');
const root = installRoot();
const FIXTURES = join(root, 'libs/definitions/src/fixtures');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(workflowsLocalCommands, ['workflows', ...argv], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env: {},
  });
  return { code, out, err };
}

const yamlFiles = async (dir: string) =>
  (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).map((name) => join(dir, name));

const hello = (steps: string) => `id: hello
version: 1.0.0
tools: { greeter: [greet] }
agents: { writer: [greeter.greet] }
steps:
${steps}`;

describe('ledgerflow workflows schema', () => {
  it(`${WORKFLOW_SCHEMA_FILE} is what the generator produces from libs/definitions (regenerate: ledgerflow workflows schema)`, async () => {
    const committed = await readFile(join(root, WORKFLOW_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(workflowJsonSchemaText());
    const { code, out } = await cli('schema');
    expect([code, out]).toEqual([0, committed]);
  });

  it('is a draft-07 schema an editor can use: the valid fixtures and examples conform, a wrong shape does not', async () => {
    const schema = JSON.parse(await readFile(join(root, WORKFLOW_SCHEMA_FILE), 'utf8')) as Record<string, unknown>;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const files = [
      ...(await yamlFiles(join(FIXTURES, 'valid'))),
      ...(await yamlFiles(join(root, 'examples/bench/workflows'))),
    ];
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const ok = validate(parse(await readFile(file, 'utf8')));
      expect([file, ok, validate.errors ?? null]).toEqual([file, true, null]);
    }
    expect(validate(parse(hello('  - { id: a, tool: greeter, action: greet, agent: writer, retry: 3 }')))).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/steps/0/retry', keyword: 'type' });
  });
});

describe('ledgerflow workflows validate', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lf-validate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts every valid fixture, a directory at once, and JSON', async () => {
    for (const file of await yamlFiles(join(FIXTURES, 'valid'))) {
      const { code, out } = await cli('validate', file);
      expect([code, out]).toEqual([
        0,
        expect.stringMatching(new RegExp(`^${file}: ok \\(claim-review@[0-9.]+, \\d+ steps?\\)\\n$`)),
      ]);
    }
    const all = await cli('validate', join(FIXTURES, 'valid'));
    expect([all.code, all.out]).toEqual([0, expect.stringContaining('2 of 2 valid')]);
    const json = join(dir, 'hello.json');
    await writeFile(json, JSON.stringify(parse(hello('  - { id: a, tool: greeter, action: greet, agent: writer }'))));
    expect(await cli('validate', json)).toEqual({ code: 0, out: `${json}: ok (hello@1.0.0, 1 step)\n`, err: '' });
  });

  it('refuses every invalid fixture with exit 1, naming the field or the line', async () => {
    const cycle = await cli('validate', join(FIXTURES, 'invalid/cycle.yaml'));
    expect(cycle.code).toBe(1);
    expect(cycle.out).toMatch(/: plan_cycle\n {2}\/steps: plan has a dependency cycle: .* \(plan_cycle\)\n$/);
    const syntax = await cli('validate', join(FIXTURES, 'invalid/syntax-error.yaml'));
    expect(syntax.code).toBe(1);
    expect(syntax.out).toMatch(/: definition_invalid\n {2}line \d+, column \d+: .* \(yaml_syntax\)\n$/);
    const both = await cli('validate', join(FIXTURES, 'invalid'));
    expect([both.code, both.out]).toEqual([1, expect.stringContaining('0 of 2 valid')]);
  });

  it.each([
    [
      'a schema violation',
      hello('  - { id: a, tool: greeter, action: greet, agent: writer, retry: 3 }'),
      '/steps/0/retry',
    ],
    ['an undeclared tool', hello('  - { id: a, tool: mailer, action: send, agent: writer }'), '/steps/0/tool'],
    ['an undeclared agent', hello('  - { id: a, tool: greeter, action: greet, agent: robot }'), '/steps/0/agent'],
    [
      'an unknown dependency',
      hello('  - { id: a, tool: greeter, action: greet, agent: writer, dependsOn: [ghost] }'),
      '/steps/0/dependsOn/0',
    ],
    [
      'a bad expression',
      hello('  - { id: a, tool: greeter, action: greet, agent: writer, when: "= ((" }'),
      '/steps/0/when',
    ],
  ])('names the field of %s', async (_what, text, pointer) => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, text);
    const { code, out } = await cli('validate', file);
    expect([code, out]).toEqual([1, expect.stringContaining(`\n  ${pointer}: `)]);
  });

  it('exits 2 for a path that does not exist or no file at all', async () => {
    expect(await cli('validate', join(dir, 'missing.yaml'))).toMatchObject({
      code: 2,
      err: expect.stringContaining('missing.yaml does not exist'),
    });
    expect((await cli('validate')).code).toBe(2);
  });

  it('property: any file content gets a verdict (exit 0 or 1), never an exception', async () => {
    const file = join(dir, 'fuzz.yaml');
    const content = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) => hello(`  - ${JSON.stringify(v)}`)),
      fc
        .record({ id: fc.string(), version: fc.string(), steps: fc.array(fc.jsonValue(), { maxLength: 3 }) })
        .map((d) => JSON.stringify({ tools: {}, agents: {}, ...d })),
      fc.string({ minLength: 100_000, maxLength: 300_000, unit: 'binary-ascii' }),
    );
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        await writeFile(file, text);
        const { code, out, err } = await cli('validate', file);
        expect([[0, 1], err]).toEqual([expect.arrayContaining([code]), '']);
        expect(out.startsWith(`${file}: `)).toBe(true);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
