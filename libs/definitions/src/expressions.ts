import jsonata from 'jsonata';
import { LedgerflowError } from '@ledgerflow/domain';
import type { DefinitionIssue } from './definition.types.js';
import { ExpressionPool } from './expression-pool.js';
import type { ExpressionResult } from './expression-pool.js';
import { escapePointer } from './json-schema.js';
import { linearRegExpProblem } from './linear-regexp.js';

export { EXPRESSION_LIMITS, ExpressionPool, type ExpressionLimits, type ExpressionResult } from './expression-pool.js';

/** What a step's input expressions see: the run input, the trigger payload, and upstream step outputs. */
export interface ExpressionScope {
  readonly input: unknown;
  readonly trigger?: unknown;
  readonly steps: Readonly<Record<string, { readonly output: unknown }>>;
}

/** The process's expression workers (limits: {@link EXPRESSION_LIMITS}). */
const sharedPool = new ExpressionPool();

const cache = new Map<string, jsonata.Expression>();
const CACHE_LIMIT = 1_000;

/**
 * Parses a JSONata expression (cached), for load-time checks; evaluation happens in the worker pool.
 * @throws the JSONata error (with `code`, `position`, `message`) when the syntax is wrong.
 */
export function compileExpression(expression: string): jsonata.Expression {
  let compiled = cache.get(expression);
  if (compiled === undefined) {
    compiled = jsonata(expression);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(expression, compiled);
  }
  return compiled;
}

/**
 * The load-time check of one expression at `path` (a JSON pointer in the definition file): `jsonata`
 * when it does not parse, `linear_regexp` when a `/.../` literal uses syntax the linear-time engine
 * lacks (backreferences, lookaround; see linear-regexp.ts). Undefined when the expression is fine.
 */
export function expressionIssue(expression: string, path: string): DefinitionIssue | undefined {
  let ast: unknown;
  try {
    ast = compileExpression(expression).ast();
  } catch (error) {
    return {
      path,
      rule: 'jsonata',
      message: `expression ${JSON.stringify(expression)} does not parse: ${(error as Error).message}`,
    };
  }
  for (const regex of regexLiterals(ast, new Set())) {
    const problem = linearRegExpProblem(regex.source, regex.flags);
    if (problem !== undefined)
      return { path, rule: 'linear_regexp', message: `expression ${JSON.stringify(expression)}: ${problem}` };
  }
  return undefined;
}

function* regexLiterals(node: unknown, seen: Set<object>): Generator<RegExp> {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (node instanceof RegExp) {
    yield node;
    return;
  }
  for (const value of Object.values(node)) yield* regexLiterals(value, seen);
}

/** A failed evaluation's reason, with the limit it hit when it hit one. */
function reasonOf(result: Extract<ExpressionResult, { ok: false }>, limits = sharedPool.limits): string {
  if (result.code === 'D1011') return `${result.message} (limit: ${limits.stackDepth} nested evaluation frames)`;
  if (result.code === 'D2014' || result.code === 'D2015')
    return `${result.message} (limit: ${limits.sequenceItems} items)`;
  return result.message;
}

/**
 * Evaluates a JSONata expression over `data` in the worker pool; the result is plain JSON (or undefined
 * when nothing matched).
 * @throws LedgerflowError with JSONata's code (`D1012` timeout, retryable; `D1011` depth, `T0410` types...,
 *   not retryable) or `expression_hard_timeout` / `expression_worker_failed` (retryable); `message` is
 *   JSONata's message with the limit it hit.
 */
export async function evaluateExpression(expression: string, data: unknown): Promise<unknown> {
  const [result] = await sharedPool.evaluate([expression], data);
  if (result === undefined || result.ok) return result?.value;
  throw new LedgerflowError(result.code, reasonOf(result), result.retryable, { expression });
}

/** `=expr` -> `expr`; `==text` -> undefined (a literal); anything else -> undefined. */
export function expressionOf(value: string): string | undefined {
  return value.startsWith('=') && !value.startsWith('==') ? value.slice(1) : undefined;
}

/** Every expression in a template with its JSON pointer (`/files/0`), for load-time syntax checks. */
export function templateExpressions(template: unknown, path = ''): { path: string; expression: string }[] {
  if (typeof template === 'string') {
    const expression = expressionOf(template);
    return expression === undefined ? [] : [{ path, expression }];
  }
  if (Array.isArray(template)) return template.flatMap((item, i) => templateExpressions(item, `${path}/${i}`));
  if (template !== null && typeof template === 'object') {
    return Object.entries(template).flatMap(([key, value]) =>
      templateExpressions(value, `${path}/${escapePointer(key)}`),
    );
  }
  return [];
}

