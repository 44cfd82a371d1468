/**
 * The OpenAI Responses API (`POST /v1/responses`) as codex uses it: request parsing and SSE replies.
 *
 * codex reads `response.output_item.done` items and finishes the turn on `response.completed`; the
 * `added`/`delta` events are sent too so streaming consumers see a realistic sequence.
 */
import type { ServerResponse } from 'node:http';
import { findLast, isHarnessText, newId, sendJson, startSse, writeSse, type SsePayload } from './common.js';
import { SCRIPTED_USAGE, type ScriptedReply } from './types.js';

interface InputItem {
  type?: string;
  role?: string;
  content?: unknown;
  output?: unknown;
}

/** Text of a content value: a string or an array of `{type: input_text|output_text|text, text}` parts. */
function partsText(content: unknown, keep: (text: string) => boolean = () => true): string[] {
  if (typeof content === 'string') return keep(content) ? [content] : [];
  if (!Array.isArray(content)) return [];
  return content
    .map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : undefined))
    .filter((text): text is string => text !== undefined && keep(text));
}

export function describeOpenAiRequest(body: any): { userText: string; toolOutput?: string } {
  const input: InputItem[] = Array.isArray(body?.input) ? body.input : [];
  // codex sends the environment context as its own user message before the prompt; skip such messages.
  const userMessage = findLast(
    input,
    (item) => item.type === 'message' && item.role === 'user' && partsText(item.content, (t) => !isHarnessText(t)).length > 0,
  );
  const userText = userMessage ? partsText(userMessage.content, (t) => !isHarnessText(t)).join('\n') : '';
  // Only the *last* item counts: on resume, older tool outputs are just history.
  const last = input[input.length - 1];
  if (last?.type !== 'function_call_output') return { userText };
  const toolOutput = typeof last.output === 'string' ? last.output : partsText(last.output).join('\n');
  return { userText, toolOutput };
}

function usage() {
  return {
    input_tokens: SCRIPTED_USAGE.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: SCRIPTED_USAGE.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: SCRIPTED_USAGE.input + SCRIPTED_USAGE.output,
  };
}

/**
 * codex intercepts an `apply_patch` heredoc run through its shell tool and applies it as a patch
 * (an `item/fileChange/requestApproval` under app-server), whatever tools the model was offered.
 */
export function applyPatchCommand(path: string, content: string): string {
  const lines = content.replace(/\n$/, '').split('\n').map((l) => `+${l}`);
  return ["apply_patch <<'PATCH'", '*** Begin Patch', `*** Add File: ${path}`, ...lines, '*** End Patch', 'PATCH', ''].join('\n');
}

/** The output item for a reply, in its final (`done`) form. */
function outputItem(reply: Extract<ScriptedReply, { kind: 'text' | 'tool' | 'write' }>) {
  if (reply.kind === 'text') {
    return {
      type: 'message',
      id: newId('msg'),
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: reply.text, annotations: [] }],
    };
  }
  return {
    type: 'function_call',
    id: newId('fc'),
    call_id: newId('call'),
    name: 'exec_command',
    arguments: JSON.stringify({ cmd: reply.kind === 'tool' ? reply.command : applyPatchCommand(reply.path, reply.content) }),
    status: 'completed',
  };
}

export function sendOpenAiReply(res: ServerResponse, body: any, stream: boolean, reply: ScriptedReply): void {
  if (reply.kind === 'error' || reply.kind === 'tool_use') {
    const [status, message] = reply.kind === 'error' ? [reply.status, reply.message] : [400, `model-server: codex has no ${reply.name} tool to script`];
    sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null } });
    return;
  }
  const response = { id: newId('resp'), object: 'response', created_at: Math.floor(Date.now() / 1000), model: body?.model ?? 'test-model' };
  if (reply.kind === 'hang') {
    // Leave the request open; for a stream, first show that the "model" started working.
    if (stream) {
      startSse(res);
      writeSse(res, { type: 'response.created', response: { ...response, status: 'in_progress', output: [] } });
    }
    return;
  }
  const item = outputItem(reply);
  const completed = { ...response, status: 'completed', output: [item], usage: usage() };
  if (!stream) {
    sendJson(res, 200, completed);
    return;
  }
  let seq = 0;
  const send = (payload: SsePayload) => writeSse(res, { ...payload, sequence_number: seq++ });
  startSse(res);
  send({ type: 'response.created', response: { ...response, status: 'in_progress', output: [] } });
  if (reply.kind === 'text') {
    send({ type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    send({ type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: reply.text });
  } else {
    send({ type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } });
  }
  send({ type: 'response.output_item.done', output_index: 0, item });
  send({ type: 'response.completed', response: completed });
  res.end();
}
