/**
 * The Anthropic Messages API (`POST /v1/messages`) as claude uses it: request parsing, SSE and JSON
 * replies.
 */
import type { ServerResponse } from 'node:http';
import { findLast, isHarnessText, newId, sendJson, startSse, writeSse } from './common.js';
import { SCRIPTED_USAGE, type ScriptedReply } from './types.js';

interface Block {
  type?: string;
  text?: unknown;
  content?: unknown;
}
interface Message {
  role?: string;
  content?: string | Block[];
}

function blocks(message: Message | undefined): Block[] {
  if (!message) return [];
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : (message.content ?? []);
}

/** The human-authored text blocks of a message (claude adds `<system-reminder>` blocks beside them). */
function promptTexts(message: Message): string[] {
  return blocks(message)
    .filter((b): b is Block & { text: string } => b.type === 'text' && typeof b.text === 'string' && !isHarnessText(b.text))
    .map((b) => b.text);
}

/** A tool_result's content: a string or an array of text blocks. */
function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b: Block) => (typeof b?.text === 'string' ? b.text : '')).join('\n');
}

export function describeAnthropicRequest(body: any): { userText: string; toolOutput?: string } {
  const messages: Message[] = Array.isArray(body?.messages) ? body.messages : [];
  // The last user message may hold only tool results; the prompt is then in an earlier one.
  const prompt = findLast(messages, (m) => m.role === 'user' && promptTexts(m).length > 0);
  const userText = prompt ? promptTexts(prompt).join('\n') : '';
  // claude may append a role:"system" message after the user turn, so look at the last *user* message
  // (and make sure no assistant message follows it).
  const lastUserIndex = messages.map((m) => m.role).lastIndexOf('user');
  const answered = messages.slice(lastUserIndex + 1).some((m) => m.role === 'assistant');
  const results = answered ? [] : blocks(messages[lastUserIndex]).filter((b) => b.type === 'tool_result');
  if (results.length === 0) return { userText };
  return { userText, toolOutput: results.map((b) => toolResultText(b.content)).join('\n') };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

export function sendAnthropicError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } });
}

function contentBlock(reply: Extract<ScriptedReply, { kind: 'text' | 'tool' | 'write' | 'tool_use' }>) {
  if (reply.kind === 'text') return { type: 'text' as const, text: reply.text };
  if (reply.kind === 'tool_use') return { type: 'tool_use' as const, id: newId('toolu'), name: reply.name, input: reply.input };
  if (reply.kind === 'write') {
    return { type: 'tool_use' as const, id: newId('toolu'), name: 'Write', input: { file_path: reply.path, content: reply.content } };
  }
  return {
    type: 'tool_use' as const,
    id: newId('toolu'),
    name: 'Bash',
    input: { command: reply.command, description: `Run ${reply.command}` },
  };
}

export function sendAnthropicReply(res: ServerResponse, body: any, stream: boolean, reply: ScriptedReply): void {
  if (reply.kind === 'error') {
    sendAnthropicError(res, reply.status, reply.message);
    return;
  }
  const message = {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    model: body?.model ?? 'test-model',
    content: [] as unknown[],
    stop_reason: null as string | null,
    stop_sequence: null,
    usage: { input_tokens: SCRIPTED_USAGE.input, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
  if (reply.kind === 'hang') {
    if (stream) {
      startSse(res);
      writeSse(res, { type: 'message_start', message });
    }
    return;
  }
  const block = contentBlock(reply);
  const stopReason = block.type === 'tool_use' ? 'tool_use' : 'end_turn';
  if (!stream) {
    sendJson(res, 200, {
      ...message,
      content: [block],
      stop_reason: stopReason,
      usage: { ...message.usage, output_tokens: SCRIPTED_USAGE.output },
    });
    return;
  }
  startSse(res);
  writeSse(res, { type: 'message_start', message });
  if (block.type === 'text') {
    writeSse(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    writeSse(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: block.text } });
  } else {
    writeSse(res, { type: 'content_block_start', index: 0, content_block: { ...block, input: {} } });
    writeSse(res, { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
  }
  writeSse(res, { type: 'content_block_stop', index: 0 });
  writeSse(res, {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: SCRIPTED_USAGE.output },
  });
  writeSse(res, { type: 'message_stop' });
  res.end();
}
