import { Command } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { daemonStatusText } from '../human.js';
import { withExamples } from '../help.js';

export function daemonCommand(): Command {
  const daemon = withExamples(new Command('daemon').description('the daemon itself'), 'agentctl daemon status');
  const status = daemon
    .command('status')
    .description('worker pool, queue counts and daemon facts; warns when agentd and agentctl versions differ')
    .action(async (_opts, cmd: Command) => {
      const { client, out, term, version } = contextOf(cmd);
      const result = await client.daemonStatus();
      emit(result, out, daemonStatusText);
      // On stderr, so --format json and --field output stay parseable.
      if (result.version !== version) {
        term.err.write(`agentctl: warning: agentd is version ${result.version} but agentctl is ${version}; use the agentctl that came with this agentd, or upgrade both\n`);
      }
    });
  withExamples(status, 'agentctl daemon status', 'agentctl --field queue_counts.queued_count daemon status');
  return daemon;
}