/**
 * Resolves a step input template: every string starting with `=` is a JSONata expression evaluated
 * over `scope` (`input.claimId`, `steps.extract_documents.output.total`, `trigger.type`); a string
 * starting with `==` is the literal text after the first `=`; everything else is copied. Objects and
 * arrays are walked recursively. An expression that matches nothing yields `undefined` (the key is
 * then absent from the JSON sent to the tool). All expressions of a template are evaluated in one
 * worker of the pool, within {@link EXPRESSION_LIMITS}.
 * @throws LedgerflowError `input_expression_failed` for the first failing expression (template order):
 *   the message names the step (when `stepId` is given), the field's JSON pointer, the expression and the
 *   cause with the limit it hit; `retryable` when the cause was a time limit or a worker failure (the
 *   step's retry policy then applies), not for errors of the expression itself; `details`:
 *   `{ stepId, field, expression, rule: 'jsonata', reason, jsonataCode }`.
 * @example await resolveStepInput({ id: '=input.claimId', note: '==x' }, { input: { claimId: 'c1' }, steps: {} })
 *   // -> { id: 'c1', note: '=x' }
 */
export async function resolveStepInput(
  template: unknown,
  scope: ExpressionScope,
  options: { stepId?: string; pool?: ExpressionPool } = {},
): Promise<unknown> {
  const pool = options.pool ?? sharedPool;
  const expressions = templateExpressions(template);
  const results = await pool.evaluate(
    expressions.map((e) => e.expression),
    scope,
  );
  const values = new Map<string, unknown>();
  expressions.forEach(({ path, expression }, i) => {
    const result = results[i] as ExpressionResult;
    if (result.ok) {
      values.set(path, result.value);
      return;
    }
    const { stepId } = options;
    const field = `${stepId === undefined ? '' : `step ${stepId} `}input ${path === '' ? '/' : path}`;
    const reason = reasonOf(result, pool.limits);
    throw new LedgerflowError(
      'input_expression_failed',
      `${field}: expression ${JSON.stringify(expression)} failed: ${reason}`,
      result.retryable,
      {
        stepId,
        field: path,
        expression,
        rule: 'jsonata',
        reason,
        jsonataCode: result.code,
      },
    );
  });
  return fill(template, '', values);
}

/**
 * Evaluates a step's `when` condition over `scope` in the worker pool (same limits as input expressions).
 * @returns true when the result is `true`; false when it is `false` or nothing matched (e.g. a skipped upstream
 *   step's output).
 * @throws LedgerflowError `input_expression_failed` naming the step, the field `/when`, the expression and the
 *   cause (`retryable` for a time limit or a worker failure), also when the result is not a boolean; `details`
 *   as {@link resolveStepInput}'s with `field: '/when'`.
 * @example await evaluateCondition('input.amount > 100', { input: { amount: 50 }, steps: {} }, { stepId: 'review' }) // false
 */
export async function evaluateCondition(
  expression: string,
  scope: ExpressionScope,
  options: { stepId?: string; pool?: ExpressionPool } = {},
): Promise<boolean> {
  const pool = options.pool ?? sharedPool;
  const [result] = (await pool.evaluate([expression], scope)) as [ExpressionResult];
  const field = `${options.stepId === undefined ? '' : `step ${options.stepId} `}when`;
  const fail = (reason: string, retryable: boolean, jsonataCode?: string): never => {
    throw new LedgerflowError(
      'input_expression_failed',
      `${field}: expression ${JSON.stringify(expression)} failed: ${reason}`,
      retryable,
      {
        stepId: options.stepId,
        field: '/when',
        expression,
        rule: 'jsonata',
        reason,
        ...(jsonataCode === undefined ? {} : { jsonataCode }),
      },
    );
  };
  if (!result.ok) return fail(reasonOf(result, pool.limits), result.retryable, result.code);
  if (result.value === undefined || typeof result.value === 'boolean') return result.value === true;
  return fail(
    `the condition must be true or false, got ${Array.isArray(result.value) ? 'array' : typeof result.value}`,
    false,
  );
}

function fill(template: unknown, path: string, values: ReadonlyMap<string, unknown>): unknown {
  if (typeof template === 'string') {
    if (template.startsWith('==')) return template.slice(1);
    return template.startsWith('=') ? values.get(path) : template;
  }
  if (Array.isArray(template)) return template.map((item, i) => fill(item, `${path}/${i}`, values));
  if (template !== null && typeof template === 'object') {
    const entries = Object.entries(template).map(
      ([key, value]) => [key, fill(value, `${path}/${escapePointer(key)}`, values)] as const,
    );
    return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
  }
  return template;
}
