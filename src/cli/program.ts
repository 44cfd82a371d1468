import { Command, Option } from 'commander';
import { daemonCommand } from './commands/daemon.js';
import { sessionCommand } from './commands/session.js';
import { messageCommand } from './commands/message.js';
import { eventsCommand } from './commands/events.js';
import { runCommand } from './commands/run.js';
import { toolCommand } from './commands/tool.js';
import { requestsCommand } from './commands/requests.js';
import { dbCommand } from './commands/db.js';
import { doctorCommand } from './commands/doctor.js';
import { completionCommand } from './commands/completion.js';
import { usageCommand } from './commands/usage.js';
import { webhooksCommand } from './commands/webhooks.js';
import { withExamples } from './help.js';

/** Command groups added by later features register here, so the program is built in one place. */
export function buildProgram(version: string, extra: Command[] = []): Command {
  const program = new Command('agentctl')
    .description('command-line client of agentd')
    .version(version)
    .option('--url <url>', 'agentd URL (AGENTCTL_URL, AGENTD_URL, default http://127.0.0.1:8765)')
    .option('--auth-token <token>', 'bearer token (AGENTCTL_AUTH_TOKEN, AGENTD_TOKEN)')
    .addOption(new Option('--format <format>', 'output format').choices(['human', 'json']).default('human'))
    .option('--field <path>', 'print one field of the response, e.g. session.id')
    .showHelpAfterError()
    .exitOverride();
  withExamples(program, 'agentctl daemon status', 'agentctl --format json run get --run-id run_…', 'agentctl --field run.final_text run get --run-id run_…');
  const commands = [daemonCommand(), sessionCommand(), messageCommand(), eventsCommand(), runCommand(), toolCommand(), requestsCommand(), usageCommand(), webhooksCommand(), dbCommand(), doctorCommand(), completionCommand()];
  for (const sub of [...commands, ...extra]) {
    program.addCommand(sub);
  }
  // Subcommands inherit the error handling: usage errors throw instead of exiting with 1.
  const inherit = (cmd: Command) => {
    cmd.exitOverride();
    cmd.showHelpAfterError();
    cmd.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}
