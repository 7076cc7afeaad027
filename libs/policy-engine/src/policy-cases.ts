import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { PolicyFacts } from '@ledgerflow/contracts';
import type { PolicyDecision } from '@ledgerflow/domain';
import { evaluate } from './evaluate.js';
import { loadPolicyPacks } from './load-packs.js';
import { POLICY_CASES_INVALID, fileError } from './pack-errors.js';
import type { PolicyPackSet } from './pack.types.js';
import { policyCasesSchema } from './policy-cases.schema.js';
import type { CaseExpectation, PolicyCasesFile, RawCase } from './policy-cases.schema.js';
import { assertSchema, positionOfPointer, readYaml } from './yaml-source.js';

export type { CaseExpectation } from './policy-cases.schema.js';

/** One declared case: a request and what its decision must be. `line` is where it starts in its file. */
export interface PolicyCase {
  readonly name: string;
  readonly line: number;
  readonly request: PolicyFacts;
  readonly expect: CaseExpectation;
}

export interface PolicyCaseResult {
  readonly name: string;
  readonly passed: boolean;
  readonly decision: PolicyDecision;
  /** Human-readable differences, e.g. `outcome: expected deny, got allow`. */
  readonly mismatches: readonly string[];
}

export interface PolicyCasesReport {
  readonly results: readonly PolicyCaseResult[];
  readonly passed: number;
  readonly failed: number;
}

const validateCases = new Ajv({ allErrors: true }).compile(policyCasesSchema);

/**
 * Parses a cases file (docs/policies.md, "Testing packs"): `defaults` merged into every case, and `cases`
 * with request fields (`agent`, `capabilities`, `tool`, `action` or `capability: tool.action`, `tags`,
 * `input`, `workflow`, `run`, `step`, `attempt`, `learnedFrom: {rule, recommendationId}`) and `expect` (`outcome`, optional `failing`,
 * `enforced`, `gate`, `rationale`).
 * @throws LedgerflowError `policy_cases_invalid`: `<file>:<line>:<column>: <problem>`.
 */
export function parsePolicyCases(text: string, source: string): PolicyCase[] {
  const yaml = readYaml(text, source, POLICY_CASES_INVALID);
  const raw = yaml.doc.toJS() as unknown;
  assertSchema(yaml, raw, validateCases);
  const file = raw as PolicyCasesFile;
  return file.cases.map((entry, index) => {
    const merged: RawCase = { ...file.defaults, ...entry };
    const at = positionOfPointer(yaml, `/cases/${index}`);
    const [tool, action] = merged.capability
      ? (merged.capability.split('.') as [string, string])
      : [merged.tool, merged.action];
    if (!tool || !action) {
      throw fileError(
        POLICY_CASES_INVALID,
        source,
        at.line,
        at.column,
        `/cases/${index} needs tool and action (or capability: <tool>.<action>), here or in defaults`,
      );
    }
    if (!merged.agent)
      throw fileError(
        POLICY_CASES_INVALID,
        source,
        at.line,
        at.column,
        `/cases/${index} needs an agent, here or in defaults`,
      );
    const request: PolicyFacts = {
      runId: merged.run ?? 'policy-test',
      workflowId: merged.workflow ?? 'policy-test',
      stepId: merged.step ?? `${tool}-${action}`,
      attempt: merged.attempt ?? 1,
      agent: merged.agent,
      agentCapabilities: merged.capabilities ?? [],
      tool,
      action,
      policyTags: merged.tags ?? [],
      input: merged.input ?? {},
      ...(merged.learnedFrom === undefined ? {} : { learnedFrom: { ...merged.learnedFrom } }),
    };
    return { name: entry.name, line: at.line, request, expect: entry.expect };
  });
}

/** Reads and parses a cases file; see {@link parsePolicyCases}. @throws `policy_cases_invalid` when unreadable. */
export function loadPolicyCases(file: string): PolicyCase[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw fileError(POLICY_CASES_INVALID, file, 1, 1, `cannot read the cases file (${(error as Error).message})`);
  }
  return parsePolicyCases(text, file);
}

/**
 * Evaluates each case against the packs of `packDirs` (plus the built-in core pack) and compares.
 * @throws the loader's errors (`policy_pack_invalid`, ...) when a pack cannot be loaded.
 */
export function runPolicyCases(
  packDirs: readonly string[] | PolicyPackSet,
  cases: readonly PolicyCase[],
): PolicyCasesReport {
  const set = isPackSet(packDirs) ? packDirs : loadPolicyPacks(packDirs);
  const results = cases.map((c) => {
    const decision = evaluate(c.request, set);
    const mismatches = compareDecision(c.expect, decision);
    return { name: c.name, passed: mismatches.length === 0, decision, mismatches };
  });
  const passed = results.filter((r) => r.passed).length;
  return { results, passed, failed: results.length - passed };
}

function isPackSet(value: readonly string[] | PolicyPackSet): value is PolicyPackSet {
  return !Array.isArray(value);
}

/**
 * Differences between an expectation and a decision. Rule lists are compared as sets: an expected id is
 * `<id>@<version>/<rule>` or a bare `<rule>` (any pack); every failing (enforced) rule must be listed and
 * every listed one must fail (be enforced). `gate` fields given must be equal; `rationale` is a substring.
 */
export function compareDecision(expect: CaseExpectation, decision: PolicyDecision): string[] {
  const mismatches: string[] = [];
  if (decision.outcome !== expect.outcome)
    mismatches.push(`outcome: expected ${expect.outcome}, got ${decision.outcome}`);
  for (const kind of ['failing', 'enforced'] as const) {
    const wanted = expect[kind];
    if (!wanted) continue;
    const actual = decision.rules
      .filter((r) => r.result === (kind === 'failing' ? 'fail' : 'enforced'))
      .map((r) => `${r.pack}/${r.rule}`);
    const matches = (id: string, full: string): boolean =>
      id === full || (!id.includes('/') && full.endsWith(`/${id}`));
    const unmatched = wanted.filter((id) => !actual.some((full) => matches(id, full)));
    const extra = actual.filter((full) => !wanted.some((id) => matches(id, full)));
    if (unmatched.length > 0 || extra.length > 0)
      mismatches.push(`${kind}: expected [${wanted.join(', ')}], got [${actual.join(', ')}]`);
  }
  if (expect.gate) {
    const gate = decision.gate;
    for (const [key, value] of Object.entries(expect.gate)) {
      const got = gate ? (gate as Record<string, unknown>)[key] : undefined;
      if (JSON.stringify(got) !== JSON.stringify(value))
        mismatches.push(`gate.${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(got ?? null)}`);
    }
  }
  if (expect.rationale !== undefined && !decision.rationale.includes(expect.rationale)) {
    mismatches.push(
      `rationale: expected to contain ${JSON.stringify(expect.rationale)}, got ${JSON.stringify(decision.rationale)}`,
    );
  }
  return mismatches;
}
