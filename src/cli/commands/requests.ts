import { Command, Option } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import type { EscalationRequest } from '../../protocol/schemas.js';
import { withExamples } from '../help.js';

const line = (r: EscalationRequest) =>
  `${r.id}  ${r.state.padEnd(8)}  ${r.kind.padEnd(18)}  from ${r.child_session_id}  ${r.text.replace(/\s+/g, ' ').slice(0, 80)}`;

export function requestsCommand(): Command {
  const requests = withExamples(new Command('requests').description('escalations from child sessions'), 'agentctl requests list --session-id ses_… --state open');
  const list = requests
    .command('list')
    .description('requests addressed to a session')
    .requiredOption('--session-id <id>', 'the parent session')
    .addOption(new Option('--state <state>', 'only these').choices(['open', 'answered', 'noted']))
    .action(async (opts: { sessionId: string; state?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      emit(await client.listRequests(opts.sessionId, opts.state), out, ({ requests: list }: { requests: EscalationRequest[] }) =>
        list.length ? list.map(line).join('\n') : 'no requests');
    });
  withExamples(list, 'agentctl requests list --session-id ses_… --state open');
  const respond = requests
    .command('respond')
    .description("answer a request: the text becomes the child's next turn")
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
