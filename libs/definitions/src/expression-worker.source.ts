/**
 * The source of an expression worker (a `worker_threads` eval script, CommonJS). It is a string so that
 * the same code runs from TypeScript sources (Jest) and from the build, with nothing to resolve next to
 * this file. `workerData`: `{ jsonata, re2js }` (absolute paths of the packages, resolved by the pool)
 * and `limits` (`timeout` ms, `stack` frames, `sequence` items: jsonata 2.x evaluation options;
 * `resultChars`: the largest result, and `$pad` width, in characters).
 *
 * Message out once loaded: `{ ready: true }`.
 * Message in: `{ id, expressions: string[], data }`. Message out: `{ id, results }`, one per expression:
 * `{ ok: true, value }` (plain JSON, `undefined` when nothing matched) or `{ ok: false, code, message }`
 * (`code`: JSONata's, e.g. `D1012` evaluation timeout, `D1011` stack depth, `T0410` argument type).
 * JSONata regex literals (`/.../i`) run on RE2 through `RegexEngine`: a RegExp-like object with
 * `lastIndex` and `exec` (global semantics, UTF-16 indices), which is all jsonata's `evaluateRegex` uses.
 */
export const EXPRESSION_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const jsonata = require(workerData.jsonata);
const { RE2JS } = require(workerData.re2js);

class LinearRegExp {
  constructor(re) {
    let flags = 0;
    if (re.flags.includes('i')) flags |= RE2JS.CASE_INSENSITIVE;
    if (re.flags.includes('m')) flags |= RE2JS.MULTILINE;
    this.source = re.source;
    this.flags = re.flags;
    this.lastIndex = 0;
    this.re2 = RE2JS.compile(RE2JS.translateRegExp(re.source), flags);
  }
  exec(text) {
    const matcher = this.re2.matcher(text);
    if (this.lastIndex > text.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const match = [matcher.group(0)];
    for (let g = 1; g <= matcher.groupCount(); g++) match.push(matcher.group(g) ?? undefined);
    match.index = matcher.start();
    match.input = text;
    this.lastIndex = matcher.end();
    return match;
  }
}

const { resultChars, ...limits } = workerData.limits;
const options = { ...limits, RegexEngine: LinearRegExp };

function refused(code, message) {
  return Object.assign(new Error(message), { code });
}

// jsonata's $pad allocates the whole padding at once: a width of 1e9 would exhaust the heap in one call.
function pad(str, width, char) {
  if (str === undefined) return undefined;
  if (char === undefined || char.length === 0) char = ' ';
  width = Math.trunc(width);
  if (Math.abs(width) > resultChars) {
    throw refused('expression_result_too_large', '$pad width ' + width + ' is over the limit of ' + resultChars + ' characters');
  }
  const padLength = Math.abs(width) - Array.from(str).length;
  if (padLength <= 0) return str;
  const unit = Array.from(char);
  const padding = unit.length === 1 ? char.repeat(padLength) : Array.from(char.repeat(Math.ceil(padLength / unit.length))).slice(0, padLength).join('');
  return width > 0 ? str + padding : padding + str;
}

// Size of a result in characters (string lengths, keys, 8 per other value), stopping past the limit,
// so an oversized result is refused before JSON.stringify flattens it.
function sizeOf(value, budget) {
  if (typeof value === 'string') return value.length;
  if (value === null || typeof value !== 'object') return 8;
  let size = 2;
  for (const key of Object.keys(value)) {
    size += key.length + sizeOf(value[key], budget - size);
    if (size > budget) return size;
  }
  return size;
}

const compiled = new Map();
function compile(expression) {
  let expr = compiled.get(expression);
  if (expr === undefined) {
    expr = jsonata(expression, options);
    expr.registerFunction('pad', pad, '<s-ns?:s>');
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(expression, expr);
  }
  return expr;
}

async function evaluate(expression, data) {
  try {
    const value = await compile(expression).evaluate(data);
    if (value === undefined) return { ok: true, value: undefined };
    const size = sizeOf(value, resultChars);
    if (size > resultChars) throw refused('expression_result_too_large', 'the result is over the limit of ' + resultChars + ' characters');
    return { ok: true, value: JSON.parse(JSON.stringify(value)) };
  } catch (error) {
    const code = error && typeof error.code === 'string' ? error.code : (error && error.name) || 'error';
    const message = error && typeof error.message === 'string' ? error.message : String(error);
    return { ok: false, code, message };
  }
}

parentPort.on('message', async ({ id, expressions, data }) => {
  const results = [];
  for (const expression of expressions) results.push(await evaluate(expression, data));
  parentPort.postMessage({ id, results });
});
parentPort.postMessage({ ready: true });
`;
