import { Command } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { eventsText } from '../human.js';
import { positiveInt } from '../parse.js';

export function eventsCommand(): Command {
  const events = new Command('events').description("read a session's event log");
  events
    .command('list')
    .description('a page of events after --cursor (from the start without it)')
    .requiredOption('--session-id <id>', 'the session')
    .option('--cursor <cursor>', 'only events after this one')
    .option('--limit <n>', 'page size', positiveInt, 100)
    .action(async (opts: { sessionId: string; cursor?: string; limit: number }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const page = await client.listEvents(opts.sessionId, { limit: opts.limit, ...(opts.cursor && { cursor: opts.cursor }) });
      emit(page, out, eventsText);
    });
  return events;
}
