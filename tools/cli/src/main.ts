#!/usr/bin/env node
/** `ledgerflow`: the command line of Ledgerflow (start, status, stop on one machine; workflows, runs, gates, policies, audit, service accounts, NATS credentials), parsed by commander (cli.ts). */
import { runCli } from './cli.js';
import { allCommands } from './commands.js';

const code = await runCli(allCommands(), process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
});
process.exit(code);
