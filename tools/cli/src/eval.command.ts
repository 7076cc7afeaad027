import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { EvaluationCaseResult } from '@ledgerflow/contracts';
import { UsageError, stringOption } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { EvalGateway, reviewerTokenOf } from './eval-gateway.js';
import { checkCase } from './eval-matchers.js';
import type { ExpressionEvaluator, RunView } from './eval-matchers.js';
import { failureLines, formatSummary, summarize } from './eval-report.js';
import { GoldenSetError, parseGoldenSet } from './golden-set.js';
import type { GoldenCase, GoldenSet } from './golden-set.js';

/** Run statuses after which eval judges a case (`paused`: an operator or a failed step stopped it). */
const ENDED = new Set(['completed', 'failed', 'cancelled', 'paused']);
/** Between two reads of a run, in ms. */
const POLL_MS = 200;
/** Cases run at the same time. */
const PARALLEL_CASES = 4;

interface EvalOptions {
  readonly workflowId: string;
  readonly file: string;
  readonly minPassRate: number;
  readonly approveAs: readonly string[];
  readonly timeoutMs: number;
  readonly record: boolean;
}

function optionsOf(args: ParsedArgs): EvalOptions {
  const rate = stringOption(args, 'min-pass-rate') ?? '1';
  const minPassRate = Number(rate);
  if (!/^(0|1|0?\.[0-9]+|1\.0+)$/.test(rate) || minPassRate > 1)
    throw new UsageError(`--min-pass-rate must be a number from 0 to 1, got ${rate}`);
  const timeout = stringOption(args, 'timeout') ?? '120';
  if (!/^[1-9][0-9]{0,4}$/.test(timeout))
    throw new UsageError(`--timeout must be whole seconds (1..99999), got ${timeout}`);
  const approve = args.options.get('approve-as');
  const approveAs =
    approve === undefined ? [] : typeof approve === 'string' ? [approve] : approve === true ? [] : [...approve];
  for (const reviewer of approveAs)
    if (!/^[A-Za-z0-9._:@-]{1,200}$/.test(reviewer))
      throw new UsageError(`--approve-as: not a reviewer id: ${reviewer}`);
  return {
    workflowId: args.positional[0] as string,
    file: args.positional[1] as string,
    minPassRate,
    approveAs,
    timeoutMs: Number(timeout) * 1000,
    record: !args.options.has('skip-record'),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A case that could not be judged on its run's outputs (refused, stuck at a gate, never ended). */
const runFailure = (caseId: string, runId: string, message: string, escalations = 0): EvaluationCaseResult => ({
  caseId,
  runId,
  passed: false,
  failures: [{ stepId: 'final', path: '$', message }],
  durationMs: 0,
  escalations,
  steps: [],
});

/**
 * Runs one case: starts its evaluation run, follows it to its end deciding its gates as `--approve-as` says, then
 * checks the expectations. Every problem is the case's failure, never an exception (but an unreachable gateway).
 */
async function runCase(
  gateway: EvalGateway,
  set: GoldenSet,
  goldenCase: GoldenCase,
  options: EvalOptions & { reviewers: ReadonlyMap<string, string>; evaluate: ExpressionEvaluator; nonce: string },
): Promise<{ result: EvaluationCaseResult; version?: string }> {
  const started = await gateway.startRun(options.workflowId, {
    input: goldenCase.input,
    idempotencyKey: `eval-${options.nonce}-${goldenCase.id}`.slice(0, 200),
    evaluation: { goldenSet: set.goldenSet, caseId: goldenCase.id },
  });
  const runId = (started.body as { runId?: string } | undefined)?.runId;
  if (started.error !== undefined || runId === undefined)
    return { result: runFailure(goldenCase.id, 'none', `the run was not started: ${started.error ?? 'no runId'}`) };
  const deadline = Date.now() + options.timeoutMs;
  const approved = new Set<string>();
  let run: RunView;
  for (;;) {
    run = await gateway.run(runId);
    if (ENDED.has(run.status)) break;
    for (const gate of run.gates.filter((g) => g.status === 'open' && !approved.has(g.gateId))) {
      if (options.reviewers.size === 0)
        return {
          result: runFailure(
            goldenCase.id,
            runId,
            `the run waits at gate ${gate.gateId} (${gate.reason}); pass --approve-as <reviewer> to decide evaluation gates`,
            run.gates.length,
          ),
        };
      const reviewer =
        [...options.reviewers.keys()].find((r) => gate.reviewers.includes(r)) ?? [...options.reviewers.keys()][0]!;
      const decided = await gateway.approve(
        gate.gateId,
        options.reviewers.get(reviewer)!,
        `ledgerflow eval ${set.goldenSet}, case ${goldenCase.id}`,
      );
      if (decided.error !== undefined)
        return {
          result: runFailure(
            goldenCase.id,
            runId,
            `gate ${gate.gateId} could not be approved as ${reviewer}: ${decided.error}`,
            run.gates.length,
          ),
        };
      approved.add(gate.gateId);
    }
    if (Date.now() > deadline)
      return {
        result: runFailure(
          goldenCase.id,
          runId,
          `the run did not end within ${options.timeoutMs / 1000} s (status ${run.status})`,
          run.gates.length,
        ),
      };
    await sleep(POLL_MS);
  }
  const checked = await checkCase(goldenCase, run, options.evaluate);
  const result = {
    caseId: goldenCase.id,
    runId,
    ...checked,
    durationMs: await gateway.durationMs(runId),
    escalations: run.gates.length,
  };
  return { result, ...(run.workflowVersion ? { version: run.workflowVersion } : {}) };
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const options = optionsOf(args);
  const token = io.env.LEDGERFLOW_TOKEN;
  if (!token) throw new UsageError('LEDGERFLOW_TOKEN is not set: export a bearer token with runs:start and runs:read');
  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the golden set ${options.file}: ${(error as Error).message}`);
  }
  let set: GoldenSet;
  try {
    set = parseGoldenSet(text);
  } catch (error) {
    if (!(error instanceof GoldenSetError)) throw error;
    io.err(`error: ${options.file}: ${error.message}\n`);
    return 2;
  }
  if (set.workflow !== options.workflowId)
    throw new UsageError(`${options.file} is a golden set of workflow ${set.workflow}, not ${options.workflowId}`);
  const reviewers = new Map<string, string>();
  for (const reviewer of options.approveAs) reviewers.set(reviewer, await reviewerTokenOf(io, reviewer));
  // @ledgerflow/definitions evaluates JSONata in workers with time and depth limits; loaded only by this command.
  const { evaluateExpression } = await import('@ledgerflow/definitions');
  const gateway = new EvalGateway(io, token);
  const context = { ...options, reviewers, evaluate: evaluateExpression, nonce: randomUUID().slice(0, 8) };

  io.out(
    `golden set ${set.goldenSet} (${set.digest.slice(0, 19)}...): ${set.cases.length} case(s) on ${options.workflowId}\n`,
  );
  const outcomes: { result: EvaluationCaseResult; version?: string }[] = new Array(set.cases.length);
  let next = 0;
  const worker = async () => {
    while (next < set.cases.length) {
      const index = next++;
      const outcome = await runCase(gateway, set, set.cases[index]!, context);
      outcomes[index] = outcome;
      const { result } = outcome;
      io.out(
        `case ${result.caseId}: ${result.passed ? 'pass' : 'FAIL'} (run ${result.runId}, ${result.durationMs} ms${result.escalations ? `, ${result.escalations} gate(s)` : ''})\n`,
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL_CASES, set.cases.length) }, worker));
  } catch (error) {
    io.err(`error: ${(error as Error).message}\n`);
    return 1;
  }
  const results = outcomes.map((o) => o.result);
  const failures = failureLines(results);
  if (failures.length > 0) io.out(`${failures.join('\n')}\n`);
  const summary = summarize(results);
  io.out(formatSummary(summary, options.minPassRate));

  const versions = [...new Set(outcomes.flatMap((o) => (o.version ? [o.version] : [])))];
  if (versions.length > 1)
    io.err(
      `warning: the runs used versions ${versions.join(', ')} of ${options.workflowId}; recorded as ${versions[0]}\n`,
    );
  let code = summary.passRate >= options.minPassRate ? 0 : 1;
  if (options.record)
    code = Math.max(
      code,
      await record(io, gateway, options.workflowId, set, versions[0] ?? 'unknown', summary.passRate, results),
    );
  if (summary.passRate < options.minPassRate) {
    const failing = results.filter((r) => !r.passed).map((r) => r.caseId);
    io.err(
      `error: pass rate ${(summary.passRate * 100).toFixed(1)}% is under --min-pass-rate ${(options.minPassRate * 100).toFixed(1)}%; failing: ${failing.join(', ')}\n`,
    );
    for (const line of failures) io.err(`  ${line}\n`);
  }
  return code;
}

/** Records the result (`EvaluationRecorded`); a gateway without the endpoint (404) is a warning. Exit code 0 or 1. */
async function record(
  io: CliIo,
  gateway: EvalGateway,
  workflowId: string,
  set: GoldenSet,
  workflowVersion: string,
  passRate: number,
  cases: EvaluationCaseResult[],
): Promise<number> {
  const answer = await gateway.record(workflowId, {
    workflowVersion,
    goldenSet: set.goldenSet,
    goldenSetDigest: set.digest,
    passRate,
    cases,
  });
  if (answer.status === 404) {
    io.err(
      `warning: the result was not recorded: the gateway has no POST /v1/workflows/{id}/evaluations (${answer.error})\n`,
    );
    return 0;
  }
  if (answer.error !== undefined) {
    io.err(`error: the result was not recorded: ${answer.error}\n`);
    return 1;
  }
  io.out(`recorded as evaluation ${answer.body?.evaluationId} of ${workflowId}@${workflowVersion}\n`);
  return 0;
}

/**
 * `ledgerflow eval <workflow> <golden.yaml>`: runs a golden set (golden-set.ts) through the real stack and reports
 * how the workflow did (eval-report.ts). Each case is an evaluation run (`evaluation: { goldenSet, caseId }`, kept out
 * of memory's production statistics), 4 at a time.
 */
export const evalCommand: CliCommand = {
  path: ['eval'],
  usage:
    'eval <workflow> <golden.yaml> [--min-pass-rate 1] [--approve-as <reviewer>]... [--timeout 120] [--skip-record]',
  summary: 'Run a golden set as evaluation runs; report pass rate, step accuracy, confidence, latency, escalations',
  arguments: [
    { name: '<workflow>', description: 'the workflow id (its latest version runs)' },
    { name: '<golden.yaml>', description: 'the golden set: cases of run input and expected outputs (docs/memory.md)' },
  ],
  options: [
    {
      flags: '--min-pass-rate <rate>',
      description: 'fail (exit 1) when fewer cases pass, 0..1 (default 1: every case)',
    },
    {
      flags: '--approve-as <reviewer>',
      description: 'approve the gates evaluation runs open as this reviewer (repeatable; the one a gate names is used)',
      repeatable: true,
    },
    { flags: '--timeout <seconds>', description: 'a run not ended after this long fails its case (default 120)' },
    { flags: '--skip-record', description: 'do not record the result as EvaluationRecorded' },
  ],
  details: [
    'Gates: a gate an evaluation run opens counts as an escalation. With --approve-as, eval approves it as that',
    'reviewer, with LEDGERFLOW_REVIEWER_TOKEN, else a development token signed like `ledgerflow token --user',
    '<reviewer>` (LEDGERFLOW_AUTH_SECRET or the `ledgerflow start` key). Without it, a case whose run waits at a',
    'gate fails at once, naming the gate, and the run is left for a reviewer.',
    'Token: LEDGERFLOW_TOKEN needs runs:start and runs:read. The result is recorded with',
    'POST /v1/workflows/{id}/evaluations (a gateway without it: a warning).',
    'Exit codes: 0 pass rate at or over --min-pass-rate, 1 under it (failing cases and paths on stderr) or the',
    'gateway failed, 2 usage errors or an invalid golden set.',
  ].join('\n'),
  run,
};
