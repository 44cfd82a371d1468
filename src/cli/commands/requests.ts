import { Command, Option } from 'commander';
import { contextOf } from '../context.js';
import { emit, keyValues } from '../output.js';
import { positiveInt } from '../parse.js';
import type { EscalationRequest } from '../../protocol/schemas.js';
import type { AnyRequest, ApprovalRequest } from '../../protocol/approvals.js';
import { withExamples } from '../help.js';

const STATES = ['open', 'answered', 'noted', 'expired', 'cancelled'];

/** One line per request: id, state, kind, where it comes from, what it says. */
const line = (r: AnyRequest) => {
  const from = r.kind === 'approval' ? r.session_id : (r as EscalationRequest).child_session_id;
  const outcome = r.kind === 'approval' && r.decision ? ` → ${r.decision}` : '';
  return `${r.id}  ${r.state.padEnd(9)}  ${r.kind.padEnd(18)}  from ${from}  ${r.text.replace(/\s+/g, ' ').slice(0, 100)}${outcome}`;
};

const settledText = ({ request: r }: { request: ApprovalRequest }) =>
  `${r.id} ${r.state}${r.decision ? ` (${r.decision})` : ''}: ${r.text}${r.message ? `\n${r.message}` : ''}`;

export function requestsCommand(): Command {
  const requests = withExamples(
    new Command('requests').description('approvals and escalations: list, inspect, answer'),
    'agentctl requests list --state open',
    'agentctl requests approve req_…',
  );
  const list = requests
    .command('list')
    .description('without --session-id: every request you may answer, across sessions; with it: those addressed to that session')
    .option('--session-id <id>', 'only requests addressed to this (parent) session')
    .addOption(new Option('--state <state>', 'only these').choices(STATES))
    .option('--limit <n>', 'page size (without --session-id)', positiveInt, 100)
    .option('--cursor <id>', 'continue after this request (without --session-id)')
    .action(async (opts: { sessionId?: string; state?: string; limit: number; cursor?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = opts.sessionId
        ? await client.listRequests(opts.sessionId, opts.state)
        : await client.inbox({ limit: opts.limit, ...(opts.state && { state: opts.state }), ...(opts.cursor && { cursor: opts.cursor }) });
      emit(result, out, ({ requests: list, next_cursor }: { requests: AnyRequest[]; next_cursor?: string | null }) => {
        const lines = list.map(line);
        if (lines.length === 0) lines.push('no requests');
        if (next_cursor) lines.push(`(more: --cursor ${next_cursor})`);
        return lines.join('\n');
      });
    });
  withExamples(list, 'agentctl requests list --state open', 'agentctl requests list --session-id ses_… --state open');
  const get = requests
    .command('get')
    .description('one request, whole')
    .argument('<request-id>', 'the request')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      emit(await client.getRequest(id), out, ({ request }: { request: AnyRequest }) => keyValues(request));
    });
  withExamples(get, 'agentctl --field request.text requests get req_…');
  const approve = requests
    .command('approve')
    .description('approve an approval request: the agent goes ahead')
    .argument('<request-id>', 'the request')
    .option('--for-session', 'also approve the same command prefix, tool or files for the rest of the session')
    .option('--message <text>', 'told to the agent with the approval')
    .option('--idempotency-key <key>', 'retry-safe: the same key answers once')
    .action(async (id: string, opts: { forSession?: boolean; message?: string; idempotencyKey?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = await client.approveRequest(id, {
        ...(opts.forSession && { for_session: true }),
        ...(opts.message !== undefined && { message: opts.message }),
        ...(opts.idempotencyKey && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, settledText);
    });
  withExamples(approve, 'agentctl requests approve req_…', 'agentctl requests approve req_… --for-session');
  const deny = requests
    .command('deny')
    .description('deny an approval request: the agent is told no, with your message')
    .argument('<request-id>', 'the request')
    .option('--message <text>', 'why, told to the agent')
    .option('--idempotency-key <key>', 'retry-safe: the same key answers once')
    .action(async (id: string, opts: { message?: string; idempotencyKey?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = await client.denyRequest(id, {
        ...(opts.message !== undefined && { message: opts.message }),
        ...(opts.idempotencyKey && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, settledText);
    });
  withExamples(deny, 'agentctl requests deny req_… --message "Use the test database, not production."');
  const respond = requests
    .command('respond')
    .description("answer an escalation: the text becomes the child's next turn")
    .requiredOption('--request-id <id>', 'the request')
    .requiredOption('--text <text>', 'the answer')
    .option('--idempotency-key <key>', 'retry-safe: the same key answers once')
    .action(async (opts: { requestId: string; text: string; idempotencyKey?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = await client.respondToRequest(opts.requestId, {
        text: opts.text,
        ...(opts.idempotencyKey && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, (r: { request: EscalationRequest; run: { id: string } }) => `${line(r.request)}\nrun ${r.run.id} queued in ${r.request.child_session_id}`);
    });
  withExamples(respond, 'agentctl requests respond --request-id req_… --text "Approved: clean ./tmp-cache only"');
  return requests;
}
