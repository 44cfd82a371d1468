import { Command, Option } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { messagesText } from '../human.js';
import type { Message, Run } from '../../protocol/schemas.js';

export function messageCommand(): Command {
  const message = new Command('message').description('talk to a session');
  message
    .command('send')
    .description('post a message; a user message queues a run of the session\'s agent')
    .requiredOption('--session-id <id>', 'the session')
    .requiredOption('--text <text>', 'the message')
    .addOption(new Option('--role <role>', 'who speaks').choices(['user', 'assistant', 'system']).default('user'))
    .option('--idempotency-key <key>', 'retry-safe: the same key replays the first answer')
    .action(async (opts: { sessionId: string; text: string; role: Message['role']; idempotencyKey?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = await client.sendMessage(opts.sessionId, {
        text: opts.text,
        role: opts.role,
        ...(opts.idempotencyKey !== undefined && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, (r: { message: Message; run: Run | null }) =>
        r.run ? `message ${r.message.id}\nrun     ${r.run.id} (${r.run.state})` : `message ${r.message.id}`,
      );
    });
  message
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
  return message;
}
