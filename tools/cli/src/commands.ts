import { auditCommands } from './audit.command.js';
import { auditExportCommand } from './audit-export.command.js';
import { completionCommand } from './completion.command.js';
import { evalCommand } from './eval.command.js';
import { runsListCommand } from './runs-list.command.js';
import type { CliCommand } from './command.js';
import { gatesCommands } from './gates.command.js';
import { goalsRunCommand } from './goals.command.js';
import { workflowsInsightsCommand } from './insights.command.js';
import { workflowsLabelsCommand } from './labels.command.js';
import { natsCredentialsCommand } from './nats-credentials.command.js';
import { policyTestCommand } from './policy-test.command.js';
import { policiesCommands } from './policies.command.js';
import { recommendationsCommands } from './recommendations.command.js';
import { runsOperateCommands } from './runs-operate.command.js';
import { runsReplayCommands } from './runs-replay.command.js';
import { runsWatchCommands } from './runs-watch.command.js';
import { serviceAccountsCommands } from './service-accounts.command.js';
import { startCommand } from './start.command.js';
import { statusCommand } from './status.command.js';
import { stopCommand } from './stop.command.js';
import { tokenCommand } from './token.command.js';
import { toolsListCommand } from './tools.command.js';
import { triggersCommand } from './triggers.command.js';
import { workflowsCommands } from './workflows.command.js';
import { workflowsLocalCommands } from './workflows-validate.command.js';

/** Every command of `ledgerflow`, in the order `ledgerflow --help` lists them (completion included). */
export function allCommands(): CliCommand[] {
  const commands: CliCommand[] = [
    startCommand,
    statusCommand,
    stopCommand,
    tokenCommand,
    ...workflowsCommands,
    ...workflowsLocalCommands,
    workflowsInsightsCommand,
    workflowsLabelsCommand,
    ...recommendationsCommands,
    runsListCommand,
    ...runsWatchCommands,
    ...runsReplayCommands,
    ...runsOperateCommands,
    goalsRunCommand,
    toolsListCommand,
    ...gatesCommands,
    ...policiesCommands,
    policyTestCommand,
    auditExportCommand,
    ...auditCommands,
    triggersCommand,
    evalCommand,
    ...serviceAccountsCommands,
    natsCredentialsCommand,
  ];
  commands.push(completionCommand(() => commands));
  return commands;
}
