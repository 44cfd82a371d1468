/** `session diff`, `session worktree remove`, `session budget`: a session's worktree and spend (issue 17). */
import { Command } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { withExamples } from '../help.js';
import { limitOrDefault } from '../parse.js';
import type { SessionDiff } from '../../client/http-client.js';
import type { Session } from '../../protocol/schemas.js';

/** The session named by the positional id or --session-id. */
function sessionIdOf(id: string | undefined, opts: { sessionId?: string }, cmd: Command): string {
  const chosen = id ?? opts.sessionId;
  if (!chosen) cmd.error("error: name the session: agentctl session <command> ID (or --session-id ID)");
  if (id && opts.sessionId && id !== opts.sessionId) cmd.error('error: two different sessions named (argument and --session-id)');
  return chosen!;
}

function diffText(result: SessionDiff, stat: boolean): string {
  const d = result.diff;
  const summary = `${result.worktree.branch}: ${d.commits} commit(s) since ${d.base_commit.slice(0, 12)}${d.uncommitted ? ', plus uncommitted changes' : ''}; ${d.files.length} file(s), +${d.insertions} -${d.deletions}`;
  if (stat || d.files.length === 0) {
    const rows = d.files.map((f) => `${f.status} ${f.path}  ${f.insertions === null ? 'binary' : `+${f.insertions} -${f.deletions}`}`);
    return [...rows, summary].join('\n');
  }
  return d.patch + (d.truncated ? `\n… the patch is cut at 8 MiB (${summary}); see --stat for every file\n` : '');
}

export function addWorkspaceCommands(session: Command): void {
  const diff = session
    .command('diff')
    .description('what the session changed in its worktree against its base commit (commits and uncommitted changes, new files too)')
    .argument('[id]', 'the session')
    .option('--session-id <id>', 'the session (instead of the argument)')
    .option('--stat', 'only the changed files with their line counts')
    .action(async (id: string | undefined, opts: { sessionId?: string; stat?: boolean }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      emit(await client.diffSession(sessionIdOf(id, opts, cmd)), out, (r: SessionDiff) => diffText(r, opts.stat === true));
    });
  withExamples(diff, 'agentctl session diff ses_… | less', 'agentctl session diff ses_… --stat', 'agentctl --field diff.files session diff ses_…');

  const worktree = withExamples(new Command('worktree').description("the session's git worktree"), 'agentctl session worktree remove ses_…');
  const remove = worktree
    .command('remove')
    .description('remove the worktree (its branch stays); refused while a run is queued or running in it, and with uncommitted changes unless --force')
    .argument('[id]', 'the session')
    .option('--session-id <id>', 'the session (instead of the argument)')
    .option('--force', 'discard uncommitted changes')
    .action(async (id: string | undefined, opts: { sessionId?: string; force?: boolean }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = await client.removeWorktree(sessionIdOf(id, opts, cmd), opts.force === true);
      emit(result, out, ({ session: s }: { session: Session }) => `removed ${s.worktree?.path}; branch ${s.worktree?.branch} keeps what was committed`);
    });
  withExamples(remove, 'agentctl session worktree remove ses_…', 'agentctl session worktree remove ses_… --force   # discards uncommitted changes');
  session.addCommand(worktree);

  const budget = session
    .command('budget')
    .description("set the session's own spend limits (with its children); `default` falls back to the daemon's, 0 means none")
    .argument('[id]', 'the session')
    .option('--session-id <id>', 'the session (instead of the argument)')
    .option('--max-cost <usd>', 'USD, or default', limitOrDefault)
    .option('--max-tokens <n>', 'tokens, or default', limitOrDefault)
    .action(async (id: string | undefined, opts: { sessionId?: string; maxCost?: number | null; maxTokens?: number | null }, cmd: Command) => {
      const sessionId = sessionIdOf(id, opts, cmd);
      if (opts.maxCost === undefined && opts.maxTokens === undefined) cmd.error('error: give --max-cost, --max-tokens or both');
      if (opts.maxTokens != null && !Number.isInteger(opts.maxTokens)) cmd.error('error: --max-tokens must be a whole number');
      const { client, out } = contextOf(cmd);
      // A limit not given keeps its current value.
      const { session: current } = await client.getSession(sessionId);
      const result = await client.setSessionBudget(sessionId, {
        max_cost_usd: opts.maxCost === undefined ? current.max_cost_usd : opts.maxCost,
        max_tokens: opts.maxTokens === undefined ? current.max_tokens : opts.maxTokens,
      });
      emit(result, out, ({ session: s }: { session: Session }) =>
        `session ${s.id}: max cost ${s.max_cost_usd ?? 'daemon default'}, max tokens ${s.max_tokens ?? 'daemon default'}`);
    });
  withExamples(budget, 'agentctl session budget ses_… --max-cost 5', 'agentctl session budget ses_… --max-tokens default');
}
