/**
 * One claude turn as a conversation: `claude -p --input-format stream-json --output-format
 * stream-json --verbose --permission-prompt-tool stdio`. The prompt goes in as a user message; each
 * `can_use_tool` control request becomes an approval and its decision goes back as a control
 * response; the `result` line ends stdin so the process exits. Items and the final result are read by
 * the one-way parser, so they keep its normalised shapes.
 */
import type { ApprovalDecision, TurnDriver, TurnIO } from '../conversation.js';
import { parseJsonLine } from '../json-lines.js';
import type { ExitInfo, LineResult, TurnOutcome } from '../provider.js';
import { ClaudeParser } from './parse.js';
import { approvalAskFor } from './permission-ask.js';
import { controlError, interruptRequest, permissionResponse, userMessage } from './stream-json.js';

export interface ClaudeTurnOptions {
  prompt: string;
  /** The session's directory (claude's cwd): the cwd of its commands, the base of relative paths. */
  cwd: string;
}

export class ClaudeTurnDriver implements TurnDriver {
  private readonly parser = new ClaudeParser();
  private io: TurnIO | null = null;
  /** stdin is open and the process still listens: false before start, after the result and after finish. */
  private writable = false;
  /**
   * Permission prompts claude still waits on. A decision is written only while its prompt is here:
   * claude withdraws a prompt (control_cancel_request) when its turn is interrupted, and an answer to a
   * withdrawn prompt would be an error on its side.
   */
  private readonly waiting = new Set<string>();
  private interruptSent = false;

  constructor(private readonly opts: ClaudeTurnOptions) {}

  start(io: TurnIO): void {
    this.io = io;
    this.writable = true;
    this.write(userMessage(this.opts.prompt));
  }

  onLine(line: string): LineResult {
    const message = parseJsonLine(line);
    if (!message) return {};
    switch (message.type) {
      case 'control_request':
        this.onControlRequest(message);
        return {};
      case 'control_cancel_request':
        if (typeof message.request_id === 'string') this.waiting.delete(message.request_id);
        return {};
      case 'control_response':
        // claude's acknowledgement of our interrupt; the result line that follows is what counts.
        return {};
      case 'result': {
        const result = this.parser.onEvent(message);
        // The turn is over: closing stdin is what makes stream-json mode exit instead of waiting for
        // another user message.
        this.endInput();
        return result;
      }
      default:
        return this.parser.onEvent(message);
    }
  }

  interrupt(): boolean {
    if (!this.writable) return false;
    this.interruptSent = true;
    this.write(interruptRequest('agentd_interrupt'));
    return true;
  }

  finish(exit: ExitInfo): TurnOutcome {
    this.writable = false;
    this.waiting.clear();
    const outcome = this.parser.finish(exit);
    if (this.interruptSent && outcome.status === 'failed') {
      return { ...outcome, error: 'claude ended its turn when asked to stop' };
    }
    return outcome;
  }

  private onControlRequest(message: Record<string, any>): void {
    const requestId = message.request_id;
    if (typeof requestId !== 'string') return;
    const request = message.request ?? {};
    if (request.subtype !== 'can_use_tool') {
      this.write(controlError(requestId, `agentd does not serve control requests of subtype ${JSON.stringify(request.subtype)}`));
      return;
    }
    if (this.waiting.has(requestId)) return;
    this.waiting.add(requestId);
    const answer = (decision: ApprovalDecision) => {
      if (!this.waiting.delete(requestId)) return;
      this.write(permissionResponse(requestId, decision, request.input));
    };
    this.io!.askApproval(approvalAskFor(requestId, request, this.opts.cwd)).then(answer, () =>
      // askApproval never rejects by contract; if it did, claude must not be left waiting, nor run the tool.
      answer({ decision: 'deny', message: 'agentd could not record this approval request' }),
    );
  }

  private write(line: string): void {
    if (this.writable) this.io!.send(line);
  }

  private endInput(): void {
    if (!this.writable) return;
    this.writable = false;
    this.io!.endInput();
  }
}
