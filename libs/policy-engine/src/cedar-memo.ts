import { policyToJson, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import { LRUCache } from 'lru-cache';
import type { CedarRequest } from './cedar-request.js';
import { permitSetIdOf } from './load-packs.js';
import type { PolicyPackSet } from './pack.types.js';

/** Cedar's answers for one request: the whole set's, and on a deny by a forbid the permits-only set's. */
export interface CedarAnswers {
  readonly answer: AuthorizationAnswer;
  /** Only when `answer` is a deny with reasons (Cedar then names the forbids only). */
  readonly permits?: AuthorizationAnswer;
}

/** Requests remembered per policy set, and policy sets remembered (least recently used first out of each). */
export const CEDAR_MEMO_REQUESTS = 1_000;
const CEDAR_MEMO_SETS = 16;

interface SetMemo {
  /** Top-level context attributes any policy reads; undefined: some policy reads `context` whole (no memo). */
  readonly reads: readonly string[] | undefined;
  readonly answers: LRUCache<string, CedarAnswers>;
}

const memos = new LRUCache<string, SetMemo>({ max: CEDAR_MEMO_SETS });

/**
 * Cedar's answers for `cedar` under the pre-parsed `set`, asked of Cedar (`statefulIsAuthorized`) once per distinct
 * request as Cedar can see it, then remembered. Cedar's decision is a pure function of the policies, the entities,
 * principal, action, resource and the context attributes the policies read; so the memo key is the entities,
 * principal, action and resource with only the top-level context attributes some policy of the set reads
 * (`context.<attr>` or `context has <attr>`; found in the policies' JSON form once per set). A set in which a
 * policy uses `context` otherwise (e.g. `context == {...}`) is never memoized. Per-run facts no policy reads (run id,
 * step id, attempt) then do not defeat the memo: the ten steps of every bench run ask Cedar once in all.
 * Measured on the 2-core bench machine: ~0.09-0.15 ms of CPU per Cedar call against ~3 us for a remembered answer.
 * At most {@link CEDAR_MEMO_REQUESTS} requests per set and 16 sets are kept.
 */
export function cedarAnswers(cedar: CedarRequest, set: PolicyPackSet): CedarAnswers {
  const memo = memoOf(set);
  if (memo.reads === undefined) return ask(cedar, set);
  const context = cedar.context as Record<string, unknown>;
  const key = JSON.stringify([
    cedar.principal,
    cedar.action,
    cedar.resource,
    cedar.entities,
    memo.reads.map((attr) => context[attr]),
  ]);
  const known = memo.answers.get(key);
  if (known !== undefined) return known;
  const answers = ask(cedar, set);
  memo.answers.set(key, answers);
  return answers;
}

function ask(cedar: CedarRequest, set: PolicyPackSet): CedarAnswers {
  const answer = statefulIsAuthorized({ ...cedar, preparsedPolicySetId: set.cedarSetId });
  if (
    answer.type === 'failure' ||
    answer.response.decision !== 'deny' ||
    answer.response.diagnostics.reason.length === 0
  )
    return { answer };
  return { answer, permits: statefulIsAuthorized({ ...cedar, preparsedPolicySetId: permitSetIdOf(set.cedarSetId) }) };
}

function memoOf(set: PolicyPackSet): SetMemo {
  let memo = memos.get(set.cedarSetId);
  if (memo === undefined) {
    const reads = contextAttributesRead(set.cedarPolicies.map((p) => p.policy.text));
    memo = {
      reads: reads === undefined ? undefined : [...reads].sort(),
      answers: new LRUCache({ max: CEDAR_MEMO_REQUESTS }),
    };
    memos.set(set.cedarSetId, memo);
  }
  return memo;
}

/**
 * The top-level context attributes Cedar policies read (`context.a`, `context.a.b` reads `a`, `context has a`,
 * `context has a.b`), or undefined when one uses `context` in any other way or does not convert to JSON.
 */
export function contextAttributesRead(policies: readonly string[]): ReadonlySet<string> | undefined {
  const reads = new Set<string>();
  for (const text of policies) {
    const json = policyToJson(text);
    if (json.type === 'failure' || !collect(json.json, reads)) return undefined;
  }
  return reads;
}

/** Adds the attributes read under `node` to `reads`; false when `context` is used whole. */
function collect(node: unknown, reads: Set<string>): boolean {
  if (Array.isArray(node)) return node.every((item) => collect(item, reads));
  if (typeof node !== 'object' || node === null) return true;
  const record = node as Record<string, unknown>;
  if (record.Var === 'context') return false;
  for (const [key, value] of Object.entries(record)) {
    const access =
      (key === '.' || key === 'has') && typeof value === 'object' && value !== null
        ? (value as { left?: unknown; attr?: unknown })
        : undefined;
    const left = access?.left as { Var?: unknown } | undefined;
    if (access !== undefined && left?.Var === 'context') {
      const attr = Array.isArray(access.attr) ? (access.attr[0] as unknown) : access.attr;
      if (typeof attr !== 'string') return false;
      reads.add(attr);
      continue;
    }
    if (!collect(value, reads)) return false;
  }
  return true;
}
