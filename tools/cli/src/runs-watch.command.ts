import { readFile } from 'node:fs/promises';
import { LedgerflowError } from '@ledgerflow/domain';
import { LedgerflowClient } from '@ledgerflow/sdk';
import type { RunView } from '@ledgerflow/sdk';
import { UsageError, stringOption } from './args.js';
import type { ParsedArgs } from './args.js';
import { parseCommandLine } from './cli.js';
import type { CliCommand, CliIo } from './command.js';
import { callGateway, gatewayUrlOf } from './gateway-call.js';
import { eraseLines, outcomeOf, stepTable, updateLine } from './runs-watch-view.js';

/**
 * `ledgerflow runs start` and `ledgerflow runs watch`: start a run and follow a run live over the gateway's
 * Server-Sent Events (`GET /v1/runs/{id}/stream`, docs/api.md "Live updates"). The gateway is `LEDGERFLOW_URL`
 * (default `http://127.0.0.1:8080`), the bearer token `LEDGERFLOW_TOKEN` (`ledgerflow token` prints one).
 * Exit codes of a watch: 0 the run completed, 1 it failed or was cancelled (or the gateway refused), 2 usage errors.
 */

/** Milliseconds between two redraws of the table on a terminal (the last state is always drawn). */
const REDRAW_MS = 100;

const START_USAGE = 'runs start <workflowId> [--input file.json] [--idempotency-key k] [--watch] [--plain]';
const WATCH_USAGE = 'runs watch <runId> [--until <EventType>] [--plain]';

/** `runs start` arguments, parsed. */
export interface StartArgs {
  readonly workflowId: string;
  readonly inputFile?: string;
  readonly idempotencyKey?: string;
  readonly watch: boolean;
  readonly plain: boolean;
}

