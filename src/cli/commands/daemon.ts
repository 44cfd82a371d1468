import { Command } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { daemonStatusText } from '../human.js';

export function daemonCommand(): Command {
  const daemon = new Command('daemon').description('the daemon itself');
  daemon
    .command('status')
    .description('worker pool, queue counts and daemon facts')
    .action(async (_opts, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      emit(await client.daemonStatus(), out, daemonStatusText);
    });
  return daemon;
}
