import type { ApprovalAsk, ApprovalDecisionKind, TurnDriver, TurnIO } from '../conversation.js';
import type { ExitInfo, LineResult, TurnOutcome } from '../provider.js';
import { parseJsonLine } from '../json-lines.js';
import { CommandParser } from './parse.js';

const ACTIONS = new Set(['command', 'file_change', 'tool']);
const DECISIONS = new Set<ApprovalDecisionKind>(['approve', 'approve_for_session', 'deny']);

/**
 * The `jsonl` protocol of the command provider (`--command-protocol jsonl`), so any script can ask
 * for approval. agentd writes JSON lines to the script's stdin and keeps it open for the turn:
 *   {"type":"prompt","text":…}                      first, once
 *   {"type":"approval","id":…,"decision":…,"message":…}   the answer to each ask
 *   {"type":"interrupt"}                            end your turn now (stdin then closes)
 * The script's stdout is read as in plain mode — each line a text item, the last the final text —
 * except a JSON line of type `approval_request`, which asks (see docs/api-contract.md).
 */
export class CommandConversationDriver implements TurnDriver {
  private readonly text = new CommandParser();
  private io: TurnIO | null = null;
  private finished = false;

  constructor(private readonly prompt: string) {}

  start(io: TurnIO): void {
    this.io = io;
    io.send(JSON.stringify({ type: 'prompt', text: this.prompt }));
  }

  onLine(line: string): LineResult {
    const ask = approvalRequest(line);
    if (!ask) return this.text.onLine(line);
    void this.io!.askApproval(ask).then((answer) => {
      if (this.finished) return;
      this.io!.send(JSON.stringify({ type: 'approval', id: ask.key, decision: answer.decision, message: answer.message }));
    });
    return {};
  }

  interrupt(): boolean {
    if (!this.io || this.finished) return false;
    this.io.send(JSON.stringify({ type: 'interrupt' }));
    this.io.endInput();
    return true;
  }

  finish(exit: ExitInfo): TurnOutcome {
    this.finished = true;
    return this.text.finish(exit);
  }
}

/** An `approval_request` line as an ask, or undefined for any other line (which is text). */
export function approvalRequest(line: string): ApprovalAsk | undefined {
  const value = parseJsonLine(line);
  if (value?.type !== 'approval_request') return undefined;
  const { id, action } = value;
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '' || !ACTIONS.has(action)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const offered = Array.isArray(value.decisions) ? value.decisions.filter((d: unknown): d is ApprovalDecisionKind => DECISIONS.has(d as ApprovalDecisionKind)) : [];
  const ask: ApprovalAsk = {
    key: String(id),
    action,
    command: str(value.command),
    cwd: str(value.cwd),
    tool: str(value.tool),
    reason: str(value.reason),
    // deny is always possible, whatever the script lists.
    decisions: offered.length ? [...new Set<ApprovalDecisionKind>([...offered, 'deny'])] : ['approve', 'approve_for_session', 'deny'],
  };
  if (value.input !== undefined) ask.input = value.input;
  if (Array.isArray(value.changes)) {
    ask.changes = value.changes
      .filter((c: any) => c && typeof c.path === 'string')
      .map((c: any) => ({ path: c.path, kind: typeof c.kind === 'string' ? c.kind : 'update', diff: str(c.diff) }));
  }
  return ask;
}
