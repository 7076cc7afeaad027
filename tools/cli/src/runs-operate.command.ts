import { parseValuedArgs, UsageError } from './args.js';
import { callGateway } from './gateway-call.js';
import { readFile } from 'node:fs/promises';
import type { CliCommand, CliIo } from './command.js';

/**
 * `ledgerflow runs retry|skip|revise|cancel|pause|resume|complete|fail`: operator actions on a run through the gateway
 * (`POST /v1/runs/{id}/retry|skip|revise|cancel|pause|resume`, and an external step's
 * `POST /v1/runs/{id}/steps/{stepId}/complete|fail`). The gateway is `LEDGERFLOW_URL` (default `http://127.0.0.1:8080`);
 * the operator's bearer token (a JWT like a reviewer's) is `LEDGERFLOW_TOKEN`.
 * Exit codes: 0 done, 1 the gateway refused or could not be reached (its error code and message are printed),
 * 2 usage errors (unknown option, missing argument, token or revision file).
 */

async function post(
  io: CliIo,
  path: string,
  body: unknown,
  token: string,
): Promise<Record<string, unknown> | undefined> {
  const result = await callGateway(io, 'POST', path, body, token);
  return result.ok ? ((result.value ?? {}) as Record<string, unknown>) : undefined;
}

interface Spec {
  readonly verb: 'retry' | 'skip' | 'revise' | 'cancel' | 'pause' | 'resume' | 'complete' | 'fail';
  /** The endpoint under `/v1/runs/{id}/`; default the verb. */
  readonly path?: (step: string | undefined) => string;
  readonly usage: string;
  readonly summary: string;
  /** Positional arguments after the run id. */
  readonly stepArg: boolean;
  readonly options: readonly string[];
  body(step: string | undefined, options: Map<string, string>): Promise<Record<string, unknown>>;
}

function command(spec: Spec): CliCommand {
  const usage = `runs ${spec.verb} ${spec.usage}`;
  return {
    path: ['runs', spec.verb],
    usage,
    summary: spec.summary,
    async run(args, io) {
      try {
        const { positional, options } = parseValuedArgs(args, spec.options);
        const [runId, step, extra] = positional;
        if (!runId) throw new UsageError('the run id is missing');
        if (spec.stepArg && !step) throw new UsageError('the step id is missing');
        const unexpected = spec.stepArg ? extra : step;
        if (unexpected !== undefined) throw new UsageError(`unexpected argument ${unexpected}`);
        const token = io.env.LEDGERFLOW_TOKEN;
        if (!token) throw new UsageError('LEDGERFLOW_TOKEN is not set: export your bearer token (a JWT) first');
        const body = await spec.body(step, options);
        const result = await post(
          io,
          `/v1/runs/${encodeURIComponent(runId)}/${spec.path ? spec.path(step) : spec.verb}`,
          body,
          token,
        );
        if (!result) return 1;
        const events = Array.isArray(result.events) ? result.events.join(', ') : '';
        io.out(
          `run ${runId}: ${spec.verb} recorded (${events || 'no events'}); run is ${String(result.status ?? 'unknown')}\n`,
        );
        return 0;
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.err(`error: ${error.message}\nusage: ledgerflow ${usage}\n`);
        return 2;
      }
    },
  };
}

function requireOption(options: Map<string, string>, name: string): string {
  const value = options.get(name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** The output of an external step, from a JSON file. @throws UsageError when it cannot be read or is not JSON. */
async function outputFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw new UsageError(`cannot read the output ${path}: ${(error as Error).message}`);
  }
}

async function revisionFile(path: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the revision ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`${path} must hold a JSON object {addSteps, removeStepIds, reason?}`);
  const { addSteps = [], removeStepIds = [], reason } = parsed as Record<string, unknown>;
  return { addSteps, removeStepIds, ...(reason === undefined ? {} : { reason }) };
}

/** The operator commands, for `runCli`. */
export const runsOperateCommands: CliCommand[] = [
  command({
    verb: 'retry',
    usage: '<run-id> <step-id> [--agent <agent>] [--reason <text>]',
    stepArg: true,
    options: ['agent', 'reason'],
    summary: 'Retry a failed step now, optionally as a substitute agent',
    body: async (step, options) => ({
      stepId: step,
      ...(options.has('agent') ? { agent: options.get('agent') } : {}),
      ...(options.has('reason') ? { reason: options.get('reason') } : {}),
    }),
  }),
  command({
    verb: 'skip',
    usage: '<run-id> <step-id> --reason <text>',
    stepArg: true,
    options: ['reason'],
    summary: 'Skip an optional step (a required one is refused)',
    body: async (step, options) => ({ stepId: step, reason: requireOption(options, 'reason') }),
  }),
  command({
    verb: 'revise',
    usage: '<run-id> --file <revision.json>',
    stepArg: false,
    options: ['file'],
    summary: 'Revise the plan from a JSON file {addSteps, removeStepIds, reason?}',
    body: async (_step, options) => revisionFile(requireOption(options, 'file')),
  }),
  command({
    verb: 'cancel',
    usage: '<run-id> --reason <text>',
    stepArg: false,
    options: ['reason'],
    summary: 'Cancel a running or paused run',
    body: async (_step, options) => ({ reason: requireOption(options, 'reason') }),
  }),
  command({
    verb: 'pause',
    usage: '<run-id> [--reason <text>]',
    stepArg: false,
    options: ['reason'],
    summary: 'Pause a running run: nothing new starts until it is resumed',
    body: async (_step, options) => (options.has('reason') ? { reason: options.get('reason') } : {}),
  }),
  command({
    verb: 'resume',
    usage: '<run-id> [--reason <text>]',
    stepArg: false,
    options: ['reason'],
    summary: 'Resume a paused run',
    body: async (_step, options) => (options.has('reason') ? { reason: options.get('reason') } : {}),
  }),
  command({
    verb: 'complete',
    usage: '<run-id> <step-id> --output <output.json>',
    stepArg: true,
    options: ['output'],
    path: (step) => `steps/${encodeURIComponent(step ?? '')}/complete`,
    summary: "Complete a running external step with its output (checked against the step's outputSchema)",
    body: async (_step, options) => ({ output: await outputFile(requireOption(options, 'output')) }),
  }),
  command({
    verb: 'fail',
    usage: '<run-id> <step-id> --reason <text>',
    stepArg: true,
    options: ['reason'],
    path: (step) => `steps/${encodeURIComponent(step ?? '')}/fail`,
    summary: 'Fail a running external step (not retried)',
    body: async (_step, options) => ({ reason: requireOption(options, 'reason') }),
  }),
];
