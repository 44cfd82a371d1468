import { Command, Option } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { sessionListText, sessionText } from '../human.js';
import { positiveInt } from '../parse.js';
import { withExamples } from '../help.js';

export function sessionCommand(): Command {
  const session = withExamples(new Command('session').description('create and inspect sessions'), 'agentctl session create --title "fix the build"');
  const create = session
    .command('create')
    .description('create a session (one conversation with one agent)')
    .option('--title <title>', 'a name for people')
    .option('--provider <name>', 'codex, claude or command (default: the daemon\'s --default-provider)')
    .option('--cwd <dir>', 'working directory of the agent (default: the daemon\'s)')
    .addOption(new Option('--approval-policy <policy>', "what asks before it runs (default: the daemon's --approval-policy)").choices(['default', 'ask', 'auto', 'deny']))
    .option('--approval-allow <rule>', 'a command prefix or tool name that never asks, repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--idempotency-key <key>', 'retry-safe creation')
    .action(async (opts: { title?: string; provider?: string; cwd?: string; approvalPolicy?: string; approvalAllow?: string[]; idempotencyKey?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = await client.createSession({
        ...(opts.title !== undefined && { title: opts.title }),
        ...(opts.provider !== undefined && { provider: opts.provider }),
        ...(opts.cwd !== undefined && { cwd: opts.cwd }),
        ...(opts.approvalPolicy !== undefined && { approval_policy: opts.approvalPolicy }),
        ...(opts.approvalAllow !== undefined && { approval_allow: opts.approvalAllow }),
        ...(opts.idempotencyKey !== undefined && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, sessionText);
    });
  withExamples(create, 'S=$(agentctl --field session.id session create --provider claude --cwd ~/src/app)');
  const list = session
    .command('list')
    .description('your sessions, newest first')
    .option('--limit <n>', 'page size', positiveInt, 50)
    .option('--cursor <cursor>', 'continue after this page')
    .action(async (opts: { limit: number; cursor?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      emit(await client.listSessions({ limit: opts.limit, ...(opts.cursor && { cursor: opts.cursor }) }), out, sessionListText);
    });
  withExamples(list, 'agentctl session list --limit 10');
  const get = session
    .command('get')
    .description('one session')
    .requiredOption('--session-id <id>', 'the session')
    .action(async (opts: { sessionId: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      emit(await client.getSession(opts.sessionId), out, sessionText);
    });
  withExamples(get, 'agentctl --field session.thread_ids session get --session-id ses_…');
  return session;
}
