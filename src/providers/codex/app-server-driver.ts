/**
 * One codex turn over `codex app-server` (JSON-RPC on stdio), as a TurnDriver:
 *
 *   initialize → initialized → thread/start {cwd, approvalPolicy, sandbox}  (or thread/resume)
 *   → turn/start {threadId, input} → items, deltas, approvals … → turn/completed → close stdin
 *
 * app-server exits by itself once its stdin closes, so a turn is one process as with `codex exec`.
 * Items become `run.item` events in exec's shapes (app-server-items.ts); approval prompts become
 * `io.askApproval` and the decision goes back as codex's. Handshake failures (an unknown thread id,
 * a refused setting) end the turn with the server's message.
 */
import type { NewEvent } from '../../protocol/events.js';
import type { ApprovalAsk, ApprovalDecision, TurnDriver, TurnIO } from '../conversation.js';
import { describeExit, type ExitInfo, type LineResult, type TurnOutcome } from '../provider.js';
import { commandAsk, commandDecision, denialNote, fileChangeAsk, fileChangeDecision } from './app-server-approvals.js';
import { addUsage, planItem, toRunItem, type TurnUsage } from './app-server-items.js';
import { JsonRpcPeer, METHOD_NOT_FOUND, type Incoming, type RequestId } from './json-rpc.js';
import type { ClientRequest } from './protocol/ClientRequest.js';
import type { ServerNotification } from './protocol/ServerNotification.js';
import type { ServerRequest } from './protocol/ServerRequest.js';
import type { AskForApproval } from './protocol/v2/AskForApproval.js';
import type { FileUpdateChange } from './protocol/v2/FileUpdateChange.js';
import type { SandboxMode } from './protocol/v2/SandboxMode.js';
import type { ThreadStartResponse } from './protocol/v2/ThreadStartResponse.js';
import type { Turn } from './protocol/v2/Turn.js';
import type { TurnStartResponse } from './protocol/v2/TurnStartResponse.js';

/** How codex is asked to behave for a thread: its own approval policy and sandbox. */
export interface CodexThreadSettings {
  approvalPolicy: AskForApproval;
  sandbox: SandboxMode;
}

export interface CodexTurnOptions {
  prompt: string;
  cwd: string;
  /** A thread from an earlier turn (from `codex exec` or app-server alike) to resume. */
  threadId: string | null;
  settings: CodexThreadSettings;
  /** Sent as `clientInfo` (codex shows it as the originator of the thread). */
  clientVersion: string;
}

type ClientMethod = ClientRequest['method'];
type ParamsOf<M extends ClientMethod> = Extract<ClientRequest, { method: M }>['params'];

/** Notifications this driver never reads; opting out keeps them (some are large) off the pipe. */
const IGNORED_NOTIFICATIONS = [
  'thread/started',
  'thread/status/changed',
  'account/rateLimits/updated',
  'remoteControl/status/changed',
  'mcpServer/startupStatus/updated',
  'turn/diff/updated',
];

export class CodexAppServerDriver implements TurnDriver {
  // Nothing is written once the turn is over and stdin closed (TurnDriver's invariant).
  private readonly peer = new JsonRpcPeer((line) => {
    if (!this.closed) this.io?.send(line);
  });
  private io: TurnIO | null = null;
  private threadId: string | null;
  private turnId: string | null = null;
  private turnStartId: RequestId | null = null;
  private turn: Turn | null = null;
  /** Set once the turn ended (or could not start) and stdin was closed: nothing more is written. */
  private closed = false;
  private interruptWanted = false;
  private failure: string | null = null;
  private finalText: string | null = null;
  private usage: TurnUsage | null = null;
  /** The model the thread runs with (thread/start and thread/resume say): it prices the tokens. */
  private model: string | null = null;
  private warnings = 0;
  /** File changes by item id: an `item/fileChange/requestApproval` names only the item. */
  private readonly fileChanges = new Map<string, FileUpdateChange[]>();
  /** Approval requests codex still waits on; `serverRequest/resolved` or the turn's end removes them. */
  private readonly openApprovals = new Set<RequestId>();

  constructor(private readonly opts: CodexTurnOptions) {
    this.threadId = opts.threadId;
  }

