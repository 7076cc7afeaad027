import { readFile } from 'node:fs/promises';
import type { GoalRequest, StartGoalResult } from '@ledgerflow/contracts';
import { UsageError, stringOption } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand } from './command.js';
import { callGateway } from './gateway-call.js';
import { watchRun } from './runs-watch.command.js';

const USAGE =
  'goals run <goal> --template <workflow> [--input file.json] [--desired file.json] [--max-steps n] [--allow-tool t.a]... [--budget-usd x] [--idempotency-key k] [--watch] [--plain]';
const WORKFLOW_ID = /^[a-z][a-z0-9-]{0,62}$/;
const TOOL_ACTION = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A JSON file's value. @throws UsageError naming the option when it cannot be read or is not JSON. */
async function readJson(option: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--${option}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--${option}: ${path} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * `goals run`'s command line as the body of `POST /v1/goals` (docs/api.md, docs/planning.md), files read.
 * @throws UsageError for a goal of 0 or more than 4,000 characters, a template that is no workflow id, a `--max-steps`
 *   outside 1..50, an `--allow-tool` that is not `tool.action`, a negative `--budget-usd`, `--desired` not a JSON
 *   object, an unreadable or non-JSON file.
 */
export async function goalRequestOf(args: ParsedArgs): Promise<GoalRequest> {
  const goal = args.positional[0] as string;
  if (goal.length < 1 || goal.length > 4000) throw new UsageError('the goal must be 1..4000 characters');
  const template = stringOption(args, 'template');
  if (template === undefined || !WORKFLOW_ID.test(template))
    throw new UsageError(`--template must be a workflow id matching ${WORKFLOW_ID.source}`);
  const inputFile = stringOption(args, 'input');
  const desiredFile = stringOption(args, 'desired');
  const maxStepsText = stringOption(args, 'max-steps');
  const budgetText = stringOption(args, 'budget-usd');
  const key = stringOption(args, 'idempotency-key');
  const tools = args.options.get('allow-tool');
  const allowedTools = tools === undefined || tools === true ? [] : typeof tools === 'string' ? [tools] : [...tools];
  const badTool = allowedTools.find((t) => !TOOL_ACTION.test(t));
  if (badTool !== undefined) throw new UsageError(`--allow-tool must be tool.action, got ${badTool}`);
  if (maxStepsText !== undefined && !/^([1-9]|[1-4][0-9]|50)$/.test(maxStepsText))
    throw new UsageError(`--max-steps must be a whole number from 1 to 50, got ${maxStepsText}`);
  const budgetUsd = budgetText === undefined ? undefined : Number(budgetText);
  if (budgetUsd !== undefined && !(budgetText !== '' && Number.isFinite(budgetUsd) && budgetUsd >= 0))
    throw new UsageError(`--budget-usd must be a number >= 0, got ${budgetText}`);
  if (key === '') throw new UsageError('--idempotency-key must not be empty');
  const desired = desiredFile === undefined ? undefined : await readJson('desired', desiredFile);
  if (desired !== undefined && (desired === null || typeof desired !== 'object' || Array.isArray(desired)))
    throw new UsageError(`--desired: ${desiredFile} must hold a JSON Schema object`);
  const constraints = {
    ...(allowedTools.length === 0 ? {} : { allowedTools }),
    ...(maxStepsText === undefined ? {} : { maxSteps: Number(maxStepsText) }),
    ...(budgetUsd === undefined ? {} : { budgetUsd }),
  };
  return {
    goal,
    template,
    input: inputFile === undefined ? {} : await readJson('input', inputFile),
    ...(desired === undefined ? {} : { desiredOutputs: desired as Record<string, unknown> }),
    ...(Object.keys(constraints).length === 0 ? {} : { constraints }),
    ...(key === undefined ? {} : { idempotencyKey: key }),
  };
}

/** `goals run`, for `runCli`. */
export const goalsRunCommand: CliCommand = {
  path: ['goals', 'run'],
  usage: USAGE,
  summary: 'Plan a goal from the tool catalog within a template workflow and run it; --watch follows the run',
  arguments: [{ name: '<goal>', description: 'what the plan must achieve, in words (1..4000 characters)' }],
  options: [
    { flags: '--template <workflow>', description: 'the workflow supplying agents, policies, reviewers and generator' },
    { flags: '--input <file.json>', description: "the run's input, a JSON file (default {})" },
    { flags: '--desired <file.json>', description: 'a JSON Schema of the outputs the plan must produce' },
    { flags: '--max-steps <n>', description: 'at most n steps (1..50; default 50)' },
    { flags: '--allow-tool <tool.action>', description: 'only these tools (repeatable)', repeatable: true },
    { flags: '--budget-usd <x>', description: "at most this summed cost hint over the plan's steps, US dollars" },
    { flags: '--idempotency-key <key>', description: 'the same key again returns the run it started' },
    { flags: '--watch', description: 'follow the run to its end, as runs watch' },
    { flags: '--plain', description: 'with --watch: one line per update, no redrawn table' },
  ],
  details:
    'POST /v1/goals with LEDGERFLOW_TOKEN (scope runs:start). Prints `run <runId> started (<generator>, <n> steps)`.\n' +
    'Exit codes: 0 started (with --watch: completed), 1 the gateway refused (e.g. 422 plan_generation_failed naming every issue) or could not be reached (with --watch: the run failed or was cancelled), 2 usage errors.',
  async run(args, io) {
    const token = io.env.LEDGERFLOW_TOKEN;
    if (!token) throw new UsageError('LEDGERFLOW_TOKEN is not set: export your bearer token (scope runs:start)');
    const body = await goalRequestOf(args);
    const started = await callGateway(io, 'POST', '/v1/goals', body, token);
    if (!started.ok) return 1;
    const { runId, created, generator, steps } = started.value as StartGoalResult;
    io.out(
      `run ${runId} ${created === false ? 'was already started with this idempotency key' : 'started'} (${generator}, ${steps} steps)\n`,
    );
    if (!args.options.has('watch')) return 0;
    return watchRun(io, runId, { token, tty: !args.options.has('plain') && process.stdout.isTTY === true });
  },
};
