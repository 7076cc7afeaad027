import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * The digest a grant binds (`digest` claim, `@ledgerflow/contracts` grants.ts): `sha256:` + 64 lower-case
 * hex digits of SHA-256 over the UTF-8 bytes of {@link canonicalJson}(input). Equal for equal JSON values
 * whatever their key order, so the executor (over the input it sends) and a tool worker (over the input it
 * parsed from the request body) agree; any other value gives another digest. `undefined` digests as `null`
 * (a request body with no input carries none).
 * @throws TypeError for a value with no JSON form inside the input (a bigint, a cycle).
 * @example inputDigestOf({ b: 1, a: 2 }) === inputDigestOf({ a: 2, b: 1 }) // true
 */
export function inputDigestOf(input: unknown): string {
  const text = input === undefined ? 'null' : canonicalJson(input);
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}