  start(io: TurnIO): void {
    this.io = io;
    this.call('initialize', {
      clientInfo: { name: 'agentd', title: 'agentd', version: this.opts.clientVersion },
      capabilities: { experimentalApi: false, requestAttestation: false, optOutNotificationMethods: IGNORED_NOTIFICATIONS },
    });
  }

  onLine(line: string): LineResult {
    const msg = this.peer.read(line);
    if (!msg) return {};
    switch (msg.kind) {
      case 'response':
        return this.onResponse(msg.method, msg.result);
      case 'error':
        return this.onError(msg);
      case 'notification':
        return this.onNotification(msg as unknown as ServerNotification);
      case 'request':
        this.onServerRequest(msg as unknown as ServerRequest);
        return {};
    }
  }

  interrupt(): boolean {
    if (this.closed) return false;
    this.interruptWanted = true;
    if (this.threadId && this.turnId) this.call('turn/interrupt', { threadId: this.threadId, turnId: this.turnId });
    // Still in the handshake: there is no turn to interrupt, and app-server exits once stdin closes.
    else if (this.turnStartId === null) this.close();
    // Otherwise turn/start is in flight; its answer brings the turn id, and the interrupt goes then.
    return true;
  }

  finish(exit: ExitInfo): TurnOutcome {
    this.closed = true;
    const base = { finalText: this.finalText, usage: this.usage as Record<string, unknown> | null, costUsd: null, model: this.model };
    const turn = this.turn;
    if (this.failure) return { ...base, status: 'failed', error: withStderr(this.failure, exit) };
    if (turn?.status === 'completed') return { ...base, status: 'completed', error: null };
    if (turn?.status === 'interrupted') return { ...base, status: 'failed', error: 'codex turn was interrupted' };
    if (turn) return { ...base, status: 'failed', error: withStderr(turn.error?.message ?? `codex turn ended ${turn.status}`, exit) };
    return { ...base, status: 'failed', error: exit.code === 0 && !exit.spawnError ? 'codex app-server exited before the turn completed' : describeExit(exit) };
  }

  private call<M extends ClientMethod>(method: M, params: ParamsOf<M>): RequestId {
    return this.peer.request(method, params);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.openApprovals.clear();
    this.io?.endInput();
  }

  private onResponse(method: string, result: unknown): LineResult {
    if (this.closed) return {};
    switch (method) {
      case 'initialize': {
        this.peer.notify('initialized');
        const { approvalPolicy, sandbox } = this.opts.settings;
        if (this.threadId) {
          // The thread keeps whatever policy it ran with before (`codex exec` stores "never");
          // this turn's settings are the daemon's, so they are passed again.
          this.call('thread/resume', { threadId: this.threadId, cwd: this.opts.cwd, approvalPolicy, sandbox, excludeTurns: true });
        } else {
          this.call('thread/start', { cwd: this.opts.cwd, approvalPolicy, sandbox });
        }
        return {};
      }
      case 'thread/start':
      case 'thread/resume': {
        const threadId = (result as ThreadStartResponse).thread.id;
        this.threadId = threadId;
        this.model = (result as ThreadStartResponse).model ?? null;
        this.turnStartId = this.call('turn/start', { threadId, input: [{ type: 'text', text: this.opts.prompt, text_elements: [] }] });
        return { threadId };
      }
      case 'turn/start':
        this.turnStarted((result as TurnStartResponse).turn.id);
        return {};
      default:
        return {};
    }
  }

  private turnStarted(turnId: string): void {
    if (this.turnId) return;
    this.turnId = turnId;
    if (this.interruptWanted) this.call('turn/interrupt', { threadId: this.threadId!, turnId });
  }

  private onError(msg: Extract<Incoming, { kind: 'error' }>): LineResult {
    // An interrupt or steer that came too late (the turn just ended) changes nothing.
    if (msg.method === 'turn/interrupt' || msg.method === 'turn/steer') return {};
    this.failure = `codex app-server refused ${msg.method}: ${msg.error.message}`;
    this.close();
    return { events: [providerError({ method: msg.method, error: msg.error })] };
  }

