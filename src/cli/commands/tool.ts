import { Command, Option } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { nonNegativeNumber } from '../parse.js';
import { waitForRun } from '../wait.js';
import { withExamples } from '../help.js';

/** The run an agent runs as: agentd puts it in the agent's environment. */
const ownRunId = () => process.env.AGENTD_RUN_ID;
const json = (r: unknown) => JSON.stringify(r);
const REQUEST_KINDS = ['approval_request', 'permission_request', 'question', 'progress', 'result'];

/**
 * Commands an agent uses to delegate: they print JSON by default (agents parse it), and the run
 * ids default to the agent's own run (AGENTD_RUN_ID), the URL and token to AGENTD_URL/AGENTD_TOKEN.
 */
export function toolCommand(): Command {
  const tool = withExamples(
    new Command('tool').description('agent-to-agent: spawn, send, escalate, wait (JSON output)'),
    'agentctl tool session-spawn --task "Run the test suite and summarise failures"',
  );
  const spawn = tool
    .command('session-spawn')
    .description('spawn a child session under a run and queue its first run with the task')
    .option('--parent-run-id <id>', 'the parent run (default: AGENTD_RUN_ID)', ownRunId())
    .requiredOption('--task <text>', 'what the child should do')
    .option('--provider <name>', 'agent of the child (default: the parent\'s)')
    .option('--cwd <dir>', 'working directory of the child (default: the parent\'s)')
    .option('--title <title>', 'a name for people')
    .option('--worktree', 'give the child its own git worktree and branch (default: it shares the parent\'s directory)')
    .option('--branch <name>', 'with --worktree: the new branch (default agentd/<session id>)')
    .option('--allow-dirty', 'with --worktree: go ahead although the repository has uncommitted changes')
    .option('--idempotency-key <key>', 'retry-safe: the same key spawns once')
    .action(async (opts: { parentRunId?: string; task: string; provider?: string; cwd?: string; title?: string; worktree?: boolean; branch?: string; allowDirty?: boolean; idempotencyKey?: string }, cmd: Command) => {
      if (!opts.parentRunId) cmd.error("error: required option '--parent-run-id <id>' not specified (and AGENTD_RUN_ID is unset)");
      if (!opts.worktree && (opts.branch !== undefined || opts.allowDirty)) cmd.error('error: --branch and --allow-dirty go with --worktree');
      const { client, out } = contextOf(cmd);
      const result = await client.spawnFromRun(opts.parentRunId!, {
        task: opts.task,
        ...(opts.provider && { provider: opts.provider }),
        ...(opts.cwd && { cwd: opts.cwd }),
        ...(opts.title && { title: opts.title }),
        ...(opts.worktree && { worktree: true }),
        ...(opts.branch !== undefined && { branch: opts.branch }),
        ...(opts.allowDirty && { allow_dirty: true }),
        ...(opts.idempotencyKey && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, json);
    });
  withExamples(
    spawn,
    'agentctl --field run.id tool session-spawn --task "List the TODOs under src/"   # inside an agent run',
    'agentctl tool session-spawn --worktree --task "Try the other approach on a branch of your own"',
  );
  const send = tool
    .command('session-send')
    .description('send work (or an answer) to a session; queues its next run')
    .requiredOption('--session-id <id>', 'the (child) session')
    .requiredOption('--text <text>', 'the message')
    .option('--request-id <id>', 'answer this request only (default: every open request of the session)')
    .option('--idempotency-key <key>', 'retry-safe: the same key sends once')
    .action(async (opts: { sessionId: string; text: string; requestId?: string; idempotencyKey?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = await client.sendToSession(opts.sessionId, {
        text: opts.text,
        ...(opts.requestId && { request_id: opts.requestId }),
        ...(opts.idempotencyKey && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, json);
    });
  withExamples(send, 'agentctl tool session-send --session-id ses_… --text "Approved. Proceed."');
  const reply = tool
    .command('session-reply-parent')
    .description("escalate to the parent session: an approval or permission request, a question, progress, a result")
    .option('--run-id <id>', 'the child run (default: AGENTD_RUN_ID)', ownRunId())
    .requiredOption('--text <text>', 'what to tell or ask the parent')
    .addOption(new Option('--request-kind <kind>', 'what this is').choices(REQUEST_KINDS).makeOptionMandatory())
    .option('--idempotency-key <key>', 'retry-safe: the same key escalates once')
    .action(async (opts: { runId?: string; text: string; requestKind: string; idempotencyKey?: string }, cmd: Command) => {
      if (!opts.runId) cmd.error("error: required option '--run-id <id>' not specified (and AGENTD_RUN_ID is unset)");
      const { client, out } = contextOf(cmd);
      const result = await client.replyParent(opts.runId!, {
        text: opts.text,
        request_kind: opts.requestKind,
        ...(opts.idempotencyKey && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, json);
    });
  withExamples(reply, 'agentctl tool session-reply-parent --request-kind approval_request --text "Need approval to run: rm -rf ./tmp-cache"');
  const wait = tool
    .command('session-wait')
    .description('wait for a (child) run to end; exits 1 unless it completed')
    .requiredOption('--run-id <id>', 'the run to wait for')
    .option('--timeout-s <seconds>', 'give up after this long', nonNegativeNumber)
    .action(async (opts: { runId: string; timeoutS?: number }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = await waitForRun(client, opts.runId, opts.timeoutS);
      emit(result, out, json);
      if (result.run.state !== 'completed') process.exitCode = 1;
    });
  withExamples(wait, 'agentctl --field run.final_text tool session-wait --run-id run_…');
  return tool;
}
