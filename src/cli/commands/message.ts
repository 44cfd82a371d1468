import { Command, Option } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { messagesText } from '../human.js';
import { withExamples } from '../help.js';
import type { Message, Run } from '../../protocol/schemas.js';

export function messageCommand(): Command {
  const message = withExamples(
    new Command('message').description('talk to a session'),
    'agentctl message send --session-id ses_… --text "Run the tests and fix what fails" --follow',
  );
  const send = message
    .command('send')
    .description('post a message; a user message queues a run of the session\'s agent')
    .requiredOption('--session-id <id>', 'the session')
    .requiredOption('--text <text>', 'the message')
    .addOption(new Option('--role <role>', 'who speaks').choices(['user', 'assistant', 'system']).default('user'))
    .option('--idempotency-key <key>', 'retry-safe: the same key replays the first answer')
    .option('--follow', 'then print the run as it happens (agent text, commands with exit codes, requests); exit 0 if it completes, 1 if not')
    .action(async (opts: { sessionId: string; text: string; role: Message['role']; idempotencyKey?: string; follow?: boolean }, cmd: Command) => {
      const { client, out, term } = contextOf(cmd);
      const result = await client.sendMessage(opts.sessionId, {
        text: opts.text,
        role: opts.role,
        ...(opts.idempotencyKey !== undefined && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, (r: { message: Message; run: Run | null }) =>
        r.run ? `message ${r.message.id}\nrun     ${r.run.id} (${r.run.state})` : `message ${r.message.id}`,
      );
      if (!opts.follow) return;
      if (!result.run) {
        term.err.write(`agentctl: nothing to follow: only a user message starts a run\n`);
        return;
      }
      // Loaded only here: plain commands stay as light as possible.
      const { followToEnd } = await import('../live/follow.js');
      process.exitCode = await followToEnd(client, result.run, out, term);
    });
  const list = message
    .command('list')
    .description("every message of a session, oldest first (read page by page)")
    .requiredOption('--session-id <id>', 'the session')
    .option('--cursor <id>', 'only messages after this message id')
    .action(async (opts: { sessionId: string; cursor?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const messages: Message[] = [];
      let cursor = opts.cursor;
      for (;;) {
        const page = await client.listMessages(opts.sessionId, { limit: 1000, ...(cursor && { cursor }) });
        messages.push(...page.messages);
        if (!page.has_more) break;
        cursor = page.next_cursor ?? cursor;
      }
      emit({ messages }, out, messagesText);
    });
  withExamples(list, 'agentctl message list --session-id ses_…', 'agentctl --format json message list --session-id ses_… --cursor msg_…');
  withExamples(
    send,
    'agentctl message send --session-id ses_… --text "Summarise README.md" --follow',
    'agentctl --field run.id message send --session-id ses_… --text "hi" --idempotency-key req-42',
  );
  return message;
}
