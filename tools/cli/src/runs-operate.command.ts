import { stringOption, UsageError } from './args.js';
import type { ParsedArgs } from './args.js';
import { callGateway } from './gateway-call.js';
import { readFile } from 'node:fs/promises';
import type { CliCommand, CliIo, CliOption } from './command.js';

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
  readonly options: readonly CliOption[];
  body(step: string | undefined, args: ParsedArgs): Promise<Record<string, unknown>>;
}

function command(spec: Spec): CliCommand {
  return {
    path: ['runs', spec.verb],
    usage: `runs ${spec.verb} ${spec.usage}`,
    summary: spec.summary,
    arguments: [
      { name: '<run-id>', description: 'the run' },
      ...(spec.stepArg ? [{ name: '<step-id>', description: 'the step of the run' }] : []),
    ],
    options: spec.options,
    details:
      'Needs LEDGERFLOW_TOKEN (scope runs:operate). Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 usage errors.',
    async run(args, io) {
      const [runId, step] = args.positional as [string, string | undefined];
      const token = io.env.LEDGERFLOW_TOKEN;
      if (!token) throw new UsageError('LEDGERFLOW_TOKEN is not set: export your bearer token (a JWT) first');
      const body = await spec.body(step, args);
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
    },
  };
}

const reasonOption = (required: boolean): CliOption => ({
  flags: '--reason <text>',
  description: `why, recorded with the event${required ? ' (required)' : ''}`,
});

function requireOption(args: ParsedArgs, name: string): string {
  const value = stringOption(args, name);
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
    options: [{ flags: '--agent <agent>', description: 'a substitute agent for this attempt' }, reasonOption(false)],
    summary: 'Retry a failed step now, optionally as a substitute agent',
    body: async (step, args) => ({
      stepId: step,
      ...(args.options.has('agent') ? { agent: stringOption(args, 'agent') } : {}),
      ...(args.options.has('reason') ? { reason: stringOption(args, 'reason') } : {}),
    }),
  }),
  command({
    verb: 'skip',
    usage: '<run-id> <step-id> --reason <text>',
    stepArg: true,
    options: [reasonOption(true)],
    summary: 'Skip an optional step (a required one is refused)',
    body: async (step, args) => ({ stepId: step, reason: requireOption(args, 'reason') }),
  }),
  command({
    verb: 'revise',
    usage: '<run-id> --file <revision.json>',
    stepArg: false,
    options: [
      { flags: '--file <revision.json>', description: 'the revision {addSteps, removeStepIds, reason?} (required)' },
    ],
    summary: 'Revise the plan from a JSON file {addSteps, removeStepIds, reason?}',
    body: async (_step, args) => revisionFile(requireOption(args, 'file')),
  }),
  command({
    verb: 'cancel',
    usage: '<run-id> --reason <text>',
    stepArg: false,
    options: [reasonOption(true)],
    summary: 'Cancel a running or paused run',
    body: async (_step, args) => ({ reason: requireOption(args, 'reason') }),
  }),
  command({
    verb: 'pause',
    usage: '<run-id> [--reason <text>]',
    stepArg: false,
    options: [reasonOption(false)],
    summary: 'Pause a running run: nothing new starts until it is resumed',
    body: async (_step, args) => (args.options.has('reason') ? { reason: stringOption(args, 'reason') } : {}),
  }),
  command({
    verb: 'resume',
    usage: '<run-id> [--reason <text>]',
    stepArg: false,
    options: [reasonOption(false)],
    summary: 'Resume a paused run',
    body: async (_step, args) => (args.options.has('reason') ? { reason: stringOption(args, 'reason') } : {}),
  }),
  command({
    verb: 'complete',
    usage: '<run-id> <step-id> --output <output.json>',
    stepArg: true,
    options: [{ flags: '--output <output.json>', description: "the step's output, JSON (required)" }],
    path: (step) => `steps/${encodeURIComponent(step ?? '')}/complete`,
    summary: "Complete a running external step with its output (checked against the step's outputSchema)",
    body: async (_step, args) => ({ output: await outputFile(requireOption(args, 'output')) }),
  }),
  command({
    verb: 'fail',
    usage: '<run-id> <step-id> --reason <text>',
    stepArg: true,
    options: [reasonOption(true)],
    path: (step) => `steps/${encodeURIComponent(step ?? '')}/fail`,
    summary: 'Fail a running external step (not retried)',
    body: async (_step, args) => ({ reason: requireOption(args, 'reason') }),
  }),
];
