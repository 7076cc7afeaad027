#!/usr/bin/env node
/** `ledgerflow`: the command line of Ledgerflow (start, status, stop on one machine; workflows, runs, gates, policies, audit, service accounts, NATS credentials), parsed by commander (cli.ts). */
import { auditCommands } from './audit.command.js';
import { runCli } from './cli.js';
import type { CliCommand } from './command.js';
import { gatesCommands } from './gates.command.js';
import { natsCredentialsCommand } from './nats-credentials.command.js';
import { policyTestCommand } from './policy-test.command.js';
import { policiesCommands } from './policies.command.js';
import { runsOperateCommands } from './runs-operate.command.js';
import { runsReplayCommands } from './runs-replay.command.js';
import { runsWatchCommands } from './runs-watch.command.js';
import { serviceAccountsCommands } from './service-accounts.command.js';
import { startCommand } from './start.command.js';
import { statusCommand } from './status.command.js';
import { stopCommand } from './stop.command.js';
import { tokenCommand } from './token.command.js';
import { triggersCommand } from './triggers.command.js';
import { workflowsCommands } from './workflows.command.js';

/** Every command, in the order `ledgerflow --help` lists them. */
const commands: CliCommand[] = [
  startCommand,
  statusCommand,
  stopCommand,
  tokenCommand,
  ...workflowsCommands,
  ...runsWatchCommands,
  ...runsReplayCommands,
  ...runsOperateCommands,
  ...gatesCommands,
  ...policiesCommands,
  policyTestCommand,
  ...auditCommands,
  triggersCommand,
  ...serviceAccountsCommands,
  natsCredentialsCommand,
];

const code = await runCli(commands, process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
});
process.exit(code);
