import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { sessionListText, sessionReportText, sessionText } from '../human.js';
import { nonNegativeNumber, positiveInt } from '../parse.js';
import { withExamples } from '../help.js';
import { addWorkspaceCommands } from './workspace.js';

function positiveIntOrZero(value: string): number {
  return value === '0' ? 0 : positiveInt(value);
}

export function sessionCommand(): Command {
  const session = withExamples(new Command('session').description('create and inspect sessions'), 'agentctl session create --title "fix the build"');
  const create = session
    .command('create')
    .description('create a session (one conversation with one agent)')
    .option('--title <title>', 'a name for people')
    .option('--provider <name>', 'codex, claude or command (default: the daemon\'s --default-provider)')
    .option('--cwd <dir>', 'working directory of the agent (default: the daemon\'s); with --worktree, the repository')
    .option('--worktree', 'work in a new git worktree of the repository, on a new branch from its HEAD')
    .option('--branch <name>', 'with --worktree: the new branch (default agentd/<session id>)')
    .option('--allow-dirty', 'with --worktree: go ahead although the repository has uncommitted changes (they stay behind)')
    .option('--max-cost <usd>', 'spend limit of this session with its children (default: the daemon\'s; 0: none)', nonNegativeNumber)
    .option('--max-tokens <n>', 'token limit of this session with its children (default: the daemon\'s; 0: none)', positiveIntOrZero)
    .addOption(new Option('--approval-policy <policy>', "what asks before it runs (default: the daemon's --approval-policy)").choices(['default', 'ask', 'auto', 'deny']))
    .option('--approval-allow <rule>', 'a command prefix or tool name that never asks, repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--idempotency-key <key>', 'retry-safe creation')
    .action(async (opts: { title?: string; provider?: string; cwd?: string; worktree?: boolean; branch?: string; allowDirty?: boolean; maxCost?: number; maxTokens?: number; approvalPolicy?: string; approvalAllow?: string[]; idempotencyKey?: string }, cmd: Command) => {
      if (!opts.worktree && (opts.branch !== undefined || opts.allowDirty)) cmd.error('error: --branch and --allow-dirty go with --worktree');
      const { client, out } = contextOf(cmd);
      const result = await client.createSession({
        ...(opts.title !== undefined && { title: opts.title }),
        ...(opts.provider !== undefined && { provider: opts.provider }),
        // The daemon resolves a relative directory against its own; the user means theirs.
        ...(opts.cwd !== undefined && { cwd: resolve(opts.cwd) }),
        ...(opts.worktree && { worktree: true }),
        ...(opts.branch !== undefined && { branch: opts.branch }),
        ...(opts.allowDirty && { allow_dirty: true }),
        ...(opts.maxCost !== undefined && { max_cost_usd: opts.maxCost }),
        ...(opts.maxTokens !== undefined && { max_tokens: opts.maxTokens }),
        ...(opts.approvalPolicy !== undefined && { approval_policy: opts.approvalPolicy }),
        ...(opts.approvalAllow !== undefined && { approval_allow: opts.approvalAllow }),
        ...(opts.idempotencyKey !== undefined && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, sessionText);
    });
  withExamples(
    create,
    'S=$(agentctl --field session.id session create --provider claude --cwd ~/src/app)',
    'agentctl session create --worktree --branch fix-login --cwd ~/src/app   # its own checkout and branch',
  );
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
      emit(await client.getSession(opts.sessionId), out, sessionReportText);
    });
  withExamples(get, 'agentctl --field session.thread_ids session get --session-id ses_…', 'agentctl --field usage.with_children.cost_usd session get --session-id ses_…');
  addWorkspaceCommands(session);
  return session;
}