/** `runs start`'s parsed command line, checked. @throws UsageError for an empty `--idempotency-key`. */
function startArgsOf(args: ParsedArgs): StartArgs {
  const workflowId = args.positional[0] as string;
  const inputFile = stringOption(args, 'input');
  const idempotencyKey = stringOption(args, 'idempotency-key');
  if (idempotencyKey === '') throw new UsageError('--idempotency-key must not be empty');
  return {
    workflowId,
    ...(inputFile === undefined ? {} : { inputFile }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    watch: args.options.has('watch'),
    plain: args.options.has('plain'),
  };
}

/** `runs watch`'s parsed command line, checked. @throws UsageError for an `--until` that is not an event type. */
function watchArgsOf(args: ParsedArgs): { runId: string; plain: boolean; until?: string } {
  const until = stringOption(args, 'until');
  if (until !== undefined && !/^[A-Z][A-Za-z]{1,63}$/.test(until))
    throw new UsageError(`--until must be an event type such as GateOpened, got ${until}`);
  return {
    runId: args.positional[0] as string,
    plain: args.options.has('plain'),
    ...(until === undefined ? {} : { until }),
  };
}

async function readInput(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the input ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
}

function tokenOf(io: CliIo): string {
  const token = io.env.LEDGERFLOW_TOKEN;
  if (!token)
    throw new UsageError(
      'LEDGERFLOW_TOKEN is not set: export your bearer token (a JWT; `ledgerflow token` prints a development one)',
    );
  return token;
}

/**
 * Follows run `runId` until it ends: on a terminal (`tty`), its step table redrawn in place as updates arrive; else
 * one line per update. Then the final table and the outcome. Returns the exit code (0 completed, 1 otherwise).
 * With `until` (an event type, e.g. `GateOpened`) it stops at the first such event of the run, earlier ones
 * included, with exit 0 (1 when the run ends without one): a script waits for a gate this way.
 */
export async function watchRun(
  io: CliIo,
  runId: string,
  options: { token: string; tty: boolean; until?: string },
): Promise<number> {
  const client = new LedgerflowClient({ baseUrl: gatewayUrlOf(io.env), token: options.token });
  let drawn = 0;
  let drawnAt = 0;
  const draw = (run: RunView) => {
    const lines = stepTable(run);
    io.out(`${eraseLines(drawn)}${lines.join('\n')}\n`);
    drawn = lines.length;
    drawnAt = Date.now();
  };
  try {
    if (options.tty) draw(await client.getRun(runId));
    for await (const update of client.watchRun(runId)) {
      if (!options.tty) io.out(`${updateLine(update)}\n`);
      else if (Date.now() - drawnAt >= REDRAW_MS) draw(await client.getRun(runId));
      if (update.type === options.until) {
        if (options.tty) draw(await client.getRun(runId));
        io.out(`${options.until} (run ${runId}, position ${update.position})\n`);
        return 0;
      }
    }
    const run = await client.getRun(runId);
    if (!options.tty) drawn = 0;
    draw(run);
    const outcome = outcomeOf(run);
    io.out(`${outcome.line}\n`);
    if (options.until !== undefined) {
      io.err(`error: the run ended without ${options.until}\n`);
      return 1;
    }
    return outcome.code;
  } catch (error) {
    if (!(error instanceof LedgerflowError)) throw error;
    const status = error.details?.status;
    const hint = status === 401 ? ' (set LEDGERFLOW_TOKEN to your bearer token)' : '';
    io.err(`error: ${status === undefined ? '' : `HTTP ${String(status)} `}${error.code}: ${error.message}${hint}\n`);
    return 1;
  }
}

const isTerminal = (plain: boolean) => !plain && process.stdout.isTTY === true;

const PLAIN = {
  flags: '--plain',
  description: 'one line per update, no redrawn table (the default when stdout is not a terminal)',
};

const startCommand: CliCommand = {
  path: ['runs', 'start'],
  usage: START_USAGE,
  summary: 'Start a run of a workflow (input from a JSON file); --watch follows it to its end',
  arguments: [{ name: '<workflowId>', description: 'the workflow (its latest version)' }],
  options: [
    {
      flags: '--input <file.json>',
      description: "the run's input, a JSON file checked against the inputSchema (default {})",
    },
    {
      flags: '--idempotency-key <key>',
      description: 'the same key again returns the run it started instead of a new one',
    },
    { flags: '--watch', description: 'follow the run to its end, as runs watch' },
    PLAIN,
  ],
  details:
    'POST /v1/workflows/{id}/runs with LEDGERFLOW_TOKEN (scope runs:start). Prints `run <runId> started`.\n' +
    'Exit codes: 0 started (with --watch: completed), 1 the gateway refused or could not be reached (with --watch: the run failed or was cancelled), 2 usage errors.',
  async run(args, io) {
    const parsed = startArgsOf(args);
    const token = tokenOf(io);
    const input = parsed.inputFile === undefined ? {} : await readInput(parsed.inputFile);
    const body = parsed.idempotencyKey === undefined ? { input } : { input, idempotencyKey: parsed.idempotencyKey };
    const started = await callGateway(
      io,
      'POST',
      `/v1/workflows/${encodeURIComponent(parsed.workflowId)}/runs`,
      body,
      token,
    );
    if (!started.ok) return 1;
    const { runId, created } = started.value as { runId: string; created?: boolean };
    io.out(`run ${runId} ${created === false ? 'was already started with this idempotency key' : 'started'}\n`);
    return parsed.watch ? watchRun(io, runId, { token, tty: isTerminal(parsed.plain) }) : 0;
  },
};

const watchCommand: CliCommand = {
  path: ['runs', 'watch'],
  usage: WATCH_USAGE,
  summary:
    "Follow a run live: its steps' status, attempt and duration, then the outcome (exit 0 completed, 1 failed/cancelled)",
  arguments: [{ name: '<runId>', description: 'the run' }],
  options: [
    { flags: '--until <EventType>', description: 'stop at the first event of this type (e.g. GateOpened), exit 0' },
    PLAIN,
  ],
  details:
    'GET /v1/runs/{id}/stream with LEDGERFLOW_TOKEN (scope runs:read).\n' +
    'Exit codes: 0 the run completed (or --until was reached), 1 it failed or was cancelled (or the gateway refused), 2 usage errors.',
  async run(args, io) {
    const { runId, plain, until } = watchArgsOf(args);
    return watchRun(io, runId, {
      token: tokenOf(io),
      tty: isTerminal(plain),
      ...(until === undefined ? {} : { until }),
    });
  },
};

/** `runs start`'s arguments (after `runs start`) parsed and checked. @throws UsageError */
export const parseStartArgs = (args: readonly string[]): StartArgs => startArgsOf(parseCommandLine(startCommand, args));

/** `runs watch`'s arguments (after `runs watch`) parsed and checked. @throws UsageError */
export const parseWatchArgs = (args: readonly string[]): ReturnType<typeof watchArgsOf> =>
  watchArgsOf(parseCommandLine(watchCommand, args));

/** `runs start` and `runs watch`, for `runCli`. */
export const runsWatchCommands: CliCommand[] = [startCommand, watchCommand];
