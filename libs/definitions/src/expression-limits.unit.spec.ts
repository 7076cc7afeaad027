import { EXPRESSION_LIMITS, ExpressionPool, resolveStepInput } from './expressions.js';
import { expressionIssue } from './expressions.js';
import { schemaPatternIssues } from './json-schema.js';

// Limits of JSONata evaluation (expression-pool.ts): small figures here keep the suite fast.
const limits = { ...EXPRESSION_LIMITS, timeoutMs: 300, hardTimeoutMs: 300, workers: 1 };
const scope = { input: { text: `${'a'.repeat(27)}!` }, steps: {} };
const looping = '$sum([1..99999].($sum([1..99999])))';
const tooDeep = '($f := function($n) { $n + $f($n + 1) }; $f(0))';

/** Largest gap between ticks of a 10 ms interval while `work` runs: how long the event loop was held. */
async function loopHeldDuring(work: Promise<unknown>): Promise<number> {
  let last = Date.now();
  let worst = 0;
  const timer = setInterval(() => {
    worst = Math.max(worst, Date.now() - last);
    last = Date.now();
  }, 10);
  await work.catch(() => undefined);
  clearInterval(timer);
  return worst;
}

describe('expression limits', () => {
  const pool = new ExpressionPool(limits);
  afterAll(() => pool.close());

  it('a looping expression fails with input_expression_failed after the time limit (retryable), off the event loop', async () => {
    const failure = resolveStepInput({ total: `=${looping}` }, scope, { stepId: 'sum_up', pool });
    const held = loopHeldDuring(failure);
    await expect(failure).rejects.toMatchObject({
      code: 'input_expression_failed',
      retryable: true,
      message: expect.stringMatching(
        /^step sum_up input \/total: expression ".*" failed: Evaluation timeout after 300 milliseconds/,
      ),
      details: { field: '/total', jsonataCode: 'D1012' },
    });
    expect(await held).toBeLessThan(150);
  });

  it('a too-deep recursion fails naming the depth limit (not retryable)', async () => {
    await expect(resolveStepInput({ deep: `=${tooDeep}` }, scope, { stepId: 'recurse', pool })).rejects.toMatchObject({
      code: 'input_expression_failed',
      retryable: false,
      message: expect.stringContaining(`(limit: ${limits.stackDepth} nested evaluation frames)`),
    });
  });

  it('a native call that outruns the time limit is stopped by the hard limit; the pool then works on', async () => {
    const unguarded = new ExpressionPool({ ...limits, timeoutMs: 0 }); // jsonata's own timeout off: only the hard limit is left
    try {
      const started = Date.now();
      const [result] = await unguarded.evaluate([looping], {});
      expect(result).toMatchObject({ ok: false, code: 'expression_hard_timeout', retryable: true });
      expect(Date.now() - started).toBeLessThan(2_000);
      await expect(unguarded.evaluate(['1 + 1'], {})).resolves.toEqual([{ ok: true, value: 2 }]);
    } finally {
      await unguarded.close();
    }
  });

  it('refuses oversized results and $pad widths instead of exhausting the worker heap', async () => {
    // Building 2 MB of text takes ~130 ms on an idle 2-core machine: a pool with room for that on a loaded one, so the
    // size limit (not the 300 ms time limit of the other cases) is what answers.
    const roomy = new ExpressionPool({ ...limits, timeoutMs: 10_000, hardTimeoutMs: 10_000 });
    const results = await roomy
      .evaluate(['$pad("", 100000000)', '$join([1..2000].($pad("", 1000, "a")))', '$pad("ab", -5, "xy")'], {})
      .finally(() => roomy.close());
    expect(results.slice(0, 2)).toMatchObject([
      { ok: false, code: 'expression_result_too_large', message: expect.stringContaining('1000000 characters') },
      { ok: false, code: 'expression_result_too_large' },
    ]);
    expect(results[2]).toEqual({ ok: true, value: 'xyxab' });
  });

  it('runs regular expressions in linear time: /^(a+)+$/ on 27+ characters answers at once', async () => {
    const started = Date.now();
    const resolved = await resolveStepInput(
      {
        backtracking: '=$contains(input.text, /^(a+)+$/)',
        match: '=$match("ab12cd345", /([a-z]+)(\\d+)/).groups',
        replaced: '=$replace("a1B22", /b\\d+/i, "#")',
        parts: '=$split("a1b22c", /\\d+/)',
      },
      { input: { text: `${'a'.repeat(40)}!` }, steps: {} },
      { pool },
    );
    expect(resolved).toEqual({
      backtracking: false,
      match: ['ab', '12', 'cd', '345'],
      replaced: 'a1#',
      parts: ['a', 'b', 'c'],
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('load-time checks of patterns', () => {
  it('refuses a regex literal the linear-time engine cannot run, naming the field', () => {
    expect(expressionIssue('$match(input.code, /(a)\\1/)', '/steps/0/input/code')).toMatchObject({
      path: '/steps/0/input/code',
      rule: 'linear_regexp',
      message: expect.stringContaining('not supported by the linear-time engine (RE2)'),
    });
    expect(expressionIssue('$contains(input.text, /^(a+)+$/)', '/steps/0/input/x')).toBeUndefined();
    expect(expressionIssue('input.', '/trigger/input')).toMatchObject({ rule: 'jsonata' });
  });

  it('points at a schema pattern or patternProperties key RE2 cannot run', () => {
    const schema = {
      type: 'object',
      properties: { code: { type: 'string', pattern: '^(?=x)\\w+$' }, pattern: { type: 'string', pattern: '^(a+)+$' } },
      patternProperties: { '^(\\w)\\1$': { type: 'string' } },
      enum: [{ pattern: '(?!' }],
    };
    expect(schemaPatternIssues(schema, '/inputSchema').map((issue) => [issue.path, issue.rule])).toEqual([
      ['/inputSchema/properties/code/pattern', 'linear_regexp'],
      ['/inputSchema/patternProperties/^(\\w)\\1$', 'linear_regexp'],
    ]);
  });
});
