import { Command } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { eventLine, eventsText } from '../human.js';
import { positiveInt } from '../parse.js';
import { withExamples } from '../help.js';
import type { AgentEvent } from '../../protocol/schemas.js';

export function eventsCommand(): Command {
  const events = withExamples(new Command('events').description("read a session's event log"), 'agentctl events tail --session-id ses_… --follow');
  const list = events
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
  withExamples(list, 'agentctl events list --session-id ses_… --limit 20', 'agentctl events list --session-id ses_… --cursor evt_…');
  const tail = events
    .command('tail')
    .description('print events as they come; --follow keeps the stream open across disconnects and restarts')
    .option('--session-id <id>', 'one session (default: every session you may see; needs --follow)')
    .option('--cursor <cursor>', 'start after this event (default: the beginning)')
    .option('--follow', 'stay connected and print new events as they happen')
    .action(async (opts: { sessionId?: string; cursor?: string; follow?: boolean }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const print = (event: AgentEvent) => process.stdout.write(`${out.format === 'json' ? JSON.stringify(event) : eventLine(event)}\n`);
      if (!opts.follow) {
        if (!opts.sessionId) cmd.error('error: --session-id is required without --follow');
        let cursor = opts.cursor;
        for (;;) {
          const page = await client.listEvents(opts.sessionId!, { limit: 1000, ...(cursor && { cursor }) });
          page.events.forEach(print);
          if (!page.has_more) return;
          cursor = page.next_cursor ?? cursor;
        }
      }
      // Loaded only here: plain commands stay as light as possible.
      const { followStream } = await import('../../client/stream-client.js');
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      process.once('SIGTERM', () => abort.abort());
      await followStream({
        url: client.baseUrl,
        token: client.token,
        sessionId: opts.sessionId,
        cursor: opts.cursor,
        signal: abort.signal,
        onEvent: print,
        onReconnect: (delay, cursor) => process.stderr.write(`agentctl: stream lost; reconnecting in ${delay} ms from ${cursor ?? 'the start'}\n`),
      });
    });
  withExamples(tail, 'agentctl events tail --session-id ses_… --follow', 'agentctl --format json events tail --follow   # every session you may see');
  return events;
}