  private onNotification(n: ServerNotification): LineResult {
    switch (n.method) {
      case 'turn/started':
        this.turnStarted(n.params.turn.id);
        return {};
      case 'item/started':
      case 'item/completed': {
        const { item } = n.params;
        if (item.type === 'fileChange') this.fileChanges.set(item.id, item.changes);
        // The answer is our thread's; a sub-agent codex may start reports on threads of its own.
        if (n.method === 'item/completed' && item.type === 'agentMessage' && n.params.threadId === this.threadId) this.finalText = item.text;
        const runItem = toRunItem(item);
        if (!runItem) return {};
        return { events: [{ type: 'run.item', data: { phase: n.method === 'item/started' ? 'started' : 'completed', item: runItem } }] };
      }
      case 'item/agentMessage/delta':
        // Only the text to append: the completed item carries the whole message.
        return { events: [{ type: 'run.item', data: { phase: 'delta', item: { id: n.params.itemId, type: 'agent_message', delta: n.params.delta } } }] };
      case 'turn/plan/updated':
        return { events: [{ type: 'run.item', data: { phase: 'updated', item: planItem(n.params.turnId, n.params.plan) } }] };
      case 'thread/tokenUsage/updated':
        if (n.params.turnId === this.turnId) this.usage = addUsage(this.usage, n.params.tokenUsage.last);
        return {};
      case 'warning':
        // exec prints these (e.g. "Model metadata … not found") as `error` items; the turn goes on.
        return { events: [{ type: 'run.item', data: { phase: 'completed', item: { id: `warning_${++this.warnings}`, type: 'error', message: n.params.message } } }] };
      case 'error':
        if (n.params.willRetry) return {};
        this.failure ??= n.params.error.message;
        return { events: [providerError(n.params)] };
      case 'serverRequest/resolved':
        this.openApprovals.delete(n.params.requestId);
        return {};
      case 'turn/completed':
        if (this.turnId && n.params.turn.id !== this.turnId) return {};
        this.turn = n.params.turn;
        this.close();
        return {};
      default:
        return {};
    }
  }

  private onServerRequest(req: ServerRequest): void {
    switch (req.method) {
      case 'item/commandExecution/requestApproval': {
        const ask = commandAsk(req.id, req.params);
        this.ask(req.id, req.params, ask, (answer) => ({ decision: commandDecision(answer) }));
        return;
      }
      case 'item/fileChange/requestApproval': {
        const ask = fileChangeAsk(req.id, req.params, this.fileChanges.get(req.params.itemId) ?? [], this.opts.cwd);
        this.ask(req.id, req.params, ask, (answer) => ({ decision: fileChangeDecision(answer) }));
        return;
      }
      default:
        // Questions for the user, MCP elicitations, dynamic tools: nothing here can answer them, and
        // an unanswered request would hold the turn forever. codex reports the refusal to the model.
        this.peer.respondError(req.id, { code: METHOD_NOT_FOUND, message: `agentd does not answer ${req.method}` });
    }
  }

  /** `from` is the turn that asks: ours, or a sub-agent's that codex started within it. */
  private ask(id: RequestId, from: { threadId: string; turnId: string }, ask: ApprovalAsk, toResult: (answer: ApprovalDecision) => unknown): void {
    if (!this.io || this.closed) return;
    this.openApprovals.add(id);
    void this.io.askApproval(ask).then((answer) => {
      // The turn may have ended meanwhile (interrupted, or codex resolved the request itself).
      if (this.closed || !this.openApprovals.delete(id)) return;
      if (answer.decision === 'deny' && answer.message) {
        this.call('turn/steer', {
          threadId: from.threadId,
          expectedTurnId: from.turnId,
          input: [{ type: 'text', text: denialNote(ask, answer.message), text_elements: [] }],
        });
      }
      this.peer.respond(id, toResult(answer));
    });
  }
}

function providerError(event: Record<string, unknown>): NewEvent {
  return { type: 'run.provider_error', data: { event } };
}

function withStderr(message: string, exit: ExitInfo): string {
  const tail = exit.stderrTail.trim();
  return tail && exit.code !== 0 ? `${message} (stderr: ${tail.slice(-1000)})` : message;
}
