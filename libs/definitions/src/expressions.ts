import jsonata from 'jsonata';
import { LedgerflowError } from '@ledgerflow/domain';
import { escapePointer } from './json-schema.js';

/**
 * Limits on one JSONata evaluation (jsonata 2.x options): 1 s of wall time, 500 frames of depth,
 * 100,000 items per sequence. A definition's expressions map small documents; these stop a runaway
 * recursion from stalling a planner or executor.
 */
export const EXPRESSION_LIMITS = { timeout: 1_000, stack: 500, sequence: 100_000 } as const;

/** What a step's input expressions see: the run input, the trigger payload, and upstream step outputs. */
export interface ExpressionScope {
  readonly input: unknown;
  readonly trigger?: unknown;
  readonly steps: Readonly<Record<string, { readonly output: unknown }>>;
}

const cache = new Map<string, jsonata.Expression>();
const CACHE_LIMIT = 1_000;

/**
 * Compiles a JSONata expression (cached).
 * @throws the JSONata error (with `code`, `position`, `message`) when the syntax is wrong.
 */
export function compileExpression(expression: string): jsonata.Expression {
  let compiled = cache.get(expression);
  if (compiled === undefined) {
    compiled = jsonata(expression, { ...EXPRESSION_LIMITS });
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(expression, compiled);
  }
  return compiled;
}

/** Evaluates a JSONata expression over `data`; the result is plain JSON (or undefined when nothing matched). */
export async function evaluateExpression(expression: string, data: unknown): Promise<unknown> {
  const result: unknown = await compileExpression(expression).evaluate(data);
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
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
    return Object.entries(template).flatMap(([key, value]) => templateExpressions(value, `${path}/${escapePointer(key)}`));
  }
  return [];
}

/**
 * Resolves a step input template: every string starting with `=` is a JSONata expression evaluated
 * over `scope` (`input.claimId`, `steps.extract_documents.output.total`, `trigger.type`); a string
 * starting with `==` is the literal text after the first `=`; everything else is copied. Objects and
 * arrays are walked recursively. An expression that matches nothing yields `undefined` (the key is
 * then absent from the JSON sent to the tool).
 * @throws LedgerflowError `input_expression_failed` (not retryable) naming the field's JSON pointer
 *   (prefixed with `stepId` when given), the expression and JSONata's message.
 * @example await resolveStepInput({ id: '=input.claimId', note: '==x' }, { input: { claimId: 'c1' }, steps: {} })
 *   // -> { id: 'c1', note: '=x' }
 */
export async function resolveStepInput(template: unknown, scope: ExpressionScope, options: { stepId?: string } = {}): Promise<unknown> {
  return resolve(template, scope, '', options.stepId);
}

async function resolve(template: unknown, scope: ExpressionScope, path: string, stepId: string | undefined): Promise<unknown> {
  if (typeof template === 'string') {
    if (template.startsWith('==')) return template.slice(1);
    if (!template.startsWith('=')) return template;
    const expression = template.slice(1);
    try {
      return await evaluateExpression(expression, scope);
    } catch (error) {
      const field = `${stepId === undefined ? '' : `step ${stepId} `}input ${path === '' ? '/' : path}`;
      const reason = error instanceof Error ? error.message : String(error);
      throw new LedgerflowError('input_expression_failed', `${field}: expression ${JSON.stringify(expression)} failed: ${reason}`, false, {
        stepId, field: path, expression, rule: 'jsonata', reason,
      });
    }
  }
  if (Array.isArray(template)) {
    return Promise.all(template.map((item, i) => resolve(item, scope, `${path}/${i}`, stepId)));
  }
  if (template !== null && typeof template === 'object') {
    const entries = await Promise.all(
      Object.entries(template).map(async ([key, value]) => [key, await resolve(value, scope, `${path}/${escapePointer(key)}`, stepId)] as const),
    );
    return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
  }
  return template;
}
