/**
 * The lines agentd writes to claude's stdin in `--input-format stream-json` mode: the prompt as a user
 * message, answers to its control requests, and the interrupt request. Shapes as claude 2.1.331
 * reads them (see DESIGN.md, "Approval prompts from the real CLIs").
 */
import type { ApprovalDecision } from '../conversation.js';

/** What claude is told when a person denied without saying why. */
export const DEFAULT_DENY_MESSAGE = 'The user denied this action.';
/** What claude is told when its run was stopped while it waited. */
export const DEFAULT_CANCEL_MESSAGE = 'The run was cancelled.';

export function userMessage(text: string): string {
  return JSON.stringify({
    type: 'user',
    message: { role: 'user', content: [{ type: 'text', text }] },
    parent_tool_use_id: null,
    session_id: '',
  });
}

/**
 * The answer to a `can_use_tool` request. Allowing hands the tool input back unchanged (claude
 * requires it, and nobody edited it). A session grant is the gateway's to remember, so claude gets a
 * plain allow, not a permission rule of its own. `cancel` denies and interrupts the turn.
 */
export function permissionResponse(requestId: string, decision: ApprovalDecision, input: unknown): string {
  let response: Record<string, unknown>;
  switch (decision.decision) {
    case 'approve':
    case 'approve_for_session':
      response = { behavior: 'allow', updatedInput: input ?? {} };
      break;
    case 'deny':
      response = { behavior: 'deny', message: decision.message || DEFAULT_DENY_MESSAGE };
      break;
    case 'cancel':
      response = { behavior: 'deny', message: decision.message || DEFAULT_CANCEL_MESSAGE, interrupt: true };
      break;
  }
  return JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: requestId, response } });
}

/** Refuses a control request agentd does not serve, so claude does not wait for it. */
export function controlError(requestId: string, error: string): string {
  return JSON.stringify({ type: 'control_response', response: { subtype: 'error', request_id: requestId, error } });
}

/** Asks claude to end its turn: it cancels any pending permission prompt and prints its result. */
export function interruptRequest(requestId: string): string {
  return JSON.stringify({ type: 'control_request', request_id: requestId, request: { subtype: 'interrupt' } });
}
